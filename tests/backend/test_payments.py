"""The payment provider's events on SQLite and PostgreSQL: each status read through the one table
(payment_providers.EVENT_STATUSES); only a capture pays, a failed attempt leaves the case waiting
and its link payable, and nothing that comes late turns a paid payment back."""
import json

import pytest

from backend.payment_providers import EVENT_STATUSES, our_status
from backend.payment_providers.sandbox import sign as webhook_signature
from tests.backend.test_desludging import _case, _file, _payment


def _event(client, settings, payment_id, amount_paise, status, provider_id="pay_1"):
    event = json.dumps({"payment_id": payment_id, "provider_payment_id": provider_id, "amount_paise": amount_paise, "status": status}).encode()
    return client.post("/api/v1/payments/webhook", content=event, headers={"X-Sandbox-Signature": webhook_signature(settings, event)})


def test_only_money_taken_pays():
    assert {provider for provider, ours in EVENT_STATUSES.items() if ours == "paid"} == {"captured", "paid"}
    assert set(EVENT_STATUSES.values()) == {"paid", "failed", "waiting"}
    assert [our_status(s) for s in ("CAPTURED", " paid ", "failed", "authorized", "refunded", "")] == ["paid", "paid", "failed", "waiting", "waiting", "waiting"]


@pytest.mark.parametrize("status", ["failed", "FAILED", "authorized", "pending", "created", "refunded", "chargeback"])
def test_an_event_that_is_not_a_capture_pays_nothing_and_the_link_stays_payable(client, auth, settings, status):
    filed = _file(client)
    payment = _payment(settings, filed["reference"])
    answered = _event(client, settings, payment.id, 200000, status)
    assert answered.status_code == 200 and answered.json() == {"status": "created", "case_paid": False}
    assert _case(settings, filed["reference"]).state == "PENDING_PAYMENT"
    assert _payment(settings, filed["reference"]).status == "created"
    page = client.get(filed["payment_url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and "<form method=\"post\">" in page.text  # the citizen can try again
    # the next attempt, captured, pays
    assert _event(client, settings, payment.id, 200000, "captured", provider_id="pay_2").json() == {"status": "paid", "case_paid": True}
    assert _case(settings, filed["reference"]).state == "PENDING_OPERATOR_ACCEPT"


def test_a_late_failure_of_a_captured_payment_changes_nothing(client, auth, settings):
    filed = _file(client)
    payment = _payment(settings, filed["reference"])
    assert _event(client, settings, payment.id, 200000, "captured").json() == {"status": "paid", "case_paid": True}
    assert _event(client, settings, payment.id, 200000, "failed").json() == {"status": "paid", "case_paid": False}  # same provider payment
    assert _event(client, settings, payment.id, 200000, "failed", provider_id="pay_9").json() == {"status": "paid", "case_paid": False}
    assert _payment(settings, filed["reference"]).status == "paid"
    assert _case(settings, filed["reference"]).state == "PENDING_OPERATOR_ACCEPT"


def test_a_failure_then_a_late_capture_of_the_same_attempt_pays(client, auth, settings):
    """UPI can report an attempt failed and capture it minutes later under the same id."""
    filed = _file(client)
    payment = _payment(settings, filed["reference"])
    assert _event(client, settings, payment.id, 200000, "failed").json()["case_paid"] is False
    assert _event(client, settings, payment.id, 200000, "captured").json() == {"status": "paid", "case_paid": True}


@pytest.mark.parametrize("event", [
    {"payment_id": 1, "provider_payment_id": "pay_1", "amount_paise": 200000},  # no status: not taken as a capture
    {"payment_id": 1, "provider_payment_id": "pay_1", "amount_paise": 200000, "status": None},
    {"payment_id": 1, "provider_payment_id": "pay_1", "amount_paise": 200000, "status": ["captured"]},
])
def test_an_event_without_a_readable_status_is_refused(client, auth, settings, event):
    filed = _file(client)
    body = json.dumps(event).encode()
    answered = client.post("/api/v1/payments/webhook", content=body, headers={"X-Sandbox-Signature": webhook_signature(settings, body)})
    assert answered.status_code == 422 and answered.json()["detail"] == {"code": "malformed_event"}
    assert _case(settings, filed["reference"]).state == "PENDING_PAYMENT"

"""Desludging through the backend API on SQLite and PostgreSQL: the tariff, filing, paying through
the sandbox's signed links and webhook (forged, repeated, twice, expired), the operator's steps,
disposal at a treatment plant, and the rating."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from backend.api.deps import get_now
from backend.db import get_session_factory
from backend.models import Case, OutboxMessage, Payment
from backend.services.payments import webhook_signature
from tests.conftest import NOW

PHONE = "+919812345678"
REQUEST = {
    "applicant_name": "Sabitri Behera", "citizen_phone": f"whatsapp:{PHONE}", "property_type": "residential",
    "sanitation_type": "septic_tank", "size_litres": 2000, "trips": 2, "slum": False,
    "preferred_date": (date(2026, 11, 25)).isoformat(), "pay_before": True, "pin": "751007",
    "landmark": "near the Ram Mandir", "ward": "ward 12", "language": "or", "channel": "twilio_whatsapp",
}


def _file(client, auth, **changes):
    response = client.post("/api/v1/desludging", json={**REQUEST, **changes}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def _capture(client, settings, payment_id, amount_paise, provider_id="pay_1", signature=None):
    event = json.dumps({"payment_id": payment_id, "provider_payment_id": provider_id, "amount_paise": amount_paise, "status": "captured"}).encode()
    return client.post("/api/v1/payments/webhook", content=event,
                       headers={"X-Sandbox-Signature": signature if signature is not None else webhook_signature(settings, event)})


def _payment(settings, reference) -> Payment:
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        return session.scalars(select(Payment).where(Payment.case_id == case.id).order_by(Payment.id)).first()


def _case(settings, reference) -> Case:
    with get_session_factory(settings.database_url)() as session:
        return session.scalar(select(Case).where(Case.reference == reference))


@pytest.mark.parametrize(
    "params, fee",
    [
        ({"ulb": "BMC", "property_type": "residential", "trips": 2}, 2000.0),
        ({"ulb": "BMC", "property_type": "commercial", "trips": 1}, 2500.0),
        ({"ulb": "BMC", "property_type": "residential", "trips": 3, "slum": True}, 0.0),  # free for slum households
        ({"ulb": "GP", "property_type": "residential", "trips": 1, "slum": True}, 1200.0),  # not free in GPs
        ({"ulb": "PURI", "property_type": "institutional", "trips": 2}, 3200.0),
    ],
)
def test_tariff(client, params, fee):
    assert client.get("/api/v1/desludging/quote", params=params).json() == {"fee_rupees": fee}


def test_pay_before_journey_to_completion(client, auth, settings, app):
    filed = _file(client, auth)
    reference = filed["reference"]
    assert reference == "FSM-2026-000001" and filed["state"] == "PENDING_PAYMENT" and filed["fee_rupees"] == 2000.0
    assert filed["payment_url"].startswith("http://testserver/pay/")
    assert filed["upi_link"] == f"upi://pay?pa=sathi.ulb%40sandboxupi&pn=Sathi%20ULB%20Services&am=2000.00&cu=INR&tr={reference}-1&tn={reference}"

    page = client.get(filed["payment_url"].removeprefix("http://testserver"))
    assert page.status_code == 200 and "₹2000.00" in page.text and "<form method=\"post\">" in page.text  # Odia page
    payment = _payment(settings, reference)

    assert _capture(client, settings, payment.id, 200000, signature="forged").status_code == 403
    assert _case(settings, reference).state == "PENDING_PAYMENT"
    assert _capture(client, settings, payment.id, 100000).json()["detail"]["code"] == "amount_mismatch"
    paid = _capture(client, settings, payment.id, 200000)
    assert paid.json() == {"status": "paid", "case_paid": True}
    case = _case(settings, reference)
    assert (case.state, case.assignee_id) == ("PENDING_OPERATOR_ACCEPT", "OP-BMC-01")
    assert _capture(client, settings, payment.id, 200000).json() == {"status": "paid", "case_paid": False}  # repeated webhook
    assert _capture(client, settings, payment.id, 200000, provider_id="pay_2").json() == {"status": "duplicate", "case_paid": False}
    assert "ଆଗରୁ ହୋଇସାରିଛି" in client.get(filed["payment_url"].removeprefix("http://testserver")).text  # "already paid", in Odia

    step = lambda **body: client.post(f"/api/v1/desludging/{reference}/operator", json=body, headers=auth)  # noqa: E731
    assert step(operator_id="OP-BMC-02", action="ACCEPT").status_code == 403  # not their job
    assert step(operator_id="OP-BMC-01", action="DECLINE").status_code == 422  # a reason is required
    declined = step(operator_id="OP-BMC-01", action="DECLINE", reason="vehicle under repair").json()
    assert (declined["state"], declined["operator_id"]) == ("PENDING_OPERATOR_ACCEPT", "OP-BMC-02")
    assert step(operator_id="OP-BMC-02", action="DISPOSE", plant="BMC-FSTP-BASUAGHAI", volume_litres=2000).status_code == 409
    assert step(operator_id="OP-BMC-02", action="ACCEPT").json()["state"] == "IN_PROGRESS"
    assert step(operator_id="OP-BMC-02", action="DISPOSE", plant="CMC-FSTP-MATAGAJPUR", volume_litres=2000).json()["detail"] == {"code": "unknown_plant", "field": "plant"}
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=20)
    assert step(operator_id="OP-BMC-02", action="DISPOSE", plant="BMC-FSTP-BASUAGHAI", volume_litres=1900).json()["state"] == "DISPOSED"
    disposal = _case(settings, reference).details["disposal"]
    assert disposal == {"plant": "BMC-FSTP-BASUAGHAI", "volume_litres": 1900, "at": (NOW + timedelta(hours=20)).isoformat()}

    rate = lambda **body: client.post(f"/api/v1/desludging/{reference}/rating", json={"phone": PHONE, **body}, headers=auth)  # noqa: E731
    assert rate(rating=2).json()["detail"] == {"code": "required_below_3", "field": "comment"}
    assert rate(rating=2, comment="Came a day late").json()["state"] == "COMPLETED"
    history = [h["action"] for h in client.get(f"/api/v1/cases/{reference}/history", headers=auth).json()]
    assert history == ["APPLY", "REQUEST_PAYMENT", "PAY", "ASSIGN", "DECLINE", "ASSIGN", "ACCEPT", "DISPOSE", "RATE"]
    with get_session_factory(settings.database_url)() as session:
        keys = [(m.locale_key, m.recipient) for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert ("utter_alert_desludging_assigned", "+919437300101") in keys and ("utter_alert_desludging_assigned", "+919437300102") in keys
    assert ("utter_notify_desludging_disposed", PHONE) in keys


def test_an_expired_or_forged_link_is_refused(client, auth, app):
    filed = _file(client, auth)
    path = filed["payment_url"].removeprefix("http://testserver")
    assert client.get(path[:-4] + "0000").status_code == 404  # signature changed
    assert client.get(path.replace("/pay/1.", "/pay/2.")).status_code == 404
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(days=1, minutes=1)
    expired = client.get(path)
    assert expired.status_code == 410
    assert client.post(path).status_code == 404  # the sandbox takes no money on an expired link


def test_free_or_pay_after_goes_straight_to_an_operator_and_villages_are_served(client, auth):
    slum = _file(client, auth, slum=True)
    assert (slum["state"], slum["fee_rupees"], slum["payment_url"]) == ("PENDING_OPERATOR_ACCEPT", 0.0, None)
    later = _file(client, auth, pay_before=False, size_litres=5000)
    assert (later["state"], later["operator_id"]) == ("PENDING_OPERATOR_ACCEPT", "OP-BMC-02")  # the 6,000 l vehicle: one trip
    village = _file(client, auth, ward=None, gram_panchayat="GP-BENUPUR", village="ସରକଣା", slum=True, pay_before=False)
    assert (village["fee_rupees"], village["operator_id"]) == (1200.0 * 2, "OP-BMC-01")  # no slum waiver in GPs


@pytest.mark.parametrize(
    "change, field",
    [
        ({"trips": 10}, "trips"), ({"trips": 0}, "trips"), ({"property_type": "palace"}, "property_type"),
        ({"sanitation_type": "river"}, "sanitation_type"), ({"pin": "7510"}, "pin"),
        ({"preferred_date": "2026-11-01"}, "preferred_date"), ({"ward": "ward 900"}, "ward"),
        ({"ward": None, "gram_panchayat": "GP-BENUPUR", "village": "Atlantis"}, "village"),
    ],
)
def test_invalid_requests_are_refused_with_the_field(client, auth, change, field):
    response = client.post("/api/v1/desludging", json={**REQUEST, **change}, headers=auth)
    assert response.status_code == 422 and response.json()["detail"]["field"] == field


def test_the_same_submission_files_once_and_the_citizen_cannot_rate_early(client, auth):
    first = client.post("/api/v1/desludging", json=REQUEST, headers={**auth, "Idempotency-Key": "k1"})
    again = client.post("/api/v1/desludging", json=REQUEST, headers={**auth, "Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["reference"] == again.json()["reference"]
    early = client.post(f"/api/v1/desludging/{first.json()['reference']}/rating", json={"phone": PHONE, "rating": 5}, headers=auth)
    assert early.status_code == 409 and early.json()["detail"]["code"] == "wrong_state"

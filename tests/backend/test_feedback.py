"""The citizen's verdict after resolution: the numbered rating menu, closing with a rating,
reopening within 10 days (and not after), and the officials' scores."""
from datetime import timedelta

from sqlalchemy import select

from backend.api.deps import get_now
from backend.db import get_session_factory
from backend.models import Citizen, Feedback, OutboxMessage
from backend.outbox_worker import OutboxWorker
from backend.senders.twilio import TwilioSender
from tests.backend.twilio_fake import FakeTwilio
from tests.conftest import NOW, complaint_body, in_turn, refused_to_callers

PHONE = "+919812345678"
GRIEVANCE = {
    "category": "garbage", "description": "Garbage not collected for a week", "ward": "BMC-W12",
    "citizen_phone": f"whatsapp:{PHONE}", "language": "or", "channel": "twilio_whatsapp",
}


def _resolved(client, auth, app, staff, at=NOW, **overrides) -> str:
    app.dependency_overrides[get_now] = lambda: at
    filing = {**GRIEVANCE, **overrides}
    reference = client.post("/api/v1/certificates", json=complaint_body(**filing),
                            headers=in_turn(client, filing["citizen_phone"])).json()["reference"]
    app.dependency_overrides[get_now] = lambda: at + timedelta(hours=30)
    resolved = client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}, headers=staff("BMC-SAN-N"))
    assert resolved.status_code == 200, resolved.text
    return reference


def _verdict(client, auth, reference, **body):
    return client.post(f"/api/v1/cases/{reference}/feedback", json={"phone": PHONE, **body}, headers=in_turn(client, PHONE))


def test_the_resolution_message_offers_the_rating_menu_once_it_is_sent(client, auth, app, settings, staff):
    reference = _resolved(client, auth, app, staff)
    fake = FakeTwilio()
    sender = TwilioSender(settings, transport=fake.transport)
    with get_session_factory(settings.database_url)() as session:
        session.merge(Citizen(phone=PHONE, updated_at=NOW, whatsapp_last_inbound_at=NOW + timedelta(hours=30)))
        session.commit()
    OutboxWorker(settings, senders={"whatsapp": sender, "sms": sender}, clock=lambda: NOW + timedelta(hours=31)).run_once()
    with get_session_factory(settings.database_url)() as session:
        menu = session.get(Citizen, PHONE).menu
    assert menu["0"] == f'/give_feedback{{"reference":"{reference}","solved":"no"}}'
    assert menu["4"] == f'/give_feedback{{"reference":"{reference}","rating":"4"}}'
    official_alert, resolution = fake.sent
    assert official_alert["content_sid"] == "HX0000000000000000000000000000or11"  # outside the window: template
    assert "1 (ବହୁତ ଖରାପ)" in resolution["body"]


def test_a_rating_closes_the_case_and_counts_for_the_official(client, auth, app, settings, staff):
    reference = _resolved(client, auth, app, staff)
    answer = _verdict(client, auth, reference, solved=True, rating=4, comment="Cleaned the next day")
    assert answer.json() == {"reference": reference, "outcome": "closed", "state": "CLOSED"}
    with get_session_factory(settings.database_url)() as session:
        feedback = session.scalar(select(Feedback))
        assert (feedback.official_id, feedback.department, feedback.rating) == ("BMC-SAN-N", "SANITATION", 4)
    assert _verdict(client, auth, reference, solved=True, rating=5).json()["detail"]["code"] == "wrong_state"


def test_not_solved_reopens_within_ten_days_and_alerts_the_official(client, auth, app, settings, staff):
    reference = _resolved(client, auth, app, staff)
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(days=9)
    answer = _verdict(client, auth, reference, solved=False)
    assert answer.json() == {"reference": reference, "outcome": "reopened", "state": "PENDING_AT_OFFICIAL"}
    with get_session_factory(settings.database_url)() as session:
        alert = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert (alert.locale_key, alert.recipient) == ("utter_alert_case_reopened", "+919437200101")


def test_reopening_after_ten_days_is_refused(client, auth, app, staff):
    reference = _resolved(client, auth, app, staff)
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=30) + timedelta(days=10, minutes=1)
    refused = _verdict(client, auth, reference, solved=False)
    assert refused.status_code == 409 and refused.json()["detail"]["code"] == "window_closed"
    assert _verdict(client, auth, reference, solved=True, rating=2).json()["outcome"] == "closed"  # rating still counts


def test_only_the_owner_rates_and_a_rating_is_1_to_5(client, auth, app, staff):
    reference = _resolved(client, auth, app, staff)
    stranger = "+919000000000"  # in their own turn, rating someone else's case
    other = client.post(f"/api/v1/cases/{reference}/feedback", json={"phone": stranger, "solved": True, "rating": 5},
                        headers=in_turn(client, stranger))
    assert other.status_code == 403 and other.json()["detail"]["code"] == "not_your_case"
    assert _verdict(client, auth, reference, solved=True, rating=7).status_code == 422
    assert _verdict(client, auth, reference, solved=True).json()["detail"]["code"] == "invalid_rating"
    assert client.post("/api/v1/cases/GRV-2026-999999/feedback", json={"phone": PHONE, "solved": True, "rating": 3},
                       headers=in_turn(client, PHONE)).status_code == 404


def test_officials_performance(client, auth, app, staff):
    fast = _resolved(client, auth, app, staff)  # resolved in 30 h, within garbage's 48 h
    app.dependency_overrides[get_now] = lambda: NOW
    slow = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, PHONE)).json()["reference"]
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=60)
    client.post(f"/api/v1/cases/{slow}/actions", json={"action": "RESOLVE"}, headers=staff("BMC-SAN-N"))
    _verdict(client, auth, fast, solved=True, rating=5)
    _verdict(client, auth, slow, solved=True, rating=2)
    figures = client.get("/api/v1/officials/performance", headers=staff("BMC-SAN-SUP")).json()
    assert figures == [{
        "official_id": "BMC-SAN-N", "resolved": 2, "average_hours_to_resolve": 45.0, "sla_compliance": 0.5,
        "ratings": 2, "average_rating": 3.5,
    }]
    assert client.get("/api/v1/officials/performance", params={"department": "WATER"}, headers=auth).json() == []
    client.cookies.clear()  # signed out: neither caller's token stands in for an official
    assert refused_to_callers(client, "GET", "/api/v1/officials/performance")


def test_my_complaints_in_plain_terms(client, auth, app, staff):
    first = _resolved(client, auth, app, staff)
    app.dependency_overrides[get_now] = lambda: NOW
    second = client.post("/api/v1/certificates", json=complaint_body(**GRIEVANCE), headers=in_turn(client, PHONE)).json()["reference"]
    mine = client.post("/api/v1/cases/mine", json={"phone": PHONE}, headers=in_turn(client, PHONE)).json()
    assert [(c["reference"], c["state"], c["holder"]) for c in mine] == [
        (second, "PENDING_AT_OFFICIAL", "official"), (first, "RESOLVED", "done"),
    ]
    assert client.get(f"/api/v1/cases/{second}").json()["holder"] == "official"
    assert client.post("/api/v1/cases/mine", json={"phone": "+919000000000"}, headers=in_turn(client, "+919000000000")).json() == []


def _open(client, phone=PHONE, reference=None):
    return client.post("/api/v1/cases/verdict/open", json={"phone": phone, "reference": reference},
                       headers=in_turn(client, phone))


def test_a_verdict_asked_for_stays_open_until_given(client, auth, app, staff):
    """Whatever the citizen said since, the notice that asked (its words, values and numbered
    answers) can be asked again until the verdict is given; then nothing is open."""
    assert _open(client).status_code == 404  # nothing asked yet
    reference = _resolved(client, auth, app, staff)
    opened = _open(client)
    assert opened.status_code == 200, opened.text
    offer = opened.json()
    assert (offer["reference"], offer["key"], offer["variables"]["reference"], offer["state"]) == (
        reference, "utter_notify_grievance_resolved", reference, "RESOLVED")
    assert offer["menu"]["0"] == f'/give_feedback{{"reference":"{reference}","solved":"no"}}' and len(offer["menu"]) == 6
    assert _open(client, reference=reference.lower()).json()["reference"] == reference
    assert _open(client, reference="GRV-2026-999999").status_code == 404
    assert _open(client, phone="+919812300000").status_code == 404  # another phone's: nothing of theirs
    other = client.post("/api/v1/cases/verdict/open", json={"phone": PHONE}, headers=in_turn(client, "+919812300000"))
    assert other.status_code == 403  # a turn acts for its own phone only
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=32)  # asked at 30 h, two hours ago
    within = lambda hours: client.post("/api/v1/cases/verdict/open", json={"phone": PHONE, "asked_within_hours": hours},  # noqa: E731
                                       headers=in_turn(client, PHONE)).status_code
    assert (within(1), within(3)) == (404, 200)
    assert _verdict(client, auth, reference, solved=True, rating=4).json()["outcome"] == "closed"
    assert _open(client).status_code == 404


def test_an_older_question_is_not_asked_again(client, auth, app, staff):
    """Resolved (the question asked), reopened, then rejected: the resolution's question is not the
    open one; the rejection's own (0 reopens it) is."""
    reference = _resolved(client, auth, app, staff)
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=40)
    assert _verdict(client, auth, reference, solved=False).json()["outcome"] == "reopened"
    rejected = client.post(f"/api/v1/cases/{reference}/actions", json={"action": "REJECT", "reason": "not ours"},
                           headers=staff("BMC-SAN-N"))
    assert rejected.status_code == 200, rejected.text
    asked = _open(client).json()
    assert (asked["key"], list(asked["menu"])) == ("utter_notify_grievance_rejected", ["0"])

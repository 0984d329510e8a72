"""The water tanker, a service added as data (catalog/water_tanker.yml on the shared visit workflow),
through the backend API on SQLite and PostgreSQL: the fee the chosen size sets, payment, the
operator of the serving town who serves tankers (not a desludging vehicle), the operator's steps
through the common case route, notices that name the service, status and the citizen's rating."""

from sqlalchemy import select

from backend.db import get_session_factory
from backend.models import Case, Feedback, OutboxMessage, Payment
from tests.backend.test_certificates import _pay
from tests.conftest import in_turn

PHONE = "+919812300077"
BOOKING = {"booking_name": "Sabitri Behera", "tanker_size": "2", "delivery_place": "ward 12 Bhubaneswar",
           "landmark": "behind the Ram temple, lane 3"}  # fmt: skip


def _book(client, answers=BOOKING, language="hi"):
    body = {"certificate_type": "water_tanker", "answers": answers, "citizen_phone": f"whatsapp:{PHONE}",
            "language": language, "channel": "twilio_whatsapp"}  # fmt: skip
    response = client.post("/api/v1/certificates", json=body, headers=in_turn(client, body["citizen_phone"]))
    assert response.status_code == 201, response.text
    return response.json()


def _notices(settings, reference):
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        return [(m.recipient, m.body) for m in session.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id).order_by(OutboxMessage.id))]


def test_a_tanker_is_booked_paid_sent_delivered_and_rated(client, settings, staff):
    filed = _book(client)
    reference = filed["reference"]
    assert reference.startswith("WTR-2026-") and filed["state"] == "PENDING_PAYMENT"
    assert filed["fee_rupees"] == 900.0 and filed["office"] == "ULB-BMC"  # the 10,000 litre tanker, from the town
    _pay(client, settings, reference)
    status = lambda lang="en": client.get(f"/api/v1/cases/{reference}", params={"language": lang}).json()  # noqa: E731
    now = status()
    assert (now["service"], now["state"], now["holder"]) == ("visit", "PENDING_OPERATOR_ACCEPT", "operator")
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert (case.assignee_id, case.ulb, case.department) == ("OP-BMC-WT-02", "BMC", "WATER")  # a tanker, not a desludging vehicle
        assert session.scalars(select(Payment.amount_paise).where(Payment.case_id == case.id)).one() == 90000

    act = lambda who, **body: client.post(f"/api/v1/cases/{reference}/actions", json=body, headers=staff(who))  # noqa: E731
    assert act("OP-BMC-01", action="ACCEPT").status_code == 403  # a desludging operator: not their job
    assert act("OP-BMC-WT-02", action="DECLINE").status_code == 422  # a reason is needed
    declined = act("OP-BMC-WT-02", action="DECLINE", reason="Vehicle under repair")
    assert declined.status_code == 200 and declined.json()["assignee_id"] == "OP-BMC-WT-01"  # the town's other tanker
    assert act("OP-BMC-WT-01", action="DISPOSE", plant="BMC-FSTP-BASUAGHAI", volume_litres=10).status_code == 404  # not a tanker's step
    assert act("OP-BMC-WT-01", action="ACCEPT").json()["state"] == "IN_PROGRESS"
    assert status()["vehicle"] == "OD-02-WT-2201"
    assert act("OP-BMC-WT-01", action="DELIVER").json()["state"] == "DELIVERED"

    verdict = lambda **body: client.post(f"/api/v1/cases/{reference}/feedback", headers=in_turn(client, PHONE),  # noqa: E731
                                         json={"phone": PHONE, "solved": True, **body})  # fmt: skip
    assert verdict(rating=5).json() == {"reference": reference, "outcome": "completed", "state": "COMPLETED"}
    with get_session_factory(settings.database_url)() as session:
        assert [(f.official_id, f.rating) for f in session.scalars(select(Feedback))] == [("OP-BMC-WT-01", 5)]

    sent = _notices(settings, reference)
    to_citizen = [body for to, body in sent if PHONE in to]
    assert any("पानी का टैंकर" in b and "भुगतान मिल गया" in b for b in to_citizen)  # paid, naming the service, in Hindi
    assert any("पानी का टैंकर की आपकी बुकिंग" in b and "मंज़ूर" in b for b in to_citizen)  # accepted
    assert any("पहुँचा दी गई" in b and "रेटिंग" in b for b in to_citizen)  # delivered: rate it
    to_operators = [body for to, body in sent if "9437300112" in to or "9437300111" in to]
    assert len(to_operators) == 2 and all("ପାଣି ଟ୍ୟାଙ୍କର" in b for b in to_operators)  # each job alert, in the operator's Odia


def test_the_size_sets_the_fee_and_a_village_is_served_by_its_town(client):
    small = _book(client, {**BOOKING, "tanker_size": "5000 litre"}, language="en")
    assert small["fee_rupees"] == 500.0
    village = _book(client, {**BOOKING, "delivery_place": "ସରକଣା", "tanker_size": "छोटा"}, language="or")
    assert (village["office"], village["fee_rupees"]) == ("ULB-BMC", 500.0)


def test_a_bad_answer_is_refused_naming_the_field(client):
    body = {"certificate_type": "water_tanker", "answers": {**BOOKING, "tanker_size": "a swimming pool"},
            "citizen_phone": f"whatsapp:{PHONE}", "language": "en", "channel": "twilio_whatsapp"}  # fmt: skip
    refused = client.post("/api/v1/certificates", json=body, headers=in_turn(client, body["citizen_phone"]))
    assert refused.status_code == 422 and refused.json()["detail"]["field"] == "tanker_size"

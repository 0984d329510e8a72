"""The water tanker, a service added as data (catalog/water_tanker.yml on the shared visit workflow),
through the backend API on SQLite and PostgreSQL: the fee the chosen size sets, payment, the
operator of the serving town who serves tankers (not a desludging vehicle), the operator's steps
through the common case route, notices that name the service, status and the citizen's rating."""

from datetime import timedelta

from sqlalchemy import select

from backend.db import get_session_factory
from backend.models import Case, Feedback, OutboxMessage, Payment
from backend.settings import get_settings
from tests.backend.test_certificates import _pay
from backend.sweeper import sweep_once
from tests.conftest import NOW, in_turn

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
        # a tanker that holds 10,000 litres, not a desludging vehicle; the ward is the case's area
        assert (case.assignee_id, case.ulb, case.ward_number, case.department) == ("OP-BMC-WT-01", "BMC", 12, "WATER")
        assert session.scalars(select(Payment.amount_paise).where(Payment.case_id == case.id)).one() == 90000

    act = lambda who, **body: client.post(f"/api/v1/cases/{reference}/actions", json=body, headers=staff(who))  # noqa: E731
    assert act("OP-BMC-01", action="ACCEPT").status_code == 403  # a desludging operator: not their job
    assert act("OP-BMC-WT-01", action="DECLINE").status_code == 422  # a reason is needed
    declined = act("OP-BMC-WT-01", action="DECLINE", reason="Vehicle under repair")
    assert declined.status_code == 200 and declined.json()["assignee_id"] == "OP-BMC-WT-02"  # the town's other tanker
    assert act("OP-BMC-WT-02", action="DISPOSE", plant="BMC-FSTP-BASUAGHAI", volume_litres=10).status_code == 404  # not a tanker's step
    assert act("OP-BMC-WT-02", action="ACCEPT").json()["state"] == "IN_PROGRESS"
    assert status()["vehicle"] == "OD-02-WT-2260"
    assert act("OP-BMC-WT-02", action="DELIVER").json()["state"] == "DELIVERED"

    verdict = lambda **body: client.post(f"/api/v1/cases/{reference}/feedback", headers=in_turn(client, PHONE),  # noqa: E731
                                         json={"phone": PHONE, "solved": True, **body})  # fmt: skip
    assert verdict(rating=5).json() == {"reference": reference, "outcome": "completed", "state": "COMPLETED"}
    with get_session_factory(settings.database_url)() as session:
        assert [(f.official_id, f.rating, f.department) for f in session.scalars(select(Feedback))] == [("OP-BMC-WT-02", 5, "WATER")]

    sent = _notices(settings, reference)
    to_citizen = [body for to, body in sent if PHONE in to]
    assert any("पानी का टैंकर" in b and "भुगतान मिल गया" in b for b in to_citizen)  # paid, naming the service, in Hindi
    assert any("आपकी बुकिंग" in b and "(पानी का टैंकर)" in b and "मंज़ूर" in b for b in to_citizen)  # accepted
    assert any("आपका पानी का टैंकर" in b and "पहुँच गया" in b and "रेटिंग" in b for b in to_citizen)  # delivered: rate it
    to_operators = [body for to, body in sent if "9437300112" in to or "9437300111" in to]
    assert len(to_operators) == 2 and all("ପାଣି ଟ୍ୟାଙ୍କର" in b for b in to_operators)  # each job alert, in the operator's Odia
    with get_session_factory(settings.database_url)() as session:
        alert = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "utter_alert_visit_assigned")).first()
    # what its WhatsApp template is filled with once the operator's 24-hour window has closed
    assert alert.variables["certificate"] == "ପାଣି ଟ୍ୟାଙ୍କର" and alert.variables["reference"] == reference and alert.variables["due"]


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


def test_when_every_tanker_declines_nobody_holds_it_and_the_decliner_sees_no_more(client, settings, staff):
    reference = _book(client)["reference"]
    _pay(client, settings, reference)
    act = lambda who, **body: client.post(f"/api/v1/cases/{reference}/actions", json=body, headers=staff(who))  # noqa: E731
    act("OP-BMC-WT-01", action="DECLINE", reason="Vehicle under repair")
    last = act("OP-BMC-WT-02", action="DECLINE", reason="Driver on leave")
    assert (last.json()["state"], last.json()["assignee_id"]) == ("PENDING_ASSIGNMENT", None)  # for the town's supervisor
    assert client.get(f"/api/v1/cases/{reference}/history", headers=staff("OP-BMC-WT-02")).status_code == 403
    told = [body for to, body in _notices(settings, reference) if PHONE in to and "दूसरी गाड़ी" in body]
    assert len(told) == 2  # the citizen hears of each decline, and that another vehicle is sought
    supervisor = [body for to, body in _notices(settings, reference) if to == "+919437200204"]  # BMC-WAT-SUP, by SMS
    assert len(supervisor) == 1 and reference in supervisor[0] and "ଅପରେଟର" in supervisor[0]  # told to see to it, in Odia
    cancelled = act("BMC-WAT-SUP", action="CANCEL", reason="No tanker free today")
    assert cancelled.json()["state"] == "CANCELLED"
    assert any("बुकिंग" in body and "रद्द" in body for to, body in _notices(settings, reference) if PHONE in to)


def test_an_application_stays_its_office_s_while_a_booking_is_its_town_s(client):
    """A certificate's area is its office (its verifiers and approvers), not the town's watchers."""
    body = {"certificate_type": "birth", "citizen_phone": f"whatsapp:{PHONE}", "language": "en", "channel": "twilio_whatsapp",
            "answers": {"child_name": "Anita Behera", "date_of_birth": "01/11/2026", "place": "ward 12 Bhubaneswar",
                        "mother_name": "Sabitri Behera", "father_name": "Raghunath Behera"}}  # fmt: skip
    filed = client.post("/api/v1/certificates", json=body, headers=in_turn(client, body["citizen_phone"])).json()
    booked = _book(client)
    with get_session_factory(client.app.dependency_overrides[get_settings]().database_url)() as session:
        areas = dict(session.execute(select(Case.reference, Case.ulb).where(Case.reference.in_([filed["reference"], booked["reference"]]))).all())
    assert (areas[filed["reference"]], areas[booked["reference"]]) == (None, "BMC")


def test_operators_kept_where_they_were_or_serving_nothing_stop_the_start(tmp_path):
    import shutil

    import pytest

    from backend.services.desludging import load_masterdata

    shipped = get_settings().masterdata_dir
    for case, change in (("old", lambda d: (d / "desludging.yml").write_text((d / "desludging.yml").read_text() + "operators: []\n")),
                         ("idle", lambda d: (d / "operators.yml").write_text((d / "operators.yml").read_text().replace(", serves: [water_tanker]", "")))):  # fmt: skip
        directory = tmp_path / case
        shutil.copytree(shipped, directory)
        change(directory)
        with pytest.raises(ValueError, match="operators are kept in operators.yml" if case == "old" else "OP-BMC-WT-01, OP-BMC-WT-02"):
            load_masterdata(directory)


def test_an_operator_who_lets_a_job_wait_is_passed_over_and_then_the_supervisor_is_told(client, settings):
    """Every service sweeps its own SLA: a tanker operator has 2 hours to accept (the visit
    workflow's PENDING_OPERATOR_ACCEPT); past that the sweep gives the job to the next tanker, and
    with none left the town's WATER supervisor hears of it. Once each, however often it runs."""
    reference = _book(client)["reference"]
    _pay(client, settings, reference)

    def state():
        with get_session_factory(settings.database_url)() as session:
            case = session.scalar(select(Case).where(Case.reference == reference))
            return case.state, case.assignee_id, case.details.get("declined_by")

    assert state() == ("PENDING_OPERATOR_ACCEPT", "OP-BMC-WT-01", None)
    assert reference not in sweep_once(settings, NOW + timedelta(hours=1, minutes=59))
    assert reference in sweep_once(settings, NOW + timedelta(hours=2, minutes=1))
    assert state() == ("PENDING_OPERATOR_ACCEPT", "OP-BMC-WT-02", ["OP-BMC-WT-01"])
    assert reference not in sweep_once(settings, NOW + timedelta(hours=2, minutes=2))  # the next one has its own 2 hours
    assert reference in sweep_once(settings, NOW + timedelta(hours=4, minutes=5))
    assert state() == ("PENDING_ASSIGNMENT", None, ["OP-BMC-WT-01", "OP-BMC-WT-02"])
    supervisor = [body for to, body in _notices(settings, reference) if to == "+919437200204" and "ଅପରେଟର" in body]
    assert len(supervisor) == 1  # BMC-WAT-SUP, once
    told = [body for to, body in _notices(settings, reference) if PHONE in to and "दूसरी गाड़ी" in body]
    assert len(told) == 2  # the citizen hears each time that another vehicle is sought
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert [h.action for h in case.history if h.action == "TIME_OUT"] == ["TIME_OUT", "TIME_OUT"]

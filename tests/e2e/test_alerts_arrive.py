"""Alerts that arrive, through the running stack and the Twilio sandbox: a notice 25 hours after the
citizen last wrote goes as its approved template; a WhatsApp message to a number with no WhatsApp
(Twilio's 63003, which the sandbox reports for its listed numbers) comes again by SMS; an operator
who never answers loses the job to the next operator by the SLA sweep, who is alerted."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from backend.db import get_session_factory
from backend.models import Case, Citizen
from backend.settings import Settings
from backend.sweeper import sweep_once
from tests.e2e.conftest import NO_WHATSAPP, act, arrived, case_in_database, desludging_filed, filed
from tests.conftest import complaint_body

ESCALATED_TEMPLATE_EN = "HX0000000000000000000000000000en41"  # whatsapp_templates.yml: utter_notify_certificate_escalated
OPERATORS = {"OP-BMC-01": ("+919437300101", "whatsapp"), "OP-BMC-02": ("+919437300102", "sms")}


def _pothole(phone: str) -> dict:
    return complaint_body("pothole on the road", "Pothole near the well", "BMC-W44", f"whatsapp:{phone}", channel="twilio_whatsapp")


def test_a_notice_25_hours_after_the_citizen_last_wrote_goes_as_its_template(stack, twilio):  # noqa: ANN001
    citizen = twilio.text("whatsapp", "+919437700401")
    citizen.say("hi")  # the citizen writes: the 24-hour window opens
    reference = filed(stack, "certificates", _pothole("+919437700401"))
    with get_session_factory(stack.config.effective_database_url)() as session:  # a day and an hour pass
        session.execute(update(Citizen).where(Citizen.phone == "+919437700401")
                        .values(whatsapp_last_inbound_at=datetime.now(UTC) - timedelta(hours=25)))
        session.commit()
    act(stack, reference, "RESOLVE", person_id="BMC-ENG-S")
    resolved = arrived(citizen, lambda m: reference in m["body"] or reference in (m.get("content_variables") or ""))
    assert resolved["content_sid"], resolved  # outside the window only an approved template may go


def test_a_whatsapp_number_with_no_whatsapp_gets_the_notice_by_sms(stack, twilio):  # noqa: ANN001
    reference = filed(stack, "certificates", _pothole(NO_WHATSAPP))
    act(stack, reference, "RESOLVE", person_id="BMC-ENG-S")
    by_sms = arrived(twilio.text("sms", NO_WHATSAPP), lambda m: reference in m["body"])
    assert "resolved" in by_sms["body"].lower(), by_sms  # the same news, in the SMS form of its words


def test_an_operator_who_never_answers_is_replaced_by_the_sweep(stack, twilio):  # noqa: ANN001
    reference = desludging_filed(stack, "+919437700402", "en", name="Mina Das", place="ward 15", landmark="near the school")
    first = case_in_database(stack, reference).assignee_id
    other = next(op for op in OPERATORS if op != first)
    phone, channel = OPERATORS[other]
    next_operator = twilio.text(channel, phone)
    next_operator.inbox()
    # The operator has not accepted by the step's deadline (4 hours; here it passed an hour ago): the sweep runs.
    with get_session_factory(stack.config.effective_database_url)() as session:
        session.execute(update(Case).where(Case.reference == reference)
                        .values(sla_due_at=datetime.now(UTC) - timedelta(hours=1)))
        session.commit()
    sweep_once(Settings(database_url=stack.config.effective_database_url))
    case = case_in_database(stack, reference)
    assert (case.state, case.assignee_id) == ("PENDING_OPERATOR_ACCEPT", other)
    alert = arrived(next_operator, lambda m: reference in m["body"])
    assert "1 " in alert["body"], alert  # with its numbered answers: 1 accepts from the phone


def test_a_certificate_step_past_its_deadline_goes_to_the_district_and_the_citizen_is_told(stack, twilio):  # noqa: ANN001
    citizen = twilio.text("whatsapp", "+919437700403")
    citizen.inbox()
    reference = filed(stack, "certificates", {
        "certificate_type": "birth", "citizen_phone": "whatsapp:+919437700403", "language": "en", "channel": "twilio_whatsapp",
        "answers": {"child_name": "Anita Behera", "date_of_birth": "14/08/2026", "place": "ward 12",
                    "mother_name": "Sabitri Behera", "father_name": "Raghunath Behera"}})
    before = case_in_database(stack, reference)
    assert before.state == "PENDING_VERIFICATION", before.state  # free: straight to the office
    with get_session_factory(stack.config.effective_database_url)() as session:  # the office let it wait
        session.execute(update(Case).where(Case.reference == reference).values(sla_due_at=datetime.now(UTC) - timedelta(hours=1)))
        session.commit()
    sweep_once(Settings(database_url=stack.config.effective_database_url))
    after = case_in_database(stack, reference)
    assert (after.state, after.office) == ("PENDING_VERIFICATION", "DISTRICT-KHORDHA"), (before.office, after.office)
    # The citizen never wrote on WhatsApp: the news goes as its approved template, with the new office and date.
    told = arrived(citizen, lambda m: m["content_sid"] == ESCALATED_TEMPLATE_EN)
    assert reference in told["body"] and "the Khordha district office" in told["body"], told

"""Desludging actions with a dispatcher and tracker against the real backend and database: the
form's questions, the summary and fee, correction, filing, a backend that is down, paying, rating."""
from datetime import date, timedelta

from rasa_sdk.events import FollowupAction, SlotSet
from sqlalchemy import select

from actions.desludging import (
    ANSWER_SLOTS, FILED_SLOTS, ActionAskDesludgingConfirmed, ActionMakePayment, ActionSubmitDesludging, ValidateDesludgingForm,
)
from actions.feedback import ActionGiveFeedback, ActionSubmitFeedbackComment
from actions.retry import ActionRetryPending
from actions.status import ActionCheckStatus
from backend.db import get_session_factory
from backend.models import Case
from tests.actions.conftest import DOMAIN, make_tracker, responses
from tests.conftest import NOW

PHONE = "+919812345678"
FORM_SLOTS = [*ANSWER_SLOTS[:-1], "desludging_payment", "desludging_correction", "desludging_confirmed"]
ANSWERS = {
    "desludging_name": "Sabitri Behera", "desludging_property_type": "residential", "desludging_sanitation_type": "septic_tank",
    "desludging_size": 2000, "desludging_trips": 2, "desludging_landmark": "", "desludging_pin": "751007",
    "desludging_place": {"kind": "ward", "ward": "BMC-W12", "ulb": "BMC", "tariff_area": "BMC"},
    "desludging_place_label": "ward 12, Bhubaneswar", "desludging_slum": False,
    "desludging_date": (NOW.date() + timedelta(days=1)).isoformat(), "desludging_payment": "before",
}
OPENED = [{"event": "active_loop", "name": "desludging_form", "timestamp": 1763890000.0}]


def _said(tracker, intent: str):  # noqa: ANN001, ANN202
    tracker.latest_message["intent"] = {"name": intent}
    return tracker


async def test_answers_are_matched_by_the_backend_and_nonsense_is_asked_again(backend, dispatcher):
    validate = ValidateDesludgingForm(client=backend)
    tracker = make_tracker({}, sender=PHONE)
    assert await validate.validate_desludging_property_type("2", dispatcher, tracker, DOMAIN) == {
        "desludging_property_type": "commercial", "validation_failures": 0}
    assert await validate.validate_desludging_date("कल", dispatcher, tracker, DOMAIN) == {
        "desludging_date": (NOW.date() + timedelta(days=1)).isoformat(), "validation_failures": 0}
    place = await validate.validate_desludging_place("ସରକଣା", dispatcher, make_tracker({"language": "or"}), DOMAIN)
    assert place["desludging_place"]["kind"] == "village" and "ସରକଣା" in place["desludging_place_label"]
    assert await validate.validate_desludging_trips("12", dispatcher, tracker, DOMAIN) == {
        "desludging_trips": None, "validation_failures": 1}
    assert await validate.validate_desludging_pin("", dispatcher, tracker, DOMAIN) == {"desludging_pin": None, "validation_failures": 1}
    assert responses(dispatcher) == ["utter_invalid_desludging_trips", "utter_invalid_desludging_pin"]


async def test_a_backend_that_is_down_is_not_the_citizens_failure(backend_down, dispatcher):
    validate = ValidateDesludgingForm(client=backend_down)
    result = await validate.validate_desludging_size("2000", dispatcher, make_tracker({"validation_failures": 2}), DOMAIN)
    assert result == {"desludging_size": None}
    assert responses(dispatcher) == ["utter_service_unavailable"]


async def test_slum_is_yes_or_no(backend, dispatcher):
    validate = ValidateDesludgingForm(client=backend)
    slum = lambda said, intent=None: validate.validate_desludging_slum(  # noqa: E731
        said, dispatcher, _said(make_tracker({}), intent) if intent else make_tracker({}), DOMAIN)
    assert (await slum("1"))["desludging_slum"] is True and (await slum("2"))["desludging_slum"] is False
    assert (await slum("haan ji"))["desludging_slum"] is True and (await slum("ନାହିଁ"))["desludging_slum"] is False
    assert (await slum("/affirm", "affirm"))["desludging_slum"] is True  # a button's payload
    # a guessed intent never answers: "yesterday" or "yellow" is not a yes (nor a free service)
    for said, guessed in (("yesterday", "affirm"), ("yellow", "affirm"), ("maybe", "deny"), ("yes no", "affirm")):
        assert (await slum(said, guessed))["desludging_slum"] is None, said


async def test_no_payment_question_when_it_is_free_and_the_correction_menu_only_when_asked(backend, dispatcher):
    validate = ValidateDesludgingForm(client=backend)
    paying = await validate.required_slots(FORM_SLOTS, dispatcher, make_tracker(ANSWERS), DOMAIN)
    assert "desludging_payment" in paying and "desludging_correction" not in paying
    free = await validate.required_slots(FORM_SLOTS, dispatcher, make_tracker({**ANSWERS, "desludging_slum": True,
                                                                               "desludging_correcting": True}), DOMAIN)
    assert "desludging_payment" not in free and "desludging_correction" in free


async def test_change_an_answer_forgets_it_so_the_form_asks_again(backend, dispatcher):
    validate = ValidateDesludgingForm(client=backend)
    change = await validate.validate_desludging_confirmed("2", dispatcher, _said(make_tracker(ANSWERS), "deny"), DOMAIN)
    assert change["desludging_correcting"] is True and change["desludging_confirmed"] is None
    picked = await validate.validate_desludging_correction("୬", dispatcher, make_tracker(ANSWERS), DOMAIN)  # Odia 6: the place
    assert picked["desludging_place"] is None and picked["desludging_correcting"] is False
    wrong = await validate.validate_desludging_correction("12", dispatcher, make_tracker(ANSWERS), DOMAIN)
    assert wrong["desludging_correction"] is None and responses(dispatcher) == ["utter_invalid_desludging_correction"]


async def test_the_summary_reads_every_answer_back_with_the_fee(backend, dispatcher):
    await ActionAskDesludgingConfirmed(client=backend).run(dispatcher, make_tracker(ANSWERS), DOMAIN)
    assert responses(dispatcher) == ["utter_desludging_summary", "utter_desludging_fee", "utter_ask_desludging_confirmed"]
    summary = dispatcher.messages[0]
    assert (summary["landmark_key"], summary["slum_key"], summary["payment_key"], summary["date"]) == (
        "answer.none", "answer.no", "desludging_payment.before", (NOW.date() + timedelta(days=1)).strftime("%d-%m-%Y"))
    assert dispatcher.messages[1]["fee"] == "2,000"


async def test_filing_gives_the_payment_link_once_and_keeps_everything_when_the_backend_is_down(
    backend, backend_down, dispatcher, settings
):
    tracker = make_tracker({**ANSWERS, "desludging_confirmed": True}, events=OPENED, sender=f"whatsapp:{PHONE}")
    assert await ActionSubmitDesludging(client=backend_down).run(dispatcher, tracker, DOMAIN) == [SlotSet("desludging_pending", True)]
    assert responses(dispatcher) == ["utter_desludging_kept_for_retry"]
    retried = make_tracker({**ANSWERS, "desludging_confirmed": True, "desludging_pending": True}, events=OPENED, sender=f"whatsapp:{PHONE}")
    events = await ActionRetryPending(client=backend).run(dispatcher, retried, DOMAIN)
    assert events == [SlotSet("desludging_pending", False)] + [SlotSet(s, None) for s in FILED_SLOTS]
    filed = dispatcher.messages[-1]
    assert filed["response"] == "utter_desludging_filed_pay" and filed["reference"] == "FSM-2026-000001"
    assert filed["payment_url"].startswith("http://testserver/pay/") and filed["upi_link"].startswith("upi://pay?")
    await ActionSubmitDesludging(client=backend).run(dispatcher, retried, DOMAIN)  # Rasa re-ran it: the same filing
    with get_session_factory(settings.database_url)() as session:
        assert len(session.scalars(select(Case)).all()) == 1

    await ActionMakePayment(client=backend).run(dispatcher, make_tracker({}, sender=PHONE), DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_payment_link" and dispatcher.messages[-1]["payment_url"] == filed["payment_url"]
    await ActionMakePayment(client=backend).run(dispatcher, make_tracker({}, sender="+919000000001"), DOMAIN)
    assert responses(dispatcher)[-1] == "utter_nothing_to_pay"


async def test_a_refused_filing_shows_the_summary_again(backend, dispatcher):
    past = {**ANSWERS, "desludging_confirmed": True, "desludging_date": (date(2026, 11, 1)).isoformat()}
    events = await ActionSubmitDesludging(client=backend).run(dispatcher, make_tracker(past, events=OPENED), DOMAIN)
    assert responses(dispatcher) == ["utter_desludging_refused"]
    assert FollowupAction("desludging_form") in events and SlotSet("desludging_confirmed", None) in events


async def test_a_low_rating_asks_why_then_counts(backend, dispatcher, client, auth, turn, staff):
    body = {"applicant_name": "S B", "citizen_phone": PHONE, "property_type": "residential", "sanitation_type": "septic_tank",
            "size_litres": 1000, "trips": 1, "preferred_date": ANSWERS["desludging_date"], "pay_before": False, "pin": "751007",
            "ward": "BMC-W12"}
    reference = client.post("/api/v1/desludging", json=body, headers=turn(body["citizen_phone"])).json()["reference"]
    operator = staff("OP-BMC-01")
    for step in ({"action": "ACCEPT"}, {"action": "DISPOSE", "plant": "BMC-FSTP-BASUAGHAI", "volume_litres": 900}):
        client.post(f"/api/v1/desludging/{reference}/operator", json=step, headers=operator)
    events = await ActionGiveFeedback(backend).run(dispatcher, make_tracker({}, entities={"reference": reference, "rating": "2"}), DOMAIN)
    assert events == [SlotSet("feedback_reference", reference), SlotSet("feedback_rating", "2"), FollowupAction("feedback_comment_form")]
    assert client.get(f"/api/v1/cases/{reference}").json()["state"] == "DISPOSED"
    slots = {"feedback_reference": reference, "feedback_rating": "2", "feedback_comment": "Came late"}
    await ActionSubmitFeedbackComment(backend).run(dispatcher, make_tracker(slots), DOMAIN)
    assert responses(dispatcher) == ["utter_desludging_rated"]
    assert client.get(f"/api/v1/cases/{reference}").json()["state"] == "COMPLETED"


async def test_status_names_the_visit_day_not_the_deadline_and_when_it_finished(backend, dispatcher, client, turn, staff):
    """A request booked for a day: status says that day (the operator's 4-hour deadline to accept
    is the office's, not the visit); with the vehicle on its way, the vehicle and the day; once
    done, where the waste went and when."""
    visit = (NOW.date() + timedelta(days=11)).isoformat()
    body = {"applicant_name": "S B", "citizen_phone": PHONE, "property_type": "residential", "sanitation_type": "septic_tank",
            "size_litres": 1000, "trips": 1, "preferred_date": visit, "pay_before": False, "pin": "751007", "ward": "BMC-W12"}
    reference = client.post("/api/v1/desludging", json=body, headers=turn(PHONE)).json()["reference"]
    told = []
    for step in (None, {"action": "ACCEPT"}, {"action": "DISPOSE", "plant": "BMC-FSTP-BASUAGHAI", "volume_litres": 900}):
        if step:
            client.post(f"/api/v1/desludging/{reference}/operator", json=step, headers=staff("OP-BMC-01"))
        dispatcher.messages.clear()
        await ActionCheckStatus(client=backend).run(dispatcher, make_tracker({"reference": reference}, sender=PHONE), DOMAIN)
        told.append(dispatcher.messages[0])
    assert [m["response"] for m in told] == [
        "utter_case_status_visit", "utter_desludging_status_vehicle", "utter_desludging_status_disposed"]
    assert told[0]["visit_day"] == told[1]["visit_day"] == "04-12-2026" and "due" not in told[0]
    assert told[1]["visit_note_key"] == "case_visit.asked"
    assert told[2]["disposed_on"] == "23-11-2026"  # done: where the waste went and on which day


async def test_a_location_pin_answers_where_the_tank_is(backend, dispatcher):
    validate = ValidateDesludgingForm(client=backend)
    tracker = make_tracker({"language": "or"}, sender=PHONE)
    tracker.latest_message["metadata"] = {"location": {"latitude": 20.2961, "longitude": 85.8450}}
    place = await validate.validate_desludging_place("", dispatcher, tracker, DOMAIN)
    assert place["desludging_place"]["ward"] == "BMC-W29" and place["desludging_place_label"] == "ୱାର୍ଡ 29, ଭୁବନେଶ୍ୱର"
    tracker.latest_message["metadata"] = {"location": {"latitude": 19.07, "longitude": 72.88}}
    assert await validate.validate_desludging_place("", dispatcher, tracker, DOMAIN) == {
        "desludging_place": None, "validation_failures": 1}
    assert responses(dispatcher) == ["utter_pin_outside_wards"]

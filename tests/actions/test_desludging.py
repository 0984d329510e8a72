"""Desludging on every service's form (catalog/desludging.yml, actions/service_form.py) with a
dispatcher and tracker against the real backend and database: the questions, the fee the tariff
sets, the summary, filing, a backend that is down, paying, rating and status."""

from datetime import timedelta

from rasa_sdk.events import FollowupAction, SlotSet
from sqlalchemy import select

from actions.service_form import (
    CLEARED, ActionAskServiceAnswer, ActionAskServiceConfirmed, ActionSubmitService, ValidateServiceForm,
)
from actions.feedback import ActionGiveFeedback, ActionSubmitFeedbackComment
from actions.payment import ActionMakePayment
from actions.retry import ActionRetryPending
from actions.status import ActionCheckStatus
from backend.db import get_session_factory
from backend.models import Case
from tests.actions.conftest import DOMAIN, applied, make_tracker, responses
from tests.conftest import NOW

PHONE = "+919812345678"
FORM = ["service_code", "service_citizen_phone", "service_answer", "service_document", "service_tatkal",
        "service_confirmed"]
# The citizen's words per question, as the form keeps them
WORDS = {"_service": "desludging", "name": "Sabitri Behera", "property_type": "1", "sanitation_type": "septic tank",
         "size": "2000", "trips": "2", "place": "ward 12", "landmark": "none", "pin": "751007", "slum": "2",
         "date": "tomorrow", "payment": "1"}
OPENED = [{"event": "active_loop", "name": "service_form", "timestamp": 1763890000.0}]


async def _slots(backend, answers: dict | None = None, **more) -> dict:  # noqa: ANN001
    """The form's slots once the service is chosen, with these answers (every one by default) and their labels."""
    service = (await backend.service_definition("desludging")).value
    answers = WORDS if answers is None else answers
    labels = {k: "…" for k in answers if not k.startswith("_")}
    return {"service_code": "desludging", "service_definition": service, "service_answers": answers,
            "service_labels": labels, "service_documents": {}, **more}


async def test_the_request_is_chosen_by_its_intent_and_answers_are_read_by_the_catalogs_engine(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    chosen = await validate.validate_service_code("desludging", dispatcher, make_tracker({}, sender=PHONE), DOMAIN)
    assert chosen["service_code"] == "desludging" and chosen["service_definition"]["number"] is None
    asked = await _slots(backend, {"_service": "desludging", "name": "Sabitri Behera"})
    answered = await validate.validate_service_answer("2", dispatcher, make_tracker(asked, sender=PHONE), DOMAIN)
    assert answered["service_answers"]["property_type"] == "2" and answered["service_labels"]["property_type"] == "shop or business"
    # a wrong answer hears the field's own words, with the bounds it was out of
    upto_trips = await _slots(backend, {k: WORDS[k] for k in ("_service", "name", "property_type", "sanitation_type", "size")})
    refused = await validate.validate_service_answer("12", dispatcher, make_tracker(upto_trips), DOMAIN)
    assert refused == {"service_answer": None, "validation_failures": 1}
    assert dispatcher.messages[-1]["response"] == "utter_invalid_desludging_trips"
    upto_place = await _slots(backend, {k: WORDS[k] for k in ("_service", "name", "property_type", "sanitation_type", "size", "trips")})
    place = await validate.validate_service_answer("ସରକଣା", dispatcher, make_tracker({**upto_place, "language": "or"}), DOMAIN)
    assert "ସରକଣା" in place["service_labels"]["place"]


async def test_a_day_is_kept_as_the_day_meant_and_a_refusal_that_is_no_answer_s_ends_the_form(backend, dispatcher):
    """ "tomorrow" confirmed before midnight is filed for that day, not the one after; a filing refused
    for another reason than an answer (an agent's citizen who gave no consent) is not shown again."""
    validate = ValidateServiceForm(client=backend)
    before_date = {k: v for k, v in WORDS.items() if k not in ("date", "payment")}
    dated = await validate.validate_service_answer("tomorrow", dispatcher, make_tracker(await _slots(backend, before_date)), DOMAIN)
    assert dated["service_answers"]["date"] == (NOW.date() + timedelta(days=1)).isoformat()
    assert dated["service_labels"]["date"] == (NOW.date() + timedelta(days=1)).strftime("%d-%m-%Y")
    agent = await _slots(backend, doorstep_agent="Pramila Sahoo", service_citizen_phone="+919812377409",
                         service_confirmed=True)
    events = await ActionSubmitService(client=backend).run(dispatcher, make_tracker(agent, events=OPENED, sender=PHONE), DOMAIN)
    assert responses(dispatcher)[-1] == "utter_certificate_refused"
    assert events == [SlotSet("service_pending", None)] + [SlotSet(s, None) for s in CLEARED]


async def test_what_was_accepted_is_accepted_again_as_the_form_comes_back_to_its_summary(backend, dispatcher, settings):
    """After a refused answer the form is opened again, and Rasa checks every slot it already holds:
    the lane and an agent's citizen and consent stay as they were, and no new code is sent."""
    validate = ValidateServiceForm(client=backend)
    assert await validate.validate_service_tatkal(True, dispatcher, make_tracker({}), DOMAIN) == {"service_tatkal": True}
    consented = make_tracker({"service_citizen_phone": "+919812377401", "service_consent": "confirmed"}, sender=PHONE)
    assert await validate.validate_service_citizen_phone("+919812377401", dispatcher, consented, DOMAIN) == {
        "service_citizen_phone": "+919812377401"}
    assert await validate.validate_service_consent("confirmed", dispatcher, consented, DOMAIN) == {"service_consent": "confirmed"}
    assert dispatcher.messages == []
    with get_session_factory(settings.database_url)() as session:
        assert session.scalars(select(Case)).all() == []


async def test_a_backend_that_is_down_is_not_the_citizens_failure(backend, backend_down, dispatcher):
    slots = await _slots(backend, {"_service": "desludging", "name": "Sabitri Behera"}, validation_failures=2)
    result = await ValidateServiceForm(client=backend_down).validate_service_answer("1", dispatcher, make_tracker(slots), DOMAIN)
    assert result == {"service_answer": None}
    assert responses(dispatcher) == ["utter_service_unavailable"]


async def test_slum_is_yes_or_no_by_its_number_or_words_never_a_guessed_intent(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    before_slum = {k: v for k, v in WORDS.items() if k not in ("slum", "date", "payment")}
    slots = await _slots(backend, before_slum)

    async def slum(said: str, guessed: str = "inform") -> str | None:
        tracker = make_tracker(slots)
        tracker.latest_message["intent"] = {"name": guessed}
        answered = await validate.validate_service_answer(said, dispatcher, tracker, DOMAIN)
        return answered["service_labels"]["slum"] if answered.get("service_labels") else None

    assert (await slum("1"), await slum("2"), await slum("haan ji"), await slum("ନାହିଁ")) == ("yes", "no", "yes", "no")
    # "yesterday" or "yellow" heard as yes is no answer (nor a free service)
    for said, guessed in (("yesterday", "affirm"), ("yellow", "affirm"), ("maybe", "deny"), ("yes no", "affirm")):
        assert await slum(said, guessed) is None, said


async def test_the_summary_reads_every_answer_back_with_the_fee(backend, dispatcher):
    labels = {"name": "Sabitri Behera", "property_type": "house", "size": "2,000 litres", "trips": "2", "slum": "no",
              "payment": "pay now online"}
    slots = await _slots(backend, {**WORDS, "_fee": 2000}, service_labels=labels)
    await ActionAskServiceConfirmed(client=backend).run(dispatcher, make_tracker(slots), DOMAIN)
    assert responses(dispatcher) == ["utter_desludging_summary", "utter_desludging_fee", "utter_ask_desludging_confirmed"]
    assert dispatcher.messages[0]["answers"].splitlines() == [
        "Name: Sabitri Behera", "Property: house", "Size: 2,000 litres", "Trips: 2", "Slum household: no",
        "Payment: pay now online"]
    assert dispatcher.messages[1]["fee"] == "2,000"
    dispatcher.messages.clear()
    # made free by a correction after how to pay was answered: that answer is no longer one
    free = await _slots(backend, {**WORDS, "slum": "1", "_fee": 0}, service_labels={**labels, "slum": "yes"})
    await ActionAskServiceConfirmed(client=backend).run(dispatcher, make_tracker(free), DOMAIN)
    assert responses(dispatcher)[1] == "utter_desludging_fee_free"
    assert "Payment" not in dispatcher.messages[0]["answers"] and "Slum household: yes" in dispatcher.messages[0]["answers"]
    filed = await ActionSubmitService(client=backend).run(
        dispatcher, make_tracker({**free, "service_confirmed": True}, events=OPENED, sender=PHONE), DOMAIN)
    assert responses(dispatcher)[-1] == "utter_desludging_filed" and SlotSet("service_pending", None) in filed


async def test_filing_gives_the_payment_link_once_and_keeps_everything_when_the_backend_is_down(
    backend, backend_down, dispatcher, settings
):
    slots = await _slots(backend, service_confirmed=True)
    tracker = make_tracker(slots, events=OPENED, sender=f"whatsapp:{PHONE}")
    kept = applied(slots, await ActionSubmitService(client=backend_down).run(dispatcher, tracker, DOMAIN))
    assert responses(dispatcher) == ["utter_desludging_kept_for_retry"]
    assert [k["slots"]["service_answers"] for k in kept["service_pending"]] == [slots["service_answers"]]
    retried = make_tracker(kept, events=OPENED, sender=f"whatsapp:{PHONE}")
    events = await ActionRetryPending(client=backend).run(dispatcher, retried, DOMAIN)
    assert events[-len(CLEARED) - 2:] == [SlotSet("service_pending", None), *[SlotSet(s, None) for s in CLEARED],
                                          SlotSet("validation_failures", 0)]
    filed = dispatcher.messages[-1]
    assert filed["response"] == "utter_desludging_filed_pay" and filed["reference"] == "FSM-2026-000001"
    assert filed["payment_url"].startswith("http://testserver/pay/") and filed["upi_link"].startswith("upi://pay?")
    assert filed["fee"] == "2,000" and filed["expires"]
    await ActionSubmitService(client=backend).run(dispatcher, retried, DOMAIN)  # Rasa re-ran it: the same filing
    with get_session_factory(settings.database_url)() as session:
        [case] = session.scalars(select(Case)).all()
        assert (case.details["trips"], case.details["pay_before"], case.details["landmark"]) == (2, True, "")

    await ActionMakePayment(client=backend).run(dispatcher, make_tracker({}, sender=PHONE), DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_payment_link" and dispatcher.messages[-1]["payment_url"] == filed["payment_url"]
    await ActionMakePayment(client=backend).run(dispatcher, make_tracker({}, sender="+919000000001"), DOMAIN)
    assert responses(dispatcher)[-1] == "utter_nothing_to_pay"


async def test_a_refused_filing_shows_the_summary_again_with_every_answer_kept(backend, dispatcher):
    past = await _slots(backend, {**WORDS, "date": "1 Nov"}, service_confirmed=True)
    events = await ActionSubmitService(client=backend).run(dispatcher, make_tracker(past, events=OPENED), DOMAIN)
    assert responses(dispatcher) == ["utter_desludging_refused"]  # the answer refused (utter_certificate_answer_refused)
    assert FollowupAction("service_form") in events and SlotSet("service_confirmed", None) in events
    assert not any(e.get("name") == "service_answers" for e in events)


def _filed(client, turn, **changes) -> str:  # noqa: ANN001
    """A request paid on the visit, filed (as every service is) from the citizen's words: its reference."""
    answers = {"name": "S B", "property_type": "residential", "sanitation_type": "septic tank", "size": "1000", "trips": "1",
               "place": "ward 12", "landmark": "none", "pin": "751007", "slum": "no", "payment": "later", **changes}
    filed = client.post("/api/v1/certificates", json={"certificate_type": "desludging", "answers": answers, "citizen_phone": PHONE},
                        headers=turn(PHONE))
    assert filed.status_code == 201, filed.text
    return filed.json()["reference"]


async def test_a_low_rating_asks_why_then_counts(backend, dispatcher, client, auth, turn, staff):
    reference = _filed(client, turn, date="tomorrow")
    operator = staff("OP-BMC-01")
    for step in ({"action": "ACCEPT"}, {"action": "DISPOSE", "plant": "BMC-FSTP-BASUAGHAI", "volume_litres": 900}):
        assert client.post(f"/api/v1/cases/{reference}/actions", json=step, headers=operator).status_code == 200
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
    reference = _filed(client, turn, date="4 Dec")  # eleven days ahead
    told = []
    for step in (None, {"action": "ACCEPT"}, {"action": "DISPOSE", "plant": "BMC-FSTP-BASUAGHAI", "volume_litres": 900}):
        if step:
            assert client.post(f"/api/v1/cases/{reference}/actions", json=step, headers=staff("OP-BMC-01")).status_code == 200
        dispatcher.messages.clear()
        await ActionCheckStatus(client=backend).run(dispatcher, make_tracker({"reference": reference}, sender=PHONE), DOMAIN)
        told.append(dispatcher.messages[0])
    assert [m["response"] for m in told] == [
        "utter_case_status_visit", "utter_desludging_status_vehicle", "utter_desludging_status_disposed"]
    assert told[0]["visit_day"] == told[1]["visit_day"] == "04-12-2026" and "due" not in told[0]
    assert told[1]["visit_note_key"] == "case_visit.asked"
    assert told[2]["disposed_on"] == "23-11-2026"  # done: where the waste went and on which day


async def test_a_location_pin_answers_where_the_tank_is(backend, dispatcher):
    validate = ValidateServiceForm(client=backend)
    before_place = {k: WORDS[k] for k in ("_service", "name", "property_type", "sanitation_type", "size", "trips")}
    tracker = make_tracker({**await _slots(backend, before_place), "language": "or"}, sender=PHONE)
    tracker.latest_message["metadata"] = {"location": {"latitude": 20.2961, "longitude": 85.8450}}
    place = await validate.validate_service_answer("", dispatcher, tracker, DOMAIN)
    assert place["service_answers"]["place"].startswith("geo:") and place["service_labels"]["place"] == "ୱାର୍ଡ 29, ଭୁବନେଶ୍ୱର"
    tracker.latest_message["metadata"] = {"location": {"latitude": 19.07, "longitude": 72.88}}
    assert await validate.validate_service_answer("", dispatcher, tracker, DOMAIN) == {
        "service_answer": None, "validation_failures": 1}
    assert responses(dispatcher) == ["utter_pin_outside_wards"]



async def test_made_free_then_paid_again_how_to_pay_is_asked_again(backend, dispatcher):
    """A correction to "slum: yes" makes it free and drops how to pay; back to "no", it is asked
    again, never the earlier choice restored in silence (the play-tester's Puri shop)."""
    validate = ValidateServiceForm(client=backend)
    at_summary = await _slots(backend, {**WORDS, "_fee": 2000})
    free = await validate.take("slum", "yes", make_tracker(at_summary))
    assert free["service_answers"]["_fee"] == 0 and "payment" not in free["service_answers"]
    assert "payment" not in free["service_labels"]
    paid = await validate.take("slum", "no", make_tracker({**at_summary, **free}))
    assert paid["service_answers"]["_fee"] == 2000 and "payment" not in paid["service_answers"]
    again = make_tracker({**at_summary, **paid, "requested_slot": "service_answer"})
    assert "service_answer" in await validate.required_slots(FORM, dispatcher, again, DOMAIN)
    await ActionAskServiceAnswer(client=backend).run(dispatcher, again, DOMAIN)
    assert responses(dispatcher)[-1] == "utter_ask_desludging_payment"


async def test_a_citizen_who_changed_language_reads_every_answer_in_the_new_one(backend, dispatcher):
    """Answers given in English, the summary asked after "hindi me baat karo": one call words them
    again in Hindi (the play-tester read "संपत्ति: house")."""
    validate = ValidateServiceForm(client=backend)
    before_slum = {k: v for k, v in WORDS.items() if k not in ("slum", "date", "payment")}
    labels = {k: "…" for k in before_slum if not k.startswith("_")} | {"_language": "en"}
    english = await validate.validate_service_answer("2", dispatcher, make_tracker(await _slots(backend, before_slum,
                                                         service_labels=labels)), DOMAIN)
    assert english["service_labels"]["_language"] == "en"
    hindi = await validate.validate_service_answer("कल", dispatcher, make_tracker({
        **await _slots(backend, english["service_answers"], service_labels=english["service_labels"]),
        "language": "hi"}), DOMAIN)
    assert hindi["service_labels"]["_language"] == "mixed"
    at_summary = await _slots(backend, {**hindi["service_answers"], "payment": "1"},
                              service_labels={**hindi["service_labels"], "payment": "pay now online"}, language="hi")
    events = await ActionAskServiceConfirmed(client=backend).run(dispatcher, make_tracker(at_summary), DOMAIN)
    summary = next(m for m in dispatcher.messages if m["response"] == "utter_desludging_summary")["answers"]
    assert "संपत्ति: घर" in summary and "भुगतान: अभी ऑनलाइन भुगतान" in summary and "house" not in summary, summary
    assert events == [SlotSet("service_labels", {**events[0]["value"], "_language": "hi"})]


async def test_a_number_off_the_list_of_answers_gets_the_list_again_not_the_summary(backend, dispatcher):
    """ "11" after "which answer would you like to change?" (ten offered): the list again (the play-tester got the summary)."""
    validate = ValidateServiceForm(client=backend)
    asked = [{"event": "user", "text": "3"}, {"event": "bot", "metadata": {"utter_action": "utter_form_correct_which"}},
             {"event": "user", "text": "11"}]
    slots = await _slots(backend, {**WORDS, "_fee": 2000})
    listed = await validate.validate_service_confirmed("11", dispatcher, make_tracker(slots, events=asked), DOMAIN)
    assert listed == {"service_confirmed": None} and responses(dispatcher) == ["utter_form_correct_which"]
    assert len(dispatcher.messages[0]["fields"].splitlines()) == 11
    dispatcher.messages.clear()
    at_summary = [{"event": "user", "text": "1"}, {"event": "bot", "metadata": {"utter_action": "utter_ask_desludging_confirmed"}},
                  {"event": "user", "text": "11"}]
    refused = await validate.validate_service_confirmed("11", dispatcher, make_tracker(slots, events=at_summary), DOMAIN)
    assert refused["service_confirmed"] is None and responses(dispatcher) == ["utter_invalid_desludging_confirmed"]

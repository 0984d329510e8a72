"""Status, cancel and not-understood actions with a dispatcher and tracker."""
from rasa_sdk.events import ActiveLoop, SlotSet

from actions.cancel import ActionCancelForm
from actions.fallback import ActionNotUnderstood
from actions.status import ActionCheckStatus, ValidateStatusForm
from tests.actions.conftest import DOMAIN, make_tracker, responses
from tests.conftest import complaint_body


async def test_status_of_a_filed_case(client, turn, backend, dispatcher):
    body = {"category": "roads", "description": "Pothole on the main road", "ward": "BMC-W03",
            "citizen_phone": "+919800000001"}
    reference = client.post("/api/v1/certificates", json=complaint_body(**body), headers=turn(body["citizen_phone"])).json()["reference"]
    events = await ActionCheckStatus(client=backend).run(dispatcher, make_tracker({"reference": reference.lower()}), DOMAIN)
    assert events == [SlotSet("reference", None)]
    assert responses(dispatcher) == ["utter_case_status"]
    message = dispatcher.messages[0]
    assert (message["reference"], message["state_key"], message["holder_key"], message["due"]) == (
        reference, "case_state.grievance.PENDING_AT_OFFICIAL", "case_holder.official", "28-11-2026")  # routed on filing; roads: the category's 120 h


async def test_a_step_that_is_the_citizens_own_gives_them_the_date(client, turn, backend, dispatcher):
    """A licence waiting for its fee: the date is the citizen's to pay by, not the office's promise."""
    body = {"certificate_type": "trade_licence", "citizen_phone": "+919800000002", "language": "en", "channel": "twilio_sms",
            "answers": {"applicant_name": "Lipika Das", "business_name": "Das Tiffin", "trade": "2", "place": "ward 12",
                        "premises_area": "180"}}  # fmt: skip
    reference = client.post("/api/v1/certificates", json=body, headers=turn(body["citizen_phone"])).json()["reference"]
    await ActionCheckStatus(client=backend).run(dispatcher, make_tracker({"reference": reference}), DOMAIN)
    assert responses(dispatcher) == ["utter_case_status_waits_for_you"]
    message = dispatcher.messages[0]
    assert (message["state_key"], message["holder_key"]) == ("case_state.certificate.PENDING_PAYMENT", "case_holder.citizen")


async def test_unknown_reference(backend, dispatcher):
    await ActionCheckStatus(client=backend).run(dispatcher, make_tracker({"reference": "GRV-2026-424242"}), DOMAIN)
    assert responses(dispatcher) == ["utter_unknown_reference"]
    assert dispatcher.messages[0]["reference"] == "GRV-2026-424242"


async def test_status_with_backend_down(backend_down, dispatcher):
    await ActionCheckStatus(client=backend_down).run(dispatcher, make_tracker({"reference": "GRV-2026-000001"}), DOMAIN)
    assert responses(dispatcher) == ["utter_service_unavailable"]


async def test_reference_validation(dispatcher):
    validate = ValidateStatusForm()
    tracker = make_tracker({})
    assert (await validate.validate_reference("x" * 10_000, dispatcher, tracker, DOMAIN))["reference"] is None
    assert (await validate.validate_reference("hello", dispatcher, tracker, DOMAIN))["reference"] is None
    assert (await validate.validate_reference(" GRV-2026-000001 ", dispatcher, tracker, DOMAIN))["reference"] == "GRV-2026-000001"
    assert responses(dispatcher) == ["utter_invalid_reference", "utter_invalid_reference"]


async def test_cancel_clears_the_open_form(dispatcher):
    answers = {"_service": "grievance", "problem": "garbage"}
    tracker = make_tracker({"service_answers": answers, "service_pending": True}, text="cancel", active_loop="service_form")
    tracker.latest_message["intent"] = {"name": "cancel", "confidence": 0.99}
    events = await ActionCancelForm().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_cancelled"]
    assert ActiveLoop(None) in events
    assert SlotSet("service_answers", None) in events and SlotSet("service_code", None) in events
    assert SlotSet("service_pending", None) not in events  # a filing kept for a retry is not the form's to drop


async def test_not_understood_says_why(dispatcher):
    action = ActionNotUnderstood()
    for text in ("", "   ", "y" * 10_000, "blorp"):
        await action.run(dispatcher, make_tracker({}, text=text), DOMAIN)
    assert responses(dispatcher) == ["utter_empty_message", "utter_empty_message", "utter_message_too_long",
                                     "utter_not_understood"]


async def test_goodbye_only_when_the_words_surely_are_one(dispatcher):
    from actions.fallback import ActionGoodbye

    for text, confidence, said in (("bye, thank you", 0.97, "utter_goodbye"), ("asdkjh qwe zzzz", 0.27, "utter_not_understood")):
        tracker = make_tracker({}, text=text)
        tracker.latest_message["intent"] = {"name": "goodbye", "confidence": confidence}
        await ActionGoodbye().run(dispatcher, tracker, DOMAIN)
        assert responses(dispatcher)[-1] == said


async def test_a_half_heard_cancel_never_throws_the_answers_away(dispatcher):
    """"purple elephant banana" is cancel at 0.30: not understood, and the form asks its question again."""
    from rasa_sdk.events import FollowupAction

    tracker = make_tracker({"service_answers": {"problem": "garbage"}}, text="purple elephant banana", active_loop="service_form")
    tracker.latest_message["intent"] = {"name": "cancel", "confidence": 0.30}
    assert await ActionCancelForm().run(dispatcher, tracker, DOMAIN) == [FollowupAction("service_form")]
    tracker = make_tracker({}, text="cancel")
    tracker.latest_message["intent"] = {"name": "cancel", "confidence": 0.99}
    assert await ActionCancelForm().run(dispatcher, tracker, DOMAIN) == []
    assert responses(dispatcher) == ["utter_not_understood", "utter_nothing_to_cancel"]

"""action_opt_out against the real backend: only a "yes" to the opt-out question opts the number out
and queues the confirmation; anything else asks the question and opts nobody out."""
import pytest
from sqlalchemy import select

from actions.opt_out import ActionOptOut
from backend.db import get_session_factory
from backend.models import Citizen, OutboxMessage
from tests.actions.conftest import DOMAIN, make_tracker, responses

PHONE = "+919812345678"


def turn(action: str, text: str, intent: str) -> list[dict]:
    """The events of one turn: the bot's action, then the citizen's answer."""
    return [
        {"event": "action", "name": action},
        {"event": "bot", "text": "..."},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "input_channel": "twilio_whatsapp", "parse_data": {"intent": {"name": intent}}},
    ]


def answered(events: list[dict], language: str = "en"):
    text, intent = events[-1]["text"], events[-1]["parse_data"]["intent"]["name"]
    tracker = make_tracker({"language": language}, text=text, events=events, sender=f"whatsapp:{PHONE}")
    tracker.latest_message["intent"] = {"name": intent}
    return tracker


def opted_out(settings) -> bool:
    with get_session_factory(settings.database_url)() as session:
        citizen = session.get(Citizen, PHONE)
        return bool(citizen and citizen.opted_out_at)


async def test_yes_to_the_question_opts_out_and_queues_the_confirmation(backend, dispatcher, settings):
    events = turn("action_listen", "mujhe message mat bhejo", "opt_out") + turn("utter_confirm_opt_out", "1", "affirm")
    assert await ActionOptOut(backend).run(dispatcher, answered(events, "hi"), DOMAIN) == []
    assert dispatcher.messages == []  # the confirmation comes through the outbox, not as a reply
    assert opted_out(settings)
    with get_session_factory(settings.database_url)() as session:
        message = session.scalar(select(OutboxMessage))
        assert (message.channel, message.kind, message.language, message.locale_key) == ("whatsapp", "opt_out_confirmation", "hi", "utter_opted_out")


@pytest.mark.parametrize(("events", "why"), [
    (turn("action_listen", "stop sending me messages", "opt_out"), "opt-out words, not yet asked"),
    (turn("utter_ask_desludging_landmark", "behind the bus stop", "opt_out"), "a form answer"),
    (turn("utter_confirm_grievance_category", "yes", "affirm"), "a yes to another question"),
    (turn("utter_confirm_opt_out", "no", "deny") + turn("utter_opt_out_declined", "yes", "affirm"), "a yes after saying no"),
    (turn("utter_confirm_opt_out", "hello", "greet"), "not a yes"),
], ids=lambda v: v if isinstance(v, str) else None)
async def test_nothing_but_yes_to_the_question_opts_out(backend, dispatcher, settings, events, why):
    assert await ActionOptOut(backend).run(dispatcher, answered(events), DOMAIN) == []
    assert responses(dispatcher) == ["utter_confirm_opt_out"]
    assert not opted_out(settings)


async def test_backend_down_says_so(backend_down, dispatcher):
    events = turn("utter_confirm_opt_out", "yes", "affirm")
    await ActionOptOut(backend_down).run(dispatcher, answered(events), DOMAIN)
    assert responses(dispatcher) == ["utter_service_unavailable"]

"""action_opt_out against the real backend: the number is opted out and the confirmation queued."""
from sqlalchemy import select

from actions.opt_out import ActionOptOut
from backend.db import get_session_factory
from backend.models import Citizen, OutboxMessage
from tests.actions.conftest import DOMAIN, make_tracker


async def test_opt_out_in_words_records_it_and_queues_the_confirmation(backend, dispatcher, settings):
    tracker = make_tracker({"language": "hi"}, text="mujhe message mat bhejo", sender="whatsapp:+919812345678")
    tracker.events.append({"event": "user", "input_channel": "twilio_whatsapp", "text": "mujhe message mat bhejo"})
    assert await ActionOptOut(backend).run(dispatcher, tracker, DOMAIN) == []
    assert dispatcher.messages == []  # the confirmation comes through the outbox, not as a reply
    with get_session_factory(settings.database_url)() as session:
        assert session.get(Citizen, "+919812345678").opted_out_at is not None
        message = session.scalar(select(OutboxMessage))
        assert (message.channel, message.kind, message.language, message.locale_key) == ("whatsapp", "opt_out_confirmation", "hi", "utter_opted_out")


async def test_backend_down_says_so(backend_down, dispatcher):
    await ActionOptOut(backend_down).run(dispatcher, make_tracker({}, text="stop messages"), DOMAIN)
    assert dispatcher.messages[0]["response"] == "utter_service_unavailable"

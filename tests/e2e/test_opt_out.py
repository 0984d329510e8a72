"""No one stopped by accident (issue 13): over WhatsApp and SMS, through the phone simulator's code
against the running stack. Opting out in words is asked back with numbered options; a form answer
the NLU could take for opt_out stays the answer; the exact STOP keyword still stops at once."""
from sqlalchemy import select

import locales
from backend.db import get_session_factory
from backend.models import Citizen
from tests.e2e.conftest import REFERENCE


def words(key: str, channel: str = "twilio_whatsapp") -> str:
    return locales.render(key, "en", channel)["text"]


def opted_out(stack, number: str) -> bool:
    with get_session_factory(stack.config.effective_database_url)() as session:
        citizen = session.scalar(select(Citizen).where(Citizen.phone == number))
        return bool(citizen and citizen.opted_out_at)


def test_a_description_with_stopped_in_it_is_the_description(stack, twilio):
    number = "+919437100031"
    phone = twilio.text("whatsapp", number)
    assert phone.say("hello")
    assert phone.say("1")  # file a complaint
    assert phone.say("4") == [words("utter_ask_grievance_description")]
    assert phone.say("Water stopped coming since Monday") == [words("utter_ask_grievance_ward")]
    # An answer, checked as one: not a ward, so the question is asked again.
    assert phone.say("please stop sending me messages") == [words("utter_invalid_grievance_ward"), words("utter_ask_grievance_ward")]
    filed = phone.say("ward 12")
    assert REFERENCE.search(filed[0]), filed
    assert not opted_out(stack, number)


def test_opt_out_in_words_is_asked_back_and_only_a_yes_stops(stack, twilio):
    number = "+919437100032"
    phone = twilio.text("sms", number)
    asked = phone.say("please stop sending me messages")
    assert words("utter_confirm_opt_out", "twilio_sms") in asked[0] and "\n1. Yes" in asked[0] and "\n2. No" in asked[0]
    assert phone.say("2") == [words("utter_opt_out_declined", "twilio_sms")]
    assert not opted_out(stack, number)
    assert phone.say("Water stopped coming since Monday")  # a first message about a stopped service: no question
    assert not opted_out(stack, number)
    phone.say("cancel")
    assert words("utter_confirm_opt_out", "twilio_sms") in phone.say("please stop sending me messages")[0]
    assert phone.say("1") == [words("utter_opted_out", "twilio_sms")]
    assert opted_out(stack, number)
    phone.send("hello")
    assert phone.wait_for_replies(timeout=4) == []


def test_the_stop_keyword_still_stops_at_once(stack, twilio):
    number = "+919437100033"
    phone = twilio.text("whatsapp", number)
    assert phone.say("STOP") == [words("utter_opted_out")]
    assert opted_out(stack, number)

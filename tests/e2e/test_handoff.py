"""A person when asked, through the running bot (Twilio's webhooks, a trained model): "talk to a
human" in the middle of a form ends it and opens a conversation with the office; what the citizen
writes then reaches the staff and not the bot; a person's reply reaches the citizen's phone; closing
it hands the citizen back to the bot. On a call, the reply is promised by SMS."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.db import get_session_factory
from backend.models import Case
from tests.e2e.conftest import act
from tests.e2e.test_voice import _words


def _conversation(stack, phone_number: str) -> Case:  # noqa: ANN001
    with get_session_factory(stack.config.effective_database_url)() as session:
        found = session.scalars(
            select(Case).where(Case.citizen_phone == phone_number, Case.reference.like("HLP-%"))
            .order_by(Case.id.desc()).options(selectinload(Case.history))
        ).first()
        assert found is not None
        session.expunge(found)
        return found


def test_asked_mid_form_a_person_answers_on_whatsapp_and_hands_back(stack, twilio):  # noqa: ANN001
    phone = twilio.text("whatsapp", "+919437700101")
    asked = phone.say("mujhe shikayat karni hai")
    assert asked, asked
    opened = phone.say("kisi insaan se baat karao")
    said = "\n".join(opened)
    assert "HLP-2026-" in said and "दफ़्तर के एक कर्मचारी" in said, opened  # Hindi, as the citizen writes it
    conversation = _conversation(stack, "+919437700101")
    assert conversation.state == "WAITING" and conversation.assignee_id == "BMC-NODAL"  # no case yet: the town's nodal officer
    assert conversation.details["during"] == "grievance"

    # What they write now goes to the person: the bot says nothing, the form is not resumed.
    assert phone.say("mere gali mein 3 din se kachra pada hai, koi nahi aaya", at_least=0, timeout=4) == []
    assert _conversation(stack, "+919437700101").history[-1].reason == "mere gali mein 3 din se kachra pada hai, koi nahi aaya"

    act(stack, conversation.reference, "REPLY", reason="Aaj shaam tak safai ho jayegi. Aapka ward number kya hai?")
    reply = phone.wait_for_replies(at_least=1)
    assert conversation.reference in reply[0] and "Aaj shaam tak safai ho jayegi" in reply[0], reply
    assert phone.say("ward 12", at_least=0, timeout=4) == []  # the answer goes to the person, not to a form
    assert _conversation(stack, "+919437700101").state == "WAITING"

    act(stack, conversation.reference, "CLOSE")
    closed = phone.wait_for_replies(at_least=1)
    assert conversation.reference in closed[0] and "साथी" in closed[0], closed
    back = phone.say("namaste")  # back with the bot
    assert back and "HLP" not in "\n".join(back), back
    assert _conversation(stack, "+919437700101").state == "CLOSED"


def test_outside_a_form_it_is_asked_back_and_menu_brings_the_citizen_back(stack, twilio):  # noqa: ANN001
    phone = twilio.text("sms", "+919437700103")
    asked = phone.say("I want to talk to a human")
    assert "talk to a person from the office?" in "\n".join(asked), asked
    opened = phone.say("1")  # yes
    assert "HLP-2026-" in "\n".join(opened) and "MENU" in "\n".join(opened), opened
    assert phone.say("Is anyone there? My septic tank is overflowing", at_least=0, timeout=4) == []
    back = phone.say("MENU")  # back to the assistant, whatever the office does
    assert back and "HLP" not in "\n".join(back), back
    conversation = _conversation(stack, "+919437700103")
    assert (conversation.state, conversation.history[-1].action) == ("CLOSED", "LEAVE")
    declined = twilio.text("sms", "+919437700104")
    declined.say("talk to a human")
    assert declined.say("2")  # no: the bot goes on, nothing opened
    with get_session_factory(stack.config.effective_database_url)() as session:
        assert session.scalars(select(Case).where(Case.citizen_phone == "+919437700104")).all() == []


def test_asked_on_a_call_the_reply_is_promised_by_sms(stack, twilio):  # noqa: ANN001
    call = twilio.voice("+919437700102")
    call.dial()
    call.press("2")  # Hindi
    asked = " ".join(call.speak("मुझे किसी इंसान से बात करनी है").spoken)
    assert _words("utter_confirm_handoff", "hi") in asked, asked  # asked back: 1 yes, 2 no
    said = " ".join(call.press("1").spoken)
    assert _words("utter_handoff_opened", "hi") in said and "H L P" in said, said  # the number spelled out
    conversation = _conversation(stack, "+919437700102")
    assert conversation.channel == "twilio_voice"
    act(stack, conversation.reference, "REPLY", reason="Hum aapko kal phone karenge")
    sms = twilio.text("sms", "+919437700102").wait_for_replies(at_least=1)
    assert "Hum aapko kal phone karenge" in sms[0] and conversation.reference in sms[0], sms

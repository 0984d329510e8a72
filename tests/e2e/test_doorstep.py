"""A Panchayat Swayam Sewak files a septic tank request for a citizen at the doorstep, through the
running bot: the citizen's mobile first, a code to it that the citizen reads out (a wrong one is
refused), then the request's own questions; the request is the citizen's, filed by the agent, and
the citizen hears of it by SMS."""

from sqlalchemy import select

from backend.db import get_session_factory
from backend.models import CaseHistory
from tests.e2e.conftest import REFERENCE, case_in_database, consent_code


def test_an_agent_files_a_septic_tank_request_with_the_citizen_s_consent_code(stack, twilio):  # noqa: ANN001
    agent = twilio.text("whatsapp", "+919437400002")  # Ashok Jena, Panchayat Swayam Sewak of Benupur
    citizen = twilio.text("sms", "+919437700301")
    citizen.inbox()
    asked = agent.say("my septic tank is full")
    assert "Panchayat Swayam Sewak Ashok Jena" in asked[0] and "mobile" in asked[0], asked
    assert "10-digit" in agent.say("12345")[0]
    sent = agent.say("94377 00301")
    assert "code" in sent[0], sent
    code = consent_code(citizen)
    assert "not the code" in agent.say("000000" if code != "000000" else "111111")[0]
    agreed = agent.say(code)
    assert "agreed" in agreed[0] and "name" in agreed[-1], agreed  # then the request's own questions
    assert "1. House" in agent.say("Kuni Nayak")[0]
    agent.say("1")
    agent.say("1")
    agent.say("2000")
    assert "ward" in agent.say("1")[0]
    agent.say("ward 12")
    agent.say("near the Ram Mandir")
    assert "slum" in agent.say("751007")[0]
    agent.say("1")  # a slum household: free
    summary = "\n".join(agent.say("tomorrow"))
    assert "Kuni Nayak" in summary, summary
    filed = agent.say("1")
    reference = REFERENCE.search("\n".join(filed)).group()
    case = case_in_database(stack, reference)
    with get_session_factory(stack.config.effective_database_url)() as session:
        filing = session.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id).order_by(CaseHistory.id)).first()
    assert (case.citizen_phone, case.channel, filing.actor_role, filing.actor_id) == (
        "+919437700301", "twilio_sms", "FIELD_AGENT", "PSS-BENUPUR-01")
    assert any(reference in m for m in citizen.wait_for_replies(until=lambda said: any(reference in m for m in said)))


def test_an_agent_s_new_call_starts_afresh_not_under_the_last_citizen(stack, twilio):  # noqa: ANN001
    """A citizen's dropped call resumes its form; a field agent's does not: the next call may be at
    another door, and its answers must not land in the last citizen's filing."""
    first = twilio.voice("+919437400001")  # Pramila Sahoo, Panchayat Swayam Sewak
    first.dial()
    first.press("2")  # Hindi
    asked = first.press("1")  # a complaint: first the citizen's mobile
    assert "मोबाइल" in " ".join(asked.spoken), asked.spoken
    sent = first.press("9437700302")
    assert "कोड" in " ".join(sent.spoken), sent.spoken
    # the call drops; the agent calls again from the next door, and chooses English this time
    again = twilio.voice("+919437400001")
    again.dial()
    heard = again.press("1").spoken
    assert heard[0] == "[en-IN] I have dropped the unfinished filing for the citizen whose mobile ends in 0 3 0 2: " \
        "nothing was filed for them. Let us start afresh.", heard  # first, and in the language just chosen
    assert "code" not in " ".join(heard) and "complaint" in " ".join(heard).lower(), heard  # the greeting's menu

"""The doorstep questions come first in every service's form (a complaint, a request, an
application), only for a field agent, whom the choice of service finds out; the filing is then the
citizen's whose mobile the agent gave, in the form's own slots."""
import pytest
from sqlalchemy import select

from actions.service_form import ActionSubmitService, ValidateServiceForm
from actions.doorstep import slots_of
from backend.db import get_session_factory
from backend.models import Case
from tests.actions.conftest import DOMAIN, asking, complaint, make_tracker, opening, responses
from tests.actions.test_desludging import OPENED, _slots
from tests.actions.test_interruptions import WITH_FORMS
from tests.conftest import consent_of

AGENT_PHONE = "+919437400001"  # Pramila Sahoo's, a field agent of the seed


async def test_the_choice_of_service_finds_out_whether_the_sender_is_a_field_agent(backend, backend_down, dispatcher):
    """Once, as the service is chosen (a complaint by its intent): the agent's name, or "" for anyone else."""
    validate = ValidateServiceForm(client=backend)
    agent = await validate.validate_service_code("grievance", dispatcher, opening("/file_grievance", sender=AGENT_PHONE),
                                                     DOMAIN)
    assert (agent["service_code"], agent["doorstep_agent"]) == ("grievance", "Pramila Sahoo")
    citizen = await validate.validate_service_code("grievance", dispatcher, opening("/file_grievance"), DOMAIN)
    assert (citizen["service_code"], citizen["doorstep_agent"]) == ("grievance", "")
    # the backend down: not known yet, said so, and asked again with the next message
    down = await ValidateServiceForm(client=backend_down).validate_service_code(
        "grievance", dispatcher, opening("/file_grievance", sender=AGENT_PHONE), DOMAIN)
    assert down == {"service_code": None} and responses(dispatcher) == ["utter_service_unavailable"]


async def test_an_agent_is_asked_the_citizen_s_mobile_and_code_first_a_citizen_never(backend, dispatcher):
    phone, consent = slots_of("service_form")
    validate = ValidateServiceForm(client=backend)
    domain_slots = WITH_FORMS["forms"]["service_form"]["required_slots"]
    agent = make_tracker(await complaint(backend, asking("problem"), doorstep_agent="Pramila Sahoo"))
    assert await validate.required_slots(domain_slots, dispatcher, agent, WITH_FORMS) == [
        "service_code", phone, consent, "service_answer"]  # a complaint: filed at once, no summary
    citizen = make_tracker(await complaint(backend, asking("problem")))
    assert await validate.required_slots(domain_slots, dispatcher, citizen, WITH_FORMS) == ["service_code", "service_answer"]


async def test_on_every_service_s_form_an_agent_is_asked_them_before_its_questions(backend, dispatcher):
    """A desludging request: whether the sender is an agent comes with the choice of service; an
    agent's two questions then come before the request's own, a citizen's never."""
    validate = ValidateServiceForm(client=backend)
    domain_slots = WITH_FORMS["forms"]["service_form"]["required_slots"]
    agent = make_tracker(await _slots(backend, {"_service": "desludging"}, doorstep_agent="Pramila Sahoo"))
    assert await validate.required_slots(domain_slots, dispatcher, agent, WITH_FORMS) == [
        "service_code", "service_citizen_phone", "service_consent", "service_answer", "service_confirmed"]
    citizen = make_tracker(await _slots(backend, {"_service": "desludging"}, doorstep_agent=""))
    assert await validate.required_slots(domain_slots, dispatcher, citizen, WITH_FORMS) == [
        "service_code", "service_answer", "service_confirmed"]


async def test_each_filing_is_for_its_own_citizen(backend, dispatcher, client, settings):
    """An agent's complaint is filed for the citizen whose mobile was given (who consented to a
    complaint); a desludging request after it, for another citizen, for that request's citizen."""
    assert ValidateServiceForm.form == "service_form" and slots_of("service_form")[0] == "service_citizen_phone"
    consent_of(client, AGENT_PHONE, "+919812377401", "grievance")
    slots = await complaint(backend, doorstep_agent="Pramila Sahoo", service_citizen_phone="+919812377401",
                            service_consent="confirmed")
    await ActionSubmitService(client=backend).run(dispatcher, make_tracker(slots, events=OPENED, sender=AGENT_PHONE), DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_grievance_filed"
    consent_of(client, AGENT_PHONE, "+919812377402", "desludging")  # consent to a septic tank request, not any application
    slots = await _slots(backend, doorstep_agent="Pramila Sahoo", service_citizen_phone="+919812377402", service_confirmed=True)
    kept = make_tracker(slots, events=OPENED, sender=AGENT_PHONE)
    await ActionSubmitService(client=backend).run(dispatcher, kept, DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_desludging_filed_pay"
    with get_session_factory(settings.database_url)() as session:
        assert [(case.service, case.citizen_phone) for case in session.scalars(select(Case).order_by(Case.id))] == [
            ("grievance", "+919812377401"), ("desludging", "+919812377402")]


async def test_an_agent_s_complaint_needs_the_citizen_s_consent_to_a_complaint(backend, dispatcher, client, settings):
    """A consent to a septic tank request is not one to a complaint: nothing is filed."""
    consent_of(client, AGENT_PHONE, "+919812377403", "desludging")
    slots = await complaint(backend, doorstep_agent="Pramila Sahoo", service_citizen_phone="+919812377403")
    await ActionSubmitService(client=backend).run(dispatcher, make_tracker(slots, events=OPENED, sender=AGENT_PHONE), DOMAIN)
    assert responses(dispatcher) == ["utter_certificate_refused"]
    with get_session_factory(settings.database_url)() as session:
        assert session.scalars(select(Case)).all() == []


@pytest.mark.parametrize("service", ["grievance", "desludging", None])  # a complaint, a request, an application not chosen yet
async def test_every_form_checks_the_mobile_and_sends_the_code(backend, dispatcher, service):
    validate = ValidateServiceForm(client=backend)
    chosen = await complaint(backend) if service == "grievance" else await _slots(backend) if service else {}
    agent = make_tracker({**chosen, "doorstep_agent": "Pramila Sahoo"}, text="12345", sender=AGENT_PHONE)
    refused = await getattr(validate, f"validate_{validate.phone_slot}")("12345", dispatcher, agent, {})
    assert refused[validate.phone_slot] is None and dispatcher.messages[-1]["response"] == "utter_invalid_doorstep_phone"
    sent = await getattr(validate, f"validate_{validate.phone_slot}")("98123 77401", dispatcher, agent, {})
    assert sent[validate.phone_slot] == "+919812377401" and sent[validate.code_slot] is None
    wrong = await getattr(validate, f"validate_{validate.code_slot}")("000000", dispatcher, make_tracker(
        {**chosen, "doorstep_agent": "Pramila Sahoo", validate.phone_slot: "+919812377401"}, sender=AGENT_PHONE), {})
    assert wrong[validate.code_slot] is None
    given = make_tracker({**chosen, "doorstep_agent": "Pramila Sahoo", validate.phone_slot: "+919812377401"}, sender=AGENT_PHONE)
    corrected = await getattr(validate, f"validate_{validate.code_slot}")("98123 77402", dispatcher, given, {})
    assert corrected[validate.phone_slot] == "+919812377402"  # a mobile at the code question: the mobile corrected
    words = await getattr(validate, f"validate_{validate.code_slot}")("change the number", dispatcher, given, {})
    assert words[validate.code_slot] is None and dispatcher.messages[-1]["response"] == "utter_doorstep_wrong_code"


async def test_cancelling_an_agent_s_filing_says_whose_it_was_in_the_language_named(dispatcher):
    from actions.cancel import ActionCancelForm

    tracker = make_tracker({"doorstep_agent": "Pramila Sahoo", "service_code": "grievance",
                            "service_citizen_phone": "+919812377401"},
                           text='/cancel{"language":"hi"}', active_loop="service_form", entities={"language": "hi"},
                           sender=AGENT_PHONE)
    events = await ActionCancelForm().run(dispatcher, tracker, WITH_FORMS)
    assert dispatcher.messages == [{**dispatcher.messages[0], "response": "utter_doorstep_dropped", "ending": "7401",
                                    "reply_language": "hi"}]
    assert {"event": "slot", "name": "service_citizen_phone", "value": None, "timestamp": None} in events
    citizen = make_tracker({"doorstep_agent": "", "service_code": "grievance"}, text="/cancel", active_loop="service_form")
    dispatcher.messages.clear()
    await ActionCancelForm().run(dispatcher, citizen, WITH_FORMS)
    assert [m["response"] for m in dispatcher.messages] == ["utter_cancelled"] and "reply_language" not in dispatcher.messages[0]

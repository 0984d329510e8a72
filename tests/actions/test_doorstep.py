"""The doorstep questions come first in each form, only for a field agent, in each form's own slots:
a filing kept for a retry in one form never takes the citizen of another."""
import pytest
from sqlalchemy import select

from actions.certificate import ActionSubmitCertificate, ValidateCertificateForm
from actions.doorstep import citizen_phone, slots_of
from actions.grievance import ValidateGrievanceForm
from backend.db import get_session_factory
from backend.models import Case
from tests.actions.conftest import DOMAIN, make_tracker
from tests.actions.test_desludging import OPENED, _slots
from tests.actions.test_interruptions import WITH_FORMS
from tests.conftest import consent_of


async def test_an_agent_is_asked_the_citizen_s_mobile_and_code_first_a_citizen_never(backend, dispatcher):
    phone, consent = slots_of("grievance_form")
    validate = ValidateGrievanceForm(client=backend)
    domain_slots = WITH_FORMS["forms"]["grievance_form"]["required_slots"]
    agent = await validate.required_slots(domain_slots, dispatcher, make_tracker({"doorstep_agent": "Pramila Sahoo"}), WITH_FORMS)
    assert agent[:3] == ["doorstep_agent", phone, consent]
    citizen = await validate.required_slots(domain_slots, dispatcher, make_tracker({"doorstep_agent": ""}), WITH_FORMS)
    assert citizen[0] == "doorstep_agent" and phone not in citizen and consent not in citizen


async def test_on_every_service_s_form_an_agent_is_asked_them_before_its_questions(backend, dispatcher):
    """A desludging request: whether the sender is an agent comes with the choice of service; an
    agent's two questions then come before the request's own, a citizen's never."""
    validate = ValidateCertificateForm(client=backend)
    domain_slots = WITH_FORMS["forms"]["certificate_form"]["required_slots"]
    agent = make_tracker(await _slots(backend, {"_service": "desludging"}, certificate_agent="Pramila Sahoo"))
    assert await validate.required_slots(domain_slots, dispatcher, agent, WITH_FORMS) == [
        "certificate_type", "certificate_citizen_phone", "certificate_consent", "certificate_answer", "certificate_confirmed"]
    citizen = make_tracker(await _slots(backend, {"_service": "desludging"}, certificate_agent=""))
    assert await validate.required_slots(domain_slots, dispatcher, citizen, WITH_FORMS) == [
        "certificate_type", "certificate_answer", "certificate_confirmed"]


async def test_each_form_files_for_its_own_citizen(backend, dispatcher, client, settings):
    tracker = make_tracker({"doorstep_agent": "Pramila Sahoo", "grievance_citizen_phone": "+919812377401"},
                           sender="+919437400001")
    assert citizen_phone(tracker, "grievance_form") == "+919812377401"
    assert citizen_phone(tracker, "certificate_form") == "+919437400001"  # a request's, not the complaint's citizen
    assert ValidateCertificateForm.form == "certificate_form" and slots_of("certificate_form")[0] == "certificate_citizen_phone"
    # A desludging request for another citizen, after a complaint for the first: filed for the request's citizen
    consent_of(client, "+919437400001", "+919812377402", "desludging")  # consent to a septic tank request, not any application
    slots = await _slots(backend, doorstep_agent="Pramila Sahoo", grievance_citizen_phone="+919812377401",
                         certificate_agent="Pramila Sahoo", certificate_citizen_phone="+919812377402", certificate_confirmed=True)
    kept = make_tracker(slots, events=OPENED, sender="+919437400001")
    await ActionSubmitCertificate(client=backend).run(dispatcher, kept, DOMAIN)
    assert dispatcher.messages[-1]["response"] == "utter_desludging_filed_pay"
    with get_session_factory(settings.database_url)() as session:
        assert [case.citizen_phone for case in session.scalars(select(Case))] == ["+919812377402"]


@pytest.mark.parametrize("validation", [ValidateGrievanceForm, ValidateCertificateForm])  # the certificate form: every service's
async def test_every_form_checks_the_mobile_and_sends_the_code(backend, dispatcher, validation):
    validate = validation(client=backend)
    agent = make_tracker({"doorstep_agent": "Pramila Sahoo"}, text="12345", sender="+919437400001")
    refused = await getattr(validate, f"validate_{validate.phone_slot}")("12345", dispatcher, agent, {})
    assert refused[validate.phone_slot] is None and dispatcher.messages[-1]["response"] == "utter_invalid_doorstep_phone"
    sent = await getattr(validate, f"validate_{validate.phone_slot}")("98123 77401", dispatcher, agent, {})
    assert sent[validate.phone_slot] == "+919812377401" and sent[validate.code_slot] is None
    wrong = await getattr(validate, f"validate_{validate.code_slot}")("000000", dispatcher, make_tracker(
        {"doorstep_agent": "Pramila Sahoo", validate.phone_slot: "+919812377401"}, sender="+919437400001"), {})
    assert wrong[validate.code_slot] is None
    given = make_tracker({"doorstep_agent": "Pramila Sahoo", validate.phone_slot: "+919812377401"}, sender="+919437400001")
    corrected = await getattr(validate, f"validate_{validate.code_slot}")("98123 77402", dispatcher, given, {})
    assert corrected[validate.phone_slot] == "+919812377402"  # a mobile at the code question: the mobile corrected
    words = await getattr(validate, f"validate_{validate.code_slot}")("change the number", dispatcher, given, {})
    assert words[validate.code_slot] is None and dispatcher.messages[-1]["response"] == "utter_doorstep_wrong_code"


async def test_cancelling_an_agent_s_filing_says_whose_it_was_in_the_language_named(dispatcher):
    from actions.cancel import ActionCancelForm

    tracker = make_tracker({"doorstep_agent": "Pramila Sahoo", "grievance_citizen_phone": "+919812377401"},
                           text='/cancel{"language":"hi"}', active_loop="grievance_form", entities={"language": "hi"},
                           sender="+919437400001")
    events = await ActionCancelForm().run(dispatcher, tracker, WITH_FORMS)
    assert dispatcher.messages == [{**dispatcher.messages[0], "response": "utter_doorstep_dropped", "ending": "7401",
                                    "reply_language": "hi"}]
    assert {"event": "slot", "name": "grievance_citizen_phone", "value": None, "timestamp": None} in events
    citizen = make_tracker({"doorstep_agent": ""}, text="/cancel", active_loop="grievance_form")
    dispatcher.messages.clear()
    await ActionCancelForm().run(dispatcher, citizen, WITH_FORMS)
    assert [m["response"] for m in dispatcher.messages] == ["utter_cancelled"] and "reply_language" not in dispatcher.messages[0]

"""The doorstep questions come first in each form, only for a field agent, in each form's own slots:
a filing kept for a retry in one form never takes the citizen of another."""
import pytest

from actions.certificate import ValidateCertificateForm
from actions.desludging import ValidateDesludgingForm
from actions.doorstep import citizen_phone, slots_of
from actions.grievance import ValidateGrievanceForm
from tests.actions.conftest import make_tracker
from tests.actions.test_interruptions import WITH_FORMS


@pytest.mark.parametrize("form, validation", [("grievance_form", ValidateGrievanceForm),
                                              ("desludging_form", ValidateDesludgingForm)])
async def test_an_agent_is_asked_the_citizen_s_mobile_and_code_first_a_citizen_never(backend, dispatcher, form, validation):
    phone, consent = slots_of(form)
    validate = validation(client=backend)
    domain_slots = WITH_FORMS["forms"][form]["required_slots"]
    agent = await validate.required_slots(domain_slots, dispatcher, make_tracker({"doorstep_agent": "Pramila Sahoo"}), WITH_FORMS)
    assert agent[:3] == ["doorstep_agent", phone, consent]
    citizen = await validate.required_slots(domain_slots, dispatcher, make_tracker({"doorstep_agent": ""}), WITH_FORMS)
    assert citizen[0] == "doorstep_agent" and phone not in citizen and consent not in citizen


def test_each_form_files_for_its_own_citizen():
    tracker = make_tracker({"doorstep_agent": "Pramila Sahoo", "grievance_citizen_phone": "+919812377401"},
                           sender="+919437400001")
    assert citizen_phone(tracker, "grievance_form") == "+919812377401"
    assert citizen_phone(tracker, "desludging_form") == "+919437400001"  # not the complaint's citizen
    assert ValidateCertificateForm.form == "certificate_form" and slots_of("certificate_form")[0] == "certificate_citizen_phone"


@pytest.mark.parametrize("validation", [ValidateGrievanceForm, ValidateDesludgingForm, ValidateCertificateForm])
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

"""The trade licence, a service added to catalog/ with its locale keys and no code, through the
running bot on every channel: offered in the menu, learnt from the catalog's examples, its form,
documents, fee and payment, the town's office verifying and approving it in queue order, the
signed licence and its public check, and its status."""

import re

from tests.e2e.conftest import case_in_database
from tests.e2e.test_certificate import _issue, _pay, _pdf_text, _reference, _verify, media_host  # noqa: F401

LICENCE_URL = re.compile(r"https?://\S+/c/TRL-\S+")


def test_trade_licence_in_hindi_on_whatsapp_paid_issued_and_verified(stack, twilio, media_host):
    phone = twilio.text("whatsapp", "+919437300011")
    assert "नाम" in phone.say("मुझे अपनी दुकान के लिए व्यापार लाइसेंस चाहिए")[0]  # learnt from the catalog: straight to the form
    assert "व्यवसाय का नाम" in phone.say("रमेश साहू")[0]
    assert "किस तरह" in phone.say("साहू किराना स्टोर")[0]
    assert "कहाँ" in phone.say("दुकान")[0]
    assert "वर्ग फ़ुट" in phone.say("कटक वार्ड 22")[0]
    assert "संख्या" in phone.say("बहुत बड़ा")[0]  # not a number: asked again, nothing lost
    assert "आधार" in phone.say("250 वर्ग फ़ुट")[0]
    received = phone.say("", media=[(f"{media_host}/aadhaar.jpg", "image/jpeg")])
    assert "परिसर" in received[-1]
    summary = "\n".join(phone.say("बाद में"))
    assert "साहू किराना स्टोर" in summary and "दुकान" in summary and "250" in summary and "500" in summary, summary
    filed = phone.say("1")
    reference = _reference(filed)
    assert reference.startswith("TRL-")  # the catalog's own prefix
    case = case_in_database(stack, reference)
    assert (case.state, case.assignee_id, case.details["certificate_type"]) == ("PENDING_PAYMENT", "ULB-CMC", "trade_licence")
    _pay(stack, filed[0], reference)
    _issue(stack, reference)
    issued = next(m for m in phone.wait_for_replies(at_least=3) if "/c/TRL-" in m)
    assert f"आपका व्यापार लाइसेंस {reference} जारी हो गया है" in issued  # the service's own name, not "certificate"
    text = _pdf_text(LICENCE_URL.search(issued).group())
    for words in ("व्यापारलाइसेंस", "रमेशसाहू", "साहूकिरानास्टोर", "250", reference):
        assert words in text, (words, text)
    assert _verify(stack, reference=reference)["status"] == "genuine"
    assert reference in phone.say(f"स्थिति {reference}")[0]


def test_trade_licence_from_the_menu_by_sms_in_english(stack, twilio):
    phone = twilio.text("sms", "+919437300012")
    menu = phone.say("apply certificate")[0]
    assert "5. Trade licence" in menu and "1. Income certificate" in menu
    assert "number from 1 to 6" in phone.say("passport")[0]
    phone.say("5")
    phone.say("Lipika Das")
    phone.say("Das Tiffin Centre")
    phone.say("2")  # food
    phone.say("ward 12 Bhubaneswar")
    summary = "\n".join(phone.say("180"))  # SMS cannot carry the documents: they are to be brought
    assert "Lipika Das" in summary and "Aadhaar" in summary and "premises" in summary and "500" in summary, summary
    filed = phone.say("yes")
    reference = _reference(filed)
    case = case_in_database(stack, reference)
    assert (reference[:4], case.assignee_id, case.details["answers"]["trade"], case.details["answers"]["premises_area"]) == (
        "TRL-", "ULB-BMC", "food", 180)
    assert "waiting for your payment" in phone.say(f"status {reference}")[0]


def test_trade_licence_offered_on_a_call_and_filed_by_voice(stack, twilio):
    caller = twilio.voice("+919437300013")
    caller.dial()
    caller.press("1")  # English
    menu = " ".join(caller.press("4").spoken)  # the greeting's fourth option: a certificate
    assert "For a trade licence, press 5" in menu and "For an income certificate, press 1" in menu
    assert "full name of the licence holder" in " ".join(caller.press("5").spoken)
    caller.speak("Suresh Patra")
    kinds = " ".join(caller.speak("Patra Cycle Repair").spoken)
    assert "For a workshop or repair, press 3" in kinds, kinds  # a call hears which key means what
    caller.press("3")
    caller.speak("ward 12")
    summary = " ".join(caller.speak("300").spoken)
    assert "trade licence application" in summary and "Rs 500" in summary and "proof of the premises" in summary, summary
    filed = " ".join(caller.press("1").spoken)
    assert "T R L" in filed, filed
    sms = twilio.text("sms", "+919437300013").wait_for_replies(at_least=1)
    assert any("TRL-" in m for m in sms), sms

"""The water tanker, a service added to catalog/ with its locale keys and no code, through the
running bot on every channel: asked for in words or picked from the menu, its form with the fee the
chosen size sets, payment on the sandbox page, the town's tanker operator accepting and delivering
it (signed in, through the common case route), the notices that name it, status with the vehicle,
and the citizen's rating from the numbered answers offered."""

import time

import httpx

from tests.e2e.conftest import case_in_database, official
from tests.e2e.test_certificate import PAY_URL, _reference


def _wait_for_state(stack, reference: str, state: str) -> None:
    deadline = time.monotonic() + 15
    while case_in_database(stack, reference).state != state and time.monotonic() < deadline:
        time.sleep(0.2)  # the sandbox provider calls the webhook after answering the page
    assert case_in_database(stack, reference).state == state


def _operator(stack, reference: str, operator_id: str, **step) -> dict:
    """The operator's step, signed in as them, through the route every service's actions take."""
    with official(stack, operator_id) as client:
        response = client.post(f"/api/v1/cases/{reference}/actions", json=step)
    assert response.status_code == 200, response.text
    return response.json()


def test_water_tanker_in_hindi_on_whatsapp_paid_sent_delivered_and_rated(stack, twilio):
    phone = twilio.text("whatsapp", "+919437300021")
    assert "किसके नाम" in phone.say("मुझे पानी का टैंकर चाहिए")[0]  # learnt from the catalog: straight to the form
    assert "कौन-सा टैंकर" in phone.say("सुनीता महापात्र")[0]
    assert "नंबरों में से कोई एक" in phone.say("एक स्विमिंग पूल")[0]  # not an option: asked again, nothing lost
    assert "पानी कहाँ" in phone.say("2")[0]
    assert "ड्राइवर" in phone.say("", location=(20.2961, 85.8450))[0]  # a location pin answers where
    summary = "\n".join(phone.say("राम मंदिर के पीछे, गली 3"))
    assert "सुनीता महापात्र" in summary and "10,000 लीटर" in summary and "₹900" in summary, summary
    assert "वार्ड 29, भुवनेश्वर" in summary, summary  # the ward the pin fell in
    assert "अपनी बुकिंग जाँच लें (पानी का टैंकर)" in summary and "बुक कर दूँ" in summary, summary  # its own words
    assert "प्रमाण" not in summary and "आवेदन" not in summary, summary  # not a certificate's application
    filed = phone.say("1")
    reference = _reference(filed)
    assert reference.startswith("WTR-") and "आपकी बुकिंग (पानी का टैंकर) दर्ज" in filed[0], filed
    case = case_in_database(stack, reference)
    assert (case.service, case.state, case.details["fee_paise"], case.details["answers"]["tanker_size"]) == (
        "visit", "PENDING_PAYMENT", 90000, "l10000")
    assert case.details["answers"]["delivery_place"]["ward"] == "BMC-W29"  # checked again at filing, from the pin

    link = PAY_URL.search(filed[0]).group()
    assert "₹900।" in httpx.get(link, timeout=30).text  # Hindi page: the symbol, no paise
    assert httpx.post(link, timeout=30).status_code == 200  # "Pay (test mode)"
    _wait_for_state(stack, reference, "PENDING_OPERATOR_ACCEPT")
    assert any("भुगतान मिल गया" in m and "पानी का टैंकर" in m for m in phone.wait_for_replies(at_least=1))
    operator = case_in_database(stack, reference).assignee_id
    assert operator.startswith("OP-BMC-WT-")  # the town's tanker, not a desludging vehicle

    _operator(stack, reference, operator, action="ACCEPT")
    assert any("मंज़ूर" in m for m in phone.wait_for_replies(at_least=1))
    assert "गाड़ी नंबर OD-02-WT-" in phone.say(f"स्थिति {reference}")[0]
    _operator(stack, reference, operator, action="DELIVER")
    assert any("पहुँच गया" in m and "रेटिंग" in m for m in phone.wait_for_replies(at_least=1))
    phone.say("5")  # the notice's numbered rating
    case = case_in_database(stack, reference)
    assert (case.state, case.details["rating"]) == ("COMPLETED", 5)


def test_water_tanker_from_the_menu_by_sms_in_english(stack, twilio):
    phone = twilio.text("sms", "+919437300022")
    menu = phone.say("apply certificate")[0]
    assert "6. Water tanker" in menu and "5. Trade licence" in menu, menu
    assert "In whose name" in phone.say("6")[0]
    phone.say("Lipika Das")
    assert "one of the numbers offered" in phone.say("xyz")[0]
    phone.say("5000 litre")
    phone.say("ସରକଣା")  # a village: served by its block's nearest town
    summary = "\n".join(phone.say("near the school"))
    assert "Lipika Das" in summary and "5,000 litres" in summary and "Rs 500" in summary, summary
    filed = phone.say("yes")
    reference = _reference(filed)
    case = case_in_database(stack, reference)
    assert (reference[:4], case.office, case.ulb, case.details["fee_paise"]) == ("WTR-", "ULB-BMC", "BMC", 50000)
    assert "waiting for your payment" in phone.say(f"status {reference}")[0]


def test_water_tanker_booked_on_a_call(stack, twilio):
    caller = twilio.voice("+919437300023")
    caller.dial()
    caller.press("1")  # English
    menu = " ".join(caller.press("4").spoken)  # the greeting's fourth option
    assert "To book a water tanker, press 6" in menu, menu
    assert "In whose name" in " ".join(caller.press("6").spoken)
    sizes = " ".join(caller.speak("Suresh Patra").spoken)
    assert "ten thousand litre tanker, for 900 rupees, press 2" in sizes, sizes
    caller.press("2")
    caller.speak("ward 12")
    summary = " ".join(caller.speak("near the bus stand").spoken)
    assert "water tanker booking" in summary and "Rs 900" in summary, summary
    filed = " ".join(caller.press("1").spoken)
    assert "W T R" in filed, filed
    sms = twilio.text("sms", "+919437300023").wait_for_replies(at_least=1)
    assert any("WTR-" in m and "/pay/" in m for m in sms), sms

"""Every channel end to end, through the phone simulator's code (signed like Twilio) against the
running stack: Rasa's Twilio channels, the trained model, the action server, the backend, its
outbox worker and the built-in Twilio sandbox. Replies are what the sandbox received."""
import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import httpx

from common.channels import TWILIO_VOICE
from common.signatures import gateway_signature
from locales import render
from tests.e2e.conftest import REFERENCE, act, case_in_database, official, citizen_headers


def _reference(replies: list[str]) -> str:
    found = REFERENCE.findall(" ".join(replies))
    assert found, replies
    return found[0]


def test_whatsapp_complaint_in_odia_then_the_official_resolves_it(stack, twilio):
    phone = twilio.text("whatsapp", "+919437100001")
    greeting = phone.say("ନମସ୍କାର")
    assert "ସାଥୀ" in greeting[0] and "\n1. " in greeting[0]  # buttons became numbered options
    assert "ଅଳିଆ" in phone.say("1")[0]  # "1" is the first option offered: file a complaint
    assert phone.say("1")  # garbage
    assert phone.say("ଆମ ଗଳିରେ ଏକ ସପ୍ତାହ ହେଲା ଅଳିଆ ଉଠାଯାଇନାହିଁ")
    filed = phone.say("ୱାର୍ଡ 12")
    reference = _reference(filed)
    assert "ଅଭିଯୋଗ" in filed[0]

    act(stack, reference, "RESOLVE")  # routed on filing to the ward's sanitation official
    alerts = phone.wait_for_replies(at_least=1)
    assert reference in alerts[-1] and "ସମାଧାନ" in alerts[-1]

    status = phone.say(f"status {reference}")
    assert reference in status[0]


def test_sms_in_romanised_hindi_gets_romanised_replies_that_fit(stack, twilio):
    phone = twilio.text("sms", "+919437100002")
    assert phone.say("mujhe shikayat darj karni hai")
    assert phone.say("2")
    assert phone.say("hamari gali ki batti teen din se band hai")
    filed = phone.say("ward 12")
    reference = _reference(filed)
    assert all(ch.isascii() for ch in filed[0]), filed  # Latin letters: GSM-7, 160 a segment
    keyword = phone.say(f"STATUS {reference}")
    assert reference in keyword[0]
    assert all(len(body) <= 1600 for body in filed + keyword)


def test_a_forged_or_missing_signature_gets_403_and_no_reply(stack, twilio):
    phone = twilio.text("whatsapp", "+919437100003")
    form = phone.form("hello")
    path = "/webhooks/twilio_whatsapp/webhook"
    assert twilio.signer.post(path, form, signature="Zm9yZ2Vk").status_code == 403
    assert twilio.signer.post(path, form, signature="").status_code == 403
    other_token = type(twilio.signer)(stack.config.rasa_url, "not-the-token")
    assert other_token.post(path, form).status_code == 403
    assert phone.wait_for_replies(timeout=3, at_least=1) == []


def test_a_replayed_message_sid_is_answered_once(stack, twilio):
    phone = twilio.text("whatsapp", "+919437100004")
    form = phone.form("help")
    for _ in range(3):  # Twilio's retries, or the same request reaching two workers
        assert twilio.signer.post("/webhooks/twilio_whatsapp/webhook", form).status_code == 200
    assert len(phone.wait_for_replies(at_least=1)) == 1


def test_a_10000_character_paste_mid_form_loses_nothing(stack, twilio):
    phone = twilio.text("whatsapp", "+919437100005")
    phone.say("I want to file a complaint")
    phone.say("3")  # drainage
    answer = phone.say("x" * 10_000)
    assert answer and len(answer[0]) < 400
    phone.say("The drain near the school is overflowing onto the road")
    filed = phone.say("ward 12")
    assert "drainage" in filed[0]
    _reference(filed)


def test_media_only_and_location_pins_reach_the_bot(stack, twilio):
    phone = twilio.text("whatsapp", "+919437100006")
    photo = phone.say("", media=[("https://example.org/drain.jpg", "image/jpeg")])
    assert "photo" in photo[0]
    pin = phone.say("", location=(20.2961, 85.8245))
    assert "location" in pin[0]
    tracker = httpx.get(
        f"{stack.config.rasa_url}/conversations/whatsapp:+919437100006/tracker",
        params={"token": stack.config.rasa_token}, timeout=30,
    ).json()
    metadata = [e.get("metadata", {}) for e in tracker["events"] if e["event"] == "user"]
    assert metadata[0]["media"] == [{"url": "https://example.org/drain.jpg", "content_type": "image/jpeg"}]
    assert metadata[1]["location"]["latitude"] == 20.2961


def test_stop_in_hindi_silences_the_number_until_start(stack, twilio):
    phone = twilio.text("sms", "+919437100007")
    stopped = phone.say("बंद करो")
    assert stopped == ["साथी: अब कोई संदेश नहीं आएगा। फिर से शुरू करने के लिए START भेजें।"]
    assert phone.say("hello", timeout=4) == []
    assert phone.say("START") == ["Sathi: messages are on again. Send HELP to see what I can do."]
    assert phone.say("help")


def test_stop_in_odia_on_whatsapp(stack, twilio):
    phone = twilio.text("whatsapp", "+919437100008")
    assert "ମେସେଜ" in phone.say("ବନ୍ଦ କରନ୍ତୁ")[0]
    assert phone.say("ନମସ୍କାର", timeout=4) == []


def test_voice_in_english_files_a_complaint_and_sends_an_sms_summary(stack, twilio):
    caller = twilio.voice("+919437100009")
    menu = caller.dial()
    assert menu.gather_input == "dtmf" and len(menu.spoken) == 3
    assert menu.spoken[2].startswith("[recording] ")  # Odia is played, not spoken by Twilio
    greeting = caller.press("1")
    assert greeting.gather_input == "dtmf speech" and greeting.gather_language == "en-IN"
    assert "press 1" in " ".join(greeting.spoken)
    assert "1 for garbage" in " ".join(caller.press("1").spoken)
    assert "describe" in " ".join(caller.press("1").spoken)
    caller.speak("Garbage has not been collected for a week")
    filed = caller.speak("ward 12")
    spoken = " ".join(filed.spoken)
    assert "registered" in spoken and "G R V" in spoken and "SMS" in spoken
    assert spoken.endswith(render("utter_voice_anything_else", "en", TWILIO_VOICE)["text"])  # not left in silence
    again = caller.silence()
    assert " ".join(again.spoken).endswith("Or you can hang up.")  # the offer is the question silence repeats
    sms = twilio.text("sms", "+919437100009").wait_for_replies(at_least=1)
    assert REFERENCE.search(sms[0])
    assert not caller.silence().hangup
    assert caller.silence().hangup  # three silences end the call politely


def test_voice_in_hindi_status_by_keypad_digits(stack, twilio):
    phone = twilio.text("whatsapp", "+919437100010")
    phone.say("I want to file a complaint")
    phone.say("5")
    phone.say("Big pothole in front of the market")
    reference = _reference(phone.say("ward 12"))

    caller = twilio.voice("+919437100010")
    caller.dial()
    assert caller.press("2").gather_language == "hi-IN"
    asked = caller.press("2")  # the greeting's second option: status
    assert "कीपैड" in " ".join(asked.spoken)
    status = caller.press(reference.replace("GRV-", "").replace("-", ""))
    spoken = " ".join(status.spoken)
    assert "G R V" in spoken and "[hi-IN]" in spoken
    assert "क्या मैं आपकी और कोई मदद कर सकता हूँ" in spoken  # then asked what else, by its keys:
    assert "कचरे के लिए 1" in " ".join(caller.press("1").spoken)  # the complaint's categories


def test_voice_in_odia_is_keypad_and_recordings(stack, twilio):
    caller = twilio.voice("+919437100011")
    caller.dial()
    greeting = caller.press("3")
    assert greeting.gather_input == "dtmf" and greeting.gather_language is None
    assert all(line.startswith("[recording] ") for line in greeting.spoken)
    category = caller.press("1")
    assert "ଅଳିଆ" in " ".join(category.spoken)
    silent = caller.silence()
    assert "ଶୁଣିପାରିଲି ନାହିଁ" in " ".join(silent.spoken) and silent.gather_input == "dtmf"
    describe = caller.press("1")  # garbage; Twilio cannot transcribe Odia, so the answer is recorded
    assert describe.record_action and "ବିପ୍" in " ".join(describe.spoken)
    ward = caller.record()
    assert "କୀପ୍ୟାଡ" in " ".join(ward.spoken)
    filed = caller.press("12")
    spoken = " ".join(filed.spoken)
    assert "[recording] ଆପଣଙ୍କ ଅଭିଯୋଗ ଦାଖଲ ହୋଇଛି" in spoken and "G R V" in spoken
    assert "[recording] ମୁଁ ଆପଣଙ୍କୁ ଆଉ କିଛି ସାହାଯ୍ୟ କରିପାରିବି କି" in spoken  # then what else, by its keys
    sms = twilio.text("sms", "+919437100011").wait_for_replies(at_least=1)
    assert REFERENCE.search(sms[0]) and "ଅଭିଯୋଗ" in sms[0]


def test_voice_language_menu_handles_invalid_keys_and_a_retried_step(stack, twilio):
    caller = twilio.voice("+919437100012")
    caller.dial()
    path = caller._path()
    form = caller._form(Digits="9")
    first = twilio.signer.post(path, form)
    again = twilio.signer.post(path, form)  # Twilio retried the same step
    assert first.text == again.text
    turn = caller.parse(first.text)
    assert "not one of the choices" in " ".join(turn.spoken) and turn.gather_input == "dtmf"
    forged = twilio.signer.post(path, form, signature="bad")
    assert forged.status_code == 403


def test_recorded_prompts_are_served_for_twilio_to_play(stack, twilio):
    caller = twilio.voice("+919437100013")
    response = twilio.signer.post("/webhooks/twilio_voice/webhook", caller._form())
    url = response.text.split("<Play>")[1].split("</Play>")[0]
    audio = httpx.get(url, timeout=10)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    assert httpx.get(url.replace(".wav", "0.wav"), timeout=10).status_code == 404


def test_sms_from_an_indian_gateway_is_verified_and_answered(stack, twilio):
    body = json.dumps({"id": "gw-msg-1", "from": "+919437100014", "text": "help"}).encode()
    url = f"{stack.config.rasa_url}/webhooks/gateway_sms/webhook"
    forged = httpx.post(url, content=body, headers={"X-Gateway-Signature": "0" * 64, "Content-Type": "application/json"})
    assert forged.status_code == 403
    signature = gateway_signature("dev-gateway-secret", body)
    for _ in range(2):  # the gateway's retry is dropped like Twilio's
        accepted = httpx.post(url, content=body, headers={"X-Gateway-Signature": signature, "Content-Type": "application/json"})
        assert accepted.status_code == 200 and accepted.json() == {"status": "accepted"}
    replies = twilio.text("sms", "+919437100014").wait_for_replies(at_least=1)
    assert len(replies) == 1 and "COMPLAINT" in replies[0]


def test_asking_in_words_to_stop_messages_opts_out_after_a_yes(stack, twilio):
    phone = twilio.text("whatsapp", "+919437100015")
    assert phone.say("please don't send me any more messages") == [
        "Stop all messages from Sathi to this number? You would get no more updates on your complaints and requests."
        "\n1. Yes\n2. No"
    ]
    assert phone.say("1") == ["You will get no more messages from Sathi on this number. To start again, send START."]
    assert phone.say("hello", timeout=4) == []
    assert "Welcome back" in phone.say("start")[0]


def test_the_citizens_verdict_after_resolution_in_hindi(stack, twilio):
    phone = twilio.text("whatsapp", "+919437100016")
    phone.say("मुझे शिकायत दर्ज करनी है")
    phone.say("4")  # water supply
    phone.say("सुबह से पानी नहीं आ रहा है")
    reference = _reference(phone.say("ward 5"))
    act(stack, reference, "RESOLVE")
    question = phone.wait_for_replies(at_least=1)
    assert reference in question[-1] and "1 (बहुत खराब)" in question[-1]
    reopened = phone.say("0")  # not solved: the numbered answer the question offered
    assert reference in reopened[0] and "फिर से खोल" in reopened[0]
    act(stack, reference, "RESOLVE")
    phone.wait_for_replies(at_least=1)
    thanks = phone.say("4")
    assert reference in thanks[0] and "धन्यवाद" in thanks[0]
    with official(stack, "BMC-WAT-SUP") as supervisor:  # the department's supervisor reads the figures
        performance = supervisor.get("/api/v1/officials/performance").json()
    water = next(p for p in performance if p["official_id"] == "BMC-WAT-01")  # the ward's water official
    assert water["ratings"] == 1 and water["resolved"] == 2 and water["average_rating"] == 4.0

    mine = phone.say("meri shikayatein dikhao", at_least=2)
    assert reference in " ".join(mine)


def test_whatsapp_complaint_with_a_photo_and_a_location_pin(stack, twilio, tmp_path):
    (tmp_path / "drain.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 4096)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    media_host = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=media_host.serve_forever, daemon=True).start()
    try:
        phone = twilio.text("whatsapp", "+919437100017")
        phone.say("I want to file a complaint")
        phone.say("3")  # drainage
        photo_url = f"http://127.0.0.1:{media_host.server_address[1]}/drain.jpg"
        kept = phone.say("", media=[(photo_url, "image/jpeg")])
        assert "photo" in kept[0] and "describe" in kept[0]
        ward_question = phone.say("The drain in front of the school is blocked")
        assert "location pin" in ward_question[0]
        outside = phone.say("", location=(19.0760, 72.8777))  # Mumbai: no ward of ours
        assert "not inside any ward" in outside[0]
        filed = phone.say("", location=(20.2961, 85.8450))  # Saheed Nagar, ward 29
        reference = _reference(filed)
    finally:
        media_host.shutdown()
    case = httpx.post(f"{stack.config.backend_url}/api/v1/cases/mine", json={"phone": "+919437100017"},
                      headers=citizen_headers(stack, "+919437100017"), timeout=30).json()[0]
    assert case["reference"] == reference
    stored = case_in_database(stack, reference)
    assert stored.details["ward"] == "BMC-W29" and stored.details["photo"].endswith(".jpg")


def test_a_described_problem_is_proposed_and_confirmed_in_romanised_hindi(stack, twilio):
    phone = twilio.text("sms", "+919437100018")
    phone.say("shikayat karni hai")
    proposal = phone.say("gali mein ek mara hua kutta pada hai")
    assert "mara hua jaanwar" in proposal[0] and "1." in proposal[0]  # romanised for SMS, with numbered yes/no
    ward_question = phone.say("1")  # yes: the words were the description too, so only the ward is left
    assert "kis ward" in ward_question[0]
    reference = _reference(phone.say("ward 12"))
    stored = case_in_database(stack, reference)
    assert (stored.details["category"], stored.details["subcategory"], stored.details["sla_hours"]) == ("garbage", "dead_animal", 12)
    assert stored.details["description"] == "gali mein ek mara hua kutta pada hai"


def test_a_wrong_guess_goes_back_to_the_list(stack, twilio):
    phone = twilio.text("whatsapp", "+919437100019")
    phone.say("I want to file a complaint")
    proposal = phone.say("there is no water in the public toilet")
    assert "no water in a public toilet" in proposal[0]
    listed = phone.say("no")
    assert "7. Septic tank" in listed[0]
    phone.say("4")
    filed = phone.say("ward 5")  # the first words stayed as the description
    _reference(filed)


def test_voice_in_english_books_desludging_and_the_summary_comes_by_sms(stack, twilio):
    caller = twilio.voice("+919437500001")
    caller.dial()
    assert "press 3" in " ".join(caller.press("1").spoken)
    assert "applicant's name" in " ".join(caller.press("3").spoken)
    answers = [("speak", "Sabitri Behera"), ("press", "1"), ("press", "1"), ("press", "2"), ("press", "1"),
               ("speak", "ward 12"), ("speak", "near the Ram Mandir"), ("press", "751007"), ("press", "2"), ("speak", "tomorrow")]
    for kind, value in answers:
        assert getattr(caller, kind)(value).spoken  # each answer brings the next question
    summary = " ".join(caller.press("2").spoken)  # pay when the vehicle comes
    assert "ward 12, Bhubaneswar" in summary and "Rs 1,000" in summary and "Press 1 to file" in summary
    filed = " ".join(caller.press("1").spoken)
    assert "F S M, 2 0 2 6" in filed and "SMS" in filed
    sms = twilio.text("sms", "+919437500001").wait_for_replies(at_least=1)
    assert any(REFERENCE.search(m) and m.startswith("Sathi: request FSM-") for m in sms), sms


def test_voice_in_hindi_applies_for_a_certificate_and_the_payment_link_comes_by_sms(stack, twilio):
    caller = twilio.voice("+919437500002")
    caller.dial()
    caller.press("2")  # Hindi
    assert "प्रमाण पत्र" in " ".join(caller.press("4").spoken)
    caller.press("1")  # income
    for words in ("सुनीता दास", "रमेश दास", "वार्ड 12"):
        caller.speak(words)
    caller.press("85000")
    caller.press("1")  # education
    summary = " ".join(caller.press("2").spoken)  # Tatkal
    assert "₹100" in summary and "आधार कार्ड" in summary  # the fee, and the documents to bring (a call carries none)
    for answer in ("सुनीता दास", "रमेश दास", "85,000"):  # every answer read back, each its own sentence
        assert answer in summary, (answer, summary)
    assert "सुनीता दास।" in summary, summary
    filed = " ".join(caller.press("1").spoken)
    assert "C R T, 2 0 2 6" in filed and "SMS" in filed
    sms = twilio.text("sms", "+919437500002").wait_for_replies(at_least=1)
    assert any("/pay/" in m and "CRT-" in m for m in sms), sms

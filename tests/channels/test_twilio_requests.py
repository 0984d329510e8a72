"""Twilio's webhook shapes, as Twilio sends them, through the channel's decoding, signature check,
keywords and reply formatting (courier-style tables: one row per captured request)."""
import pytest

from locales import keywords
from channels.inbound import Location, Media, MalformedWebhook, parse_message
from channels.replies import text_replies
from channels.sms_text import encoding, segments, split_body
from common.signatures import is_valid, public_url, sign

TOKEN = "12345"
# Twilio's documented example: this URL, these parameters and this token give this signature.
TWILIO_DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_DOC_PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030", "To": "+18005551212"}
TWILIO_DOC_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

WHATSAPP_TEXT = {
    "SmsMessageSid": "SM11", "NumMedia": "0", "ProfileName": "Asha", "MessageType": "text", "SmsSid": "SM11",
    "WaId": "919876543210", "SmsStatus": "received", "Body": "Namaste", "To": "whatsapp:+14155238886",
    "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": "SM11", "AccountSid": "AC1",
    "From": "whatsapp:+919876543210", "ApiVersion": "2010-04-01",
}
WHATSAPP_IMAGE = {
    **WHATSAPP_TEXT, "MessageSid": "MM12", "SmsMessageSid": "MM12", "SmsSid": "MM12", "Body": "", "NumMedia": "2",
    "MessageType": "image", "MediaContentType0": "image/jpeg",
    "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM12/Media/ME1",
    "MediaContentType1": "image/png", "MediaUrl1": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM12/Media/ME2",
}
WHATSAPP_LOCATION = {
    **WHATSAPP_TEXT, "MessageSid": "SM13", "Body": "", "MessageType": "location",
    "Latitude": "20.2961", "Longitude": "85.8245", "Address": "Saheed Nagar, Bhubaneswar", "Label": "Home",
}
WHATSAPP_BUTTON = {**WHATSAPP_TEXT, "MessageSid": "SM14", "Body": "Check status", "ButtonText": "Check status", "ButtonPayload": "/check_status"}
SMS_TEXT = {
    "ToCountry": "US", "ToState": "", "SmsMessageSid": "SM21", "NumMedia": "0", "ToCity": "", "FromZip": "",
    "SmsSid": "SM21", "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": "STATUS GRV-2026-000045",
    "FromCountry": "IN", "To": "+15005550006", "ToZip": "", "NumSegments": "1", "MessageSid": "SM21",
    "AccountSid": "AC1", "From": "+919437000001", "ApiVersion": "2010-04-01",
}


@pytest.mark.parametrize(
    "form, text, media, location",
    [
        (WHATSAPP_TEXT, "Namaste", [], None),
        (WHATSAPP_IMAGE, "", [Media(WHATSAPP_IMAGE["MediaUrl0"], "image/jpeg"), Media(WHATSAPP_IMAGE["MediaUrl1"], "image/png")], None),
        (WHATSAPP_LOCATION, "", [], Location(20.2961, 85.8245, "Saheed Nagar, Bhubaneswar", "Home")),
        (WHATSAPP_BUTTON, "/check_status", [], None),
        (SMS_TEXT, "STATUS GRV-2026-000045", [], None),
        ({**SMS_TEXT, "Body": "x" * 10_000}, "x" * 10_000, [], None),
        ({**WHATSAPP_TEXT, "NumMedia": "banana"}, "Namaste", [], None),
        ({**WHATSAPP_LOCATION, "Latitude": "north"}, "", [], None),
    ],
    ids=["whatsapp-text", "whatsapp-image-only", "whatsapp-location", "whatsapp-button", "sms-text", "sms-10k", "bad-num-media", "bad-latitude"],
)
def test_inbound_forms_decode_to_one_shape(form, text, media, location):
    message = parse_message(form)
    assert message.sid == form["MessageSid"]
    assert message.sender == form["From"]
    assert (message.text, message.media, message.location) == (text, media, location)


def test_metadata_carries_attachments_but_never_the_number_or_name():
    metadata = parse_message(WHATSAPP_IMAGE).metadata("whatsapp")
    assert metadata["media"][0] == {"url": WHATSAPP_IMAGE["MediaUrl0"], "content_type": "image/jpeg"}
    flat = repr(metadata) + repr(parse_message(WHATSAPP_LOCATION).metadata("whatsapp"))
    assert "919876543210" not in flat and "Asha" not in flat
    assert parse_message(WHATSAPP_LOCATION).metadata("whatsapp")["location"]["latitude"] == 20.2961


@pytest.mark.parametrize("form", [{"Body": "hi"}, {"MessageSid": "SM1"}, {}])
def test_a_form_without_sid_or_sender_is_malformed(form):
    with pytest.raises(MalformedWebhook):
        parse_message(form)


@pytest.mark.parametrize(
    "url, params, signature, valid",
    [
        (TWILIO_DOC_URL, TWILIO_DOC_PARAMS, TWILIO_DOC_SIGNATURE, True),
        (TWILIO_DOC_URL, {**TWILIO_DOC_PARAMS, "Digits": "9999"}, TWILIO_DOC_SIGNATURE, False),  # tampered
        (TWILIO_DOC_URL.replace("https", "http"), TWILIO_DOC_PARAMS, TWILIO_DOC_SIGNATURE, False),  # other URL
        (TWILIO_DOC_URL, TWILIO_DOC_PARAMS, "forged+signature=", False),
        (TWILIO_DOC_URL, TWILIO_DOC_PARAMS, None, False),
        (TWILIO_DOC_URL, TWILIO_DOC_PARAMS, "", False),
    ],
    ids=["twilio-documented-example", "tampered-param", "wrong-url", "forged", "missing", "empty"],
)
def test_signature_table(url, params, signature, valid):
    assert is_valid(TOKEN, url, params, signature) is valid


def test_signature_covers_empty_fields_as_twilio_does():
    form = {**WHATSAPP_IMAGE}
    url = "https://sathi.example.in/webhooks/twilio_whatsapp/webhook"
    signature = sign(TOKEN, url, form)
    assert is_valid(TOKEN, url, form, signature)
    without_empty_body = {k: v for k, v in form.items() if v != ""}
    assert not is_valid(TOKEN, url, without_empty_body, signature)


def test_behind_a_proxy_the_public_url_is_rebuilt_from_configuration():
    assert public_url("https://sathi.example.in/", "/webhooks/twilio_voice/webhook", "step=2&lang=hi") == (
        "https://sathi.example.in/webhooks/twilio_voice/webhook?step=2&lang=hi"
    )
    assert public_url("https://gw.example.in/bot", "/webhooks/twilio_sms/webhook") == "https://gw.example.in/bot/webhooks/twilio_sms/webhook"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("STOP", ("stop", "en", None)),
        ("  unsubscribe. ", ("stop", "en", None)),
        ("बंद करो", ("stop", "hi", None)),
        ("ବନ୍ଦ କରନ୍ତୁ", ("stop", "or", None)),
        ("Start", ("start", "en", None)),
        ("शुरू करो", ("start", "hi", None)),
        ("ଆରମ୍ଭ", ("start", "or", None)),
        ("Menu.", ("menu", "en", None)),  # back to the assistant from a conversation with a person
        ("मेनू", ("menu", "hi", None)),
        ("ମେନୁ", ("menu", "or", None)),
        ("show me the menu of services", None),
        ("STATUS FSM-2026-000123", ("status", "en", "FSM-2026-000123")),
        ("status grv 2026 45", ("status", "en", "GRV-2026-000045")),
        ("स्थिति GRV-2026-000045", ("status", "hi", "GRV-2026-000045")),
        ("stop the garbage truck from blocking the road", None),
        ("cancel", None),  # cancels a form here, not the messages
        ("yes", None),
        ("status", None),  # no number: the conversation asks for it
        ("", None),
    ],
)
def test_keyword_table(text, expected):
    hit = keywords.match(text)
    assert (None if hit is None else (hit.kind, hit.language, hit.reference)) == expected


@pytest.mark.parametrize(
    "text, coding, count",
    [
        ("Complaint registered: GRV-2026-000045.", "GSM-7", 1),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("{" * 80, "GSM-7", 1),  # extension characters take two septets
        ("{" * 81, "GSM-7", 2),
        ("शिकायत दर्ज हुई", "UCS-2", 1),
        ("क" * 70, "UCS-2", 1),
        ("କ" * 71, "UCS-2", 2),
    ],
)
def test_sms_segments(text, coding, count):
    assert encoding(text) == coding
    assert segments(text) == count


def test_long_sms_bodies_are_split_at_sentence_ends_within_twilio_limit():
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    bodies = split_body(text)
    assert len(bodies) > 1 and all(len(b) <= 1600 for b in bodies)
    assert all(b.endswith(".") for b in bodies)
    assert " ".join(bodies) == text
    assert split_body("x" * 4000) == ["x" * 1600, "x" * 1600, "x" * 800]
    assert split_body("   ") == []


def test_buttons_become_numbered_options_and_a_menu():
    collected = [{
        "text": "What would you like to do?",
        "buttons": [{"title": "File a complaint", "payload": "/file_grievance"}, {"title": "Check status", "payload": "/check_status"}],
        "custom": {"locale": {"key": "utter_greet", "language": "en", "variables": {}}},
    }]
    replies, menu = text_replies(collected, "whatsapp")
    assert replies[0]["body"] == "What would you like to do?\n1. File a complaint\n2. Check status"
    assert replies[0]["locale_key"] == "utter_greet"
    assert menu == {"1": "/file_grievance", "2": "/check_status"}


def test_buttons_that_are_their_own_numbers_are_not_listed_twice():
    collected = [{"text": "Category?\n1. Garbage\n2. Streetlight", "buttons": [{"title": "Garbage", "payload": "1"}, {"title": "Streetlight", "payload": "2"}]}]
    replies, menu = text_replies(collected, "sms")
    assert replies[0]["body"] == "Category?\n1. Garbage\n2. Streetlight"
    assert menu == {}


def test_numbered_answers_an_action_names_are_the_menu_as_its_words_list_them():
    """A verdict asked again offers the notice's own answers (0 for "not solved" included)."""
    menu = {"0": '/give_feedback{"reference":"GRV-2026-000001","solved":"no"}',
            "5": '/give_feedback{"reference":"GRV-2026-000001","rating":"5"}'}
    collected = [{"text": "Reply 1 to 5, or 0 if it is not solved.", "numbered_answers": menu},
                 {"text": "1. Income\n2. Caste", "menu": "1. Income\n2. Caste"}]  # a value named menu is words, not answers
    replies, offered = text_replies(collected, "whatsapp")
    assert replies[0]["body"] == "Reply 1 to 5, or 0 if it is not solved." and offered == menu and len(replies) == 2

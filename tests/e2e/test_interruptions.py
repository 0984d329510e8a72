"""The conversation table (issue 16), through the running bot on WhatsApp (Twilio's webhook, a
trained model): for every service and every form of writing, every interruption people make in
the middle of a form, at two different questions. Each asserts the interruption's own answer and
the same question asked again; a change of language mid-form asks it again in the new language,
and back; after both steps the form goes on, and the tracker still holds every answer given;
a cancel at the third question ends the form. The words expected are read from locales/, so a
reworded reply does not break the table."""

import re

from urllib.parse import quote

import httpx
import pytest

from common.channels import TWILIO_SMS
from locales import load_catalog, render, variant_for_channel

CHANNEL = "twilio_whatsapp"
UNKNOWN = "GRV-2026-999999"
INTERRUPTIONS = {  # kind -> what people type, per form of writing
    "help": {"en": "help", "hi": "मदद", "hi-latn": "madad chahiye", "or": "ସାହାଯ୍ୟ", "or-latn": "sahajya darkar"},
    "greet": {"en": "hi", "hi": "नमस्ते", "hi-latn": "namaste ji", "or": "ନମସ୍କାର", "or-latn": "namaskar"},
    "about": {"en": "what is the fee?", "hi": "फीस कितनी लगेगी?", "hi-latn": "iska fees kitna hai?", "or": "ଫି କେତେ?",
              "or-latn": "kete taka lagiba"},
    "status": {"en": f"STATUS {UNKNOWN}", "hi": f"स्थिति {UNKNOWN}", "hi-latn": f"status {UNKNOWN}", "or": f"ସ୍ଥିତି {UNKNOWN}",
               "or-latn": f"status {UNKNOWN}"},
    "list": {"en": "my applications", "hi": "मेरे आवेदन दिखाओ", "hi-latn": "meri applications dikhao", "or": "ମୋ ଆବେଦନ ଦେଖାନ୍ତୁ",
             "or-latn": "mo abedan dekhantu"},
}
# "Talk to a person" is not among them: it ends the form and opens a conversation with the office
# (tests/e2e/test_handoff.py).
ANSWERED_BY = {"help": "utter_form_continue", "greet": "utter_form_greet", "status": "utter_unknown_reference",
               "list": "utter_no_cases"}
# A change of language mid-form: to another language and back, in the form's own way of writing.
SWITCH = {  # form -> (the language switched to, how it is asked, how the way back is asked)
    "en": ("hi", "hindi mein baat karo", "English please"),
    "hi": ("en", "English please", "हिंदी में बात करो"),
    "hi-latn": ("en", "English please", "hindi mein baat karo"),
    "or": ("en", "English please", "ଓଡ଼ିଆରେ କୁହନ୍ତୁ"),
    "or-latn": ("en", "English please", "odia re kuhantu"),
}
CANCEL = {"en": "cancel", "hi": "रद्द करो", "hi-latn": "cancel karo", "or": "ବାତିଲ କରନ୍ତୁ", "or-latn": "batil karantu"}
NAMES = {"en": "Ravi Kumar", "hi": "रवि कुमार", "hi-latn": "Ravi Kumar", "or": "ରବି କୁମାର", "or-latn": "Ravi Kumar"}
CERTIFICATE = ["cert_ask.applicant_name", "cert_ask.guardian_name", "cert_ask.place"]
GUARDIAN = {"en": "Gopal Behera", "hi": "गोपाल बेहरा", "hi-latn": "Gopal Behera", "or": "ଗୋପାଳ ବେହେରା", "or-latn": "Gopal Behera"}
# service -> how it is asked for, its first three questions, its first two answers, and its answer
# to "what is the fee?"
SERVICES = {
    "grievance": {
        "start": {"en": "I want to file a complaint", "hi": "मुझे शिकायत दर्ज करनी है", "hi-latn": "mujhe shikayat karni hai",
                  "or": "ମୁଁ ଅଭିଯୋଗ କରିବାକୁ ଚାହେଁ", "or-latn": "mu abhijoga karibi"},
        "questions": ["utter_ask_grievance_category", "utter_ask_grievance_description", "utter_ask_grievance_ward"],
        "answers": [{"*": "1"}, {"en": "garbage has not been picked up for a week", "hi": "एक हफ्ते से कचरा नहीं उठा",
                                 "hi-latn": "ek hafte se kachra nahi utha", "or": "ଏକ ସପ୍ତାହ ହେଲା ଅଳିଆ ଉଠାଯାଇନାହିଁ",
                                 "or-latn": "eka saptaha hela alia uthajaini"}],
        "about": "utter_about_grievance",
    },
    "desludging": {
        "start": {"en": "septic tank cleaning", "hi": "सेप्टिक टैंक साफ़ करवाना है", "hi-latn": "septic tank saaf karwana hai",
                  "or": "ସେପ୍ଟିକ ଟ୍ୟାଙ୍କ ସଫା କରିବାକୁ ଅଛି", "or-latn": "septic tank safa karibaku achhi"},
        "questions": ["utter_ask_desludging_name", "utter_ask_desludging_property_type", "utter_ask_desludging_sanitation_type"],
        "answers": [{"en": "Sabitri Behera", "hi": "सुनीता देवी", "hi-latn": "Sunita Devi", "or": "ସବିତ୍ରୀ ବେହେରା",
                     "or-latn": "Sabitri Behera"}, {"*": "1"}],
        "about": "utter_about_desludging",
    },
    "income": {
        "start": {"en": "I want an income certificate", "hi": "आय प्रमाण पत्र चाहिए", "hi-latn": "aay praman patra chahiye",
                  "or": "ଆୟ ପ୍ରମାଣପତ୍ର ଦରକାର", "or-latn": "aay praman patra darkar"},
        "questions": CERTIFICATE, "answers": [NAMES, GUARDIAN], "about": "utter_certificate_fee",
    },
    "caste": {
        "start": {"en": "I need a caste certificate", "hi": "जाति प्रमाण पत्र चाहिए", "hi-latn": "jati praman patra chahiye",
                  "or": "ଜାତି ପ୍ରମାଣପତ୍ର ଦରକାର", "or-latn": "jati praman patra darkar"},
        "questions": CERTIFICATE, "answers": [NAMES, GUARDIAN], "about": "utter_certificate_fee",
    },
    "residence": {
        "start": {"en": "residence certificate", "hi": "निवास प्रमाण पत्र चाहिए", "hi-latn": "niwas praman patra chahiye",
                  "or": "ନିବାସ ପ୍ରମାଣପତ୍ର ଦରକାର", "or-latn": "nibas praman patra darkar"},
        "questions": CERTIFICATE, "answers": [NAMES, GUARDIAN], "about": "utter_certificate_fee",
    },
    "birth": {
        "start": {"en": "I need a birth certificate", "hi": "जन्म प्रमाण पत्र चाहिए", "hi-latn": "janm praman patra chahiye",
                  "or": "ଜନ୍ମ ପ୍ରମାଣପତ୍ର ଦରକାର", "or-latn": "janma praman patra darkar"},
        "questions": ["cert_ask.child_name", "cert_ask.date_of_birth", "cert_ask.place_of_birth"],
        "answers": [NAMES, {"en": "15-08-2025", "hi": "15-08-2025", "hi-latn": "15 august 2025", "or": "15-08-2025",
                            "or-latn": "15-08-2025"}],
        "about": "utter_certificate_fee_free",
    },
    "trade_licence": {
        "start": {"en": "I need a trade licence for my shop", "hi": "मुझे दुकान का लाइसेंस चाहिए", "hi-latn": "trade licence chahiye",
                  "or": "ଦୋକାନ ଲାଇସେନ୍ସ ଦରକାର", "or-latn": "trade licence darkar"},
        "questions": ["cert_ask.licensee_name", "cert_ask.business_name", "cert_ask.trade"],
        "answers": [NAMES, {"en": "Ravi General Store", "hi": "रवि जनरल स्टोर", "hi-latn": "Ravi General Store",
                            "or": "ରବି ଜେନେରାଲ ଷ୍ଟୋର", "or-latn": "Ravi General Store"}],
        "about": "utter_certificate_fee",
    },
    "water_tanker": {
        "start": {"en": "I need a water tanker", "hi": "मुझे पानी का टैंकर चाहिए", "hi-latn": "pani tanker chahiye",
                  "or": "ମୋତେ ପାଣି ଟ୍ୟାଙ୍କର ଦରକାର", "or-latn": "mote pani tanker darkar"},
        "questions": ["cert_ask.booking_name", "cert_ask.tanker_size", "cert_ask.delivery_place"],
        "answers": [{"en": "Lipika Das", "hi": "लिपिका दास", "hi-latn": "Lipika Das", "or": "ଲିପିକା ଦାସ", "or-latn": "Lipika Das"},
                    {"*": "2"}],
        "about": "utter_about_fee_varies",  # the size sets the charge, and it is not chosen yet
    },
}
FORMS = ["en", "hi", "hi-latn", "or", "or-latn"]
ROWS = [(service, form) for service in SERVICES for form in FORMS]


def opening(key: str, form: str) -> str:
    """A reply's longest run of fixed words as WhatsApp shows them (no value, no line break)."""
    entry = load_catalog(form.split("-")[0])[key]
    entry = {"text": entry} if isinstance(entry, str) else entry
    text = entry.get(variant_for_channel(CHANNEL) or "text") or entry["text"]
    runs = [run.strip() for part in re.split(r"\{[^}]*\}", text) for run in part.split("\n")]
    words = max(runs, key=len)[:40]
    assert len(words) >= 8, (key, words)  # enough to tell one reply from another
    return words


def expect(replies: list[str], *keys: str, form: str) -> None:
    said = "\n".join(replies)
    for key in keys:
        assert opening(key, form) in said, (key, said)


def says(phone, text: str, *keys: str, form: str) -> list[str]:  # noqa: ANN001
    """Sends and waits for the replies that hold every key's words (at most 20 s), then checks them."""
    wanted = [opening(key, form) for key in keys]
    replies = phone.say(text, until=lambda got: all(w in "\n".join(got) for w in wanted))
    expect(replies, *keys, form=form)
    return replies


def answers_kept(stack, phone) -> dict:  # noqa: ANN001
    """The conversation's slots, read from Rasa (a WhatsApp conversation is named as Twilio names the sender)."""
    response = httpx.get(f"{stack.config.rasa_url}/conversations/{quote(phone.address, safe=':+')}/tracker",
                         params={"token": stack.config.rasa_token}, timeout=30)
    response.raise_for_status()
    return response.json()["slots"]


@pytest.mark.parametrize(("service", "form"), ROWS, ids=[f"{s}-{f}" for s, f in ROWS])
def test_every_interruption_at_two_questions_keeps_the_answers(stack, twilio, service, form):
    row = SERVICES[service]
    number = f"+9194379{ROWS.index((service, form)):05d}"  # numbers no other test uses
    phone = twilio.text("whatsapp", number)
    ask = row["questions"]
    answered = {**ANSWERED_BY, "about": row["about"]}
    other, there, back = SWITCH[form]

    says(phone, row["start"][form], ask[0], form=form)
    for step in (0, 1):
        for kind, typed in INTERRUPTIONS.items():
            says(phone, typed[form], answered[kind], ask[step], form=form)
        says(phone, there, "utter_language_changed", ask[step], form=other)
        says(phone, back, "utter_language_changed", ask[step], form=form)
        answer = row["answers"][step]
        says(phone, answer.get(form, answer.get("*")), ask[step + 1], form=form)
    slots = answers_kept(stack, phone)
    # every form (a complaint too) keeps its answers in one slot, by field
    kept = {field: value for field, value in (slots.get("service_answers") or {}).items() if not field.startswith("_")}
    first = row["answers"][0]
    assert len(kept) == 2 and first.get(form, first.get("*")) in kept.values(), kept
    says(phone, CANCEL[form], "utter_cancelled", form=form)
    assert answers_kept(stack, phone).get("requested_slot") is None


def test_an_answer_changed_in_words_at_the_summary_keeps_every_other_answer(stack, twilio):
    """The issue's own words at the desludging summary on WhatsApp: the new name is taken from the
    same message and the summary comes back with it and everything else as it was; a correction
    without the new answer asks it again."""
    phone = twilio.text("whatsapp", "+919437900101")
    for said in ("my septic tank is full", "Sabitri Behera", "1", "1", "2000", "2", "ward 12", "behind the Ram Mandir",
                 "751007", "2", "tomorrow"):
        phone.say(said)
    assert "Rs 2,000" in "\n".join(phone.say("1"))  # the summary
    summary = "\n".join(phone.say("change the name to Pradeep Rout"))
    assert summary.startswith(render("utter_form_corrected", "en", "twilio_whatsapp", field="")["text"].split(":")[0]), summary
    for kept in ("Pradeep Rout", "ward 12, Bhubaneswar", "behind the Ram Mandir", "751007", "Rs 2,000"):
        assert kept in summary, (kept, summary)
    assert "Sabitri" not in summary
    expect(phone.say("the PIN is wrong"), "utter_form_correct", "utter_ask_desludging_pin", form="en")
    assert "751012" in "\n".join(phone.say("751012"))


def test_a_certificate_answer_changed_in_latin_hindi_by_sms(stack, twilio):
    phone = twilio.text("sms", "+919437900102")
    for said in ("niwas praman patra chahiye", "Ramesh Kumar", "Suresh Kumar", "Sarakana"):
        phone.say(said)
    assert "Suresh Kumar" in "\n".join(phone.say("20"))  # the summary: SMS carries no files, so no documents asked
    changed = "\n".join(phone.say("pita ka naam galat hai, badalna hai"))
    asked = render("cert_ask.guardian_name", "hi", TWILIO_SMS, latin_sms=True)["text"]
    assert asked in changed and "badal" in changed, changed  # the guardian's name asked again, in Latin letters
    summary = "\n".join(phone.say("Suresh Prasad"))
    for kept in ("Ramesh Kumar", "Suresh Prasad", "Sarakana", "20"):
        assert kept in summary, (kept, summary)


CATEGORY_WORD = {"en": "garbage", "hi": "कचरा", "hi-latn": "kachra", "or": "ଅଳିଆ", "or-latn": "alia"}


@pytest.mark.parametrize("form", FORMS)
def test_the_help_lists_numbers_work_and_a_category_word_alone_opens_a_complaint(stack, twilio, form):
    """Found in the play-test: "1" after the numbered help list showed the help again, and "कचरा"
    alone as a first message was heard as yes and answered with help."""
    phone = twilio.text("whatsapp", f"+91943791{FORMS.index(form):04d}")
    expect(phone.say(INTERRUPTIONS["help"][form]), "utter_help", form=form)
    expect(phone.say("3"), "utter_ask_desludging_name", form=form)  # the help's third line: septic tank emptying
    word = twilio.text("whatsapp", f"+91943791{FORMS.index(form) + 10:04d}")
    expect(word.say(CATEGORY_WORD[form]), "utter_ask_grievance_description", form=form)  # garbage, chosen by its word


# service -> the answers of its whole form by SMS (no files there), the first one its applicant's
# name; the summary follows the last. A value is the same in every form of writing unless it varies.
WARD = {"en": "ward 12", "hi": "वार्ड 12", "hi-latn": "ward 12", "or": "ୱାର୍ଡ 12", "or-latn": "ward 12"}
LANDMARK = {"en": "behind the Ram Mandir", "hi": "राम मंदिर के पीछे", "hi-latn": "ram mandir ke peeche",
            "or": "ରାମ ମନ୍ଦିର ପଛରେ", "or-latn": "ram mandira pachhare"}
SMS_SUMMARY_LEAVES_OUT: dict[str, dict[str, str]] = {}  # answers a service's SMS summary leaves out
SHOWN_AS_TYPED = {"desludging": ["751007"]}  # numbers a summary shows as they were typed (the PIN)
TOMORROW = {"en": "tomorrow", "hi": "कल", "hi-latn": "kal", "or": "କାଲି", "or-latn": "kali"}
WHOLE_FORMS = {
    "desludging": [NAMES, {"*": "1"}, {"*": "1"}, {"*": "2000"}, {"*": "2"}, WARD,
                   LANDMARK,
                   {"*": "751007"}, {"*": "2"}, TOMORROW,
                   {"*": "1"}],
    "income": [NAMES, GUARDIAN, WARD, {"*": "120000"}, {"*": "1"}, {"*": "1"}],  # then the normal lane, not Tatkal
    "caste": [NAMES, GUARDIAN, WARD, {"*": "1"}, {"en": "Pana", "hi": "पाण", "hi-latn": "Pana", "or": "ପାଣ", "or-latn": "Pana"}, {"*": "1"}],
    "residence": [NAMES, GUARDIAN, WARD, {"*": "20"}],
    "birth": [NAMES, {"*": "15-08-2025"}, WARD,
              {"en": "Sita Devi", "hi": "सीता देवी", "hi-latn": "Sita Devi", "or": "ସୀତା ଦେବୀ", "or-latn": "Sita Devi"}, GUARDIAN],
    "trade_licence": [NAMES, SERVICES["trade_licence"]["answers"][1], {"*": "1"}, WARD, {"*": "200"}],
    "water_tanker": [NAMES, {"*": "2"}, WARD, LANDMARK],
}
RENAMED = {"en": "Pradeep Rout", "hi": "प्रदीप राउत", "hi-latn": "Pradeep Rout", "or": "ପ୍ରଦୀପ ରାଉତ", "or-latn": "Pradeep Rout"}
CHANGE_THE_NAME = {  # "change the name to Pradeep Rout", as each form writes it
    "en": "change the name to Pradeep Rout", "hi": "नाम प्रदीप राउत कर दो", "hi-latn": "naam Pradeep Rout kar do",
    "or": "ନାମ ପ୍ରଦୀପ ରାଉତ କରନ୍ତୁ", "or-latn": "nama Pradeep Rout karantu",
}
SUMMARY_ROWS = [(service, form) for service in WHOLE_FORMS for form in FORMS]


@pytest.mark.parametrize(("service", "form"), SUMMARY_ROWS, ids=[f"{s}-{f}" for s, f in SUMMARY_ROWS])
def test_the_name_changed_in_words_at_every_summary_keeps_every_other_answer(stack, twilio, service, form):
    """At each service's summary, by SMS in every form of writing: the new name is taken from the
    same message and the summary comes back with it, the name no longer the old one, and every
    other answer as it was."""
    phone = twilio.text("sms", f"+9194378{SUMMARY_ROWS.index((service, form)):05d}")  # numbers no other test uses
    phone.say(SERVICES[service]["start"][form])
    given = [answer.get(form, answer.get("*")) for answer in WHOLE_FORMS[service]]
    for answer in given[:-1]:
        phone.say(answer)
    # the answers a summary shows as they were typed (a ward, a day, a number or a choice it words its own way)
    as_typed = [a for a in given[1:] if any(c.isalpha() for c in a) and a not in (*WARD.values(), *TOMORROW.values())
                and a not in SMS_SUMMARY_LEAVES_OUT.get(service, {}).values()] + SHOWN_AS_TYPED.get(service, [])
    assert as_typed, given
    summary = "\n".join(phone.say(given[-1], until=lambda got: as_typed[-1] in "\n".join(got)))
    assert all(answer in summary for answer in [given[0], *as_typed]), summary
    changed = "\n".join(phone.say(CHANGE_THE_NAME[form], until=lambda got: RENAMED[form] in "\n".join(got)))
    assert RENAMED[form] in changed and given[0] not in changed, changed
    assert all(answer in changed for answer in as_typed), changed


def test_which_answer_to_change_by_its_number_by_sms(stack, twilio):
    """The summary's third choice asks which answer, numbered; a number picks it (the same choice a
    keypad-only caller makes), and the summary comes back with the new answer and the rest kept."""
    phone = twilio.text("sms", "+919437900103")
    for said in ("I need a residence certificate", "Ravi Kumar", "Gopal Behera", "ward 12"):
        phone.say(said)
    summary = "\n".join(phone.say("20", until=lambda got: "Gopal Behera" in "\n".join(got)))
    assert "Change an answer" in summary, summary
    which = "\n".join(phone.say("3", until=lambda got: "4. " in "\n".join(got)))
    assert "2. Father, mother or husband" in which and "Shall I submit" not in which, which
    says(phone, "2", "cert_ask.guardian_name", form="en")
    summary = "\n".join(phone.say("Gopal Rout", until=lambda got: "Gopal Rout" in "\n".join(got)))
    assert all(kept in summary for kept in ("Ravi Kumar", "Gopal Rout", "ward 12, Bhubaneswar", "20")), summary

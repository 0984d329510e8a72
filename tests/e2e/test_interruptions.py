"""Interruptions in the middle of every kind of form, through the running bot on WhatsApp (Twilio's
webhook, a trained model): for each service and each form of writing, two interruptions at two
different questions. Each row asserts the interruption's own answer, the same question asked
again, and that the form then goes on to the next question with the earlier answers kept.
The words expected are read from locales/, so a reworded reply does not break the table."""

import re

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
ANSWERED_BY = {"help": "utter_form_continue", "greet": "utter_form_greet", "status": "utter_unknown_reference",
               "list": "utter_no_cases"}
# service -> how it is asked for, its first three questions, two answers, and its answer to "what is the fee?"
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
        "questions": ["cert_ask.applicant_name", "cert_ask.guardian_name", "cert_ask.place"],
        "answers": [{"en": "Ravi Kumar", "hi": "रवि कुमार", "hi-latn": "Ravi Kumar", "or": "ରବି କୁମାର", "or-latn": "Ravi Kumar"},
                    {"en": "Gopal Behera", "hi": "गोपाल बेहरा", "hi-latn": "Gopal Behera", "or": "ଗୋପାଳ ବେହେରା",
                     "or-latn": "Gopal Behera"}],
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
KINDS = list(INTERRUPTIONS)
ROWS = [(service, form, KINDS[(i + j) % len(KINDS)], KINDS[(i + j + 2) % len(KINDS)])
        for i, service in enumerate(SERVICES) for j, form in enumerate(FORMS)]


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


@pytest.mark.parametrize(("service", "form", "first", "second"), ROWS, ids=[f"{s}-{f}-{a}-{b}" for s, f, a, b in ROWS])
def test_an_interruption_is_answered_and_the_same_question_asked_again(stack, twilio, service, form, first, second):
    row = SERVICES[service]
    phone = twilio.text("whatsapp", f"+9194379{ROWS.index((service, form, first, second)):05d}")  # numbers no other test uses
    ask = row["questions"]

    def answered(kind: str) -> str:
        return row["about"] if kind == "about" else ANSWERED_BY[kind]

    expect(phone.say(row["start"][form]), ask[0], form=form)
    expect(phone.say(INTERRUPTIONS[first][form]), answered(first), ask[0], form=form)
    answer = row["answers"][0]
    expect(phone.say(answer.get(form, answer.get("*"))), ask[1], form=form)
    expect(phone.say(INTERRUPTIONS[second][form]), answered(second), ask[1], form=form)
    answer = row["answers"][1]
    expect(phone.say(answer.get(form, answer.get("*"))), ask[2], form=form)  # both answers kept: the form goes on


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

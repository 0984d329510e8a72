"""Officials and operators act from their phones, through the same Twilio channels citizens reach:
an alert's numbers take its actions; an official resolves a complaint with a photo and the citizen
receives the photo with the resolution; an operator accepts a job and records the disposal in words;
an official outside the case's area is refused; a pending list on SMS, in English."""

import re

import httpx
from sqlalchemy import select
from sqlalchemy.orm import selectinload

import locales
from common.references import spelled_references
from locales.voice_audio import voice_template
from backend.db import get_session_factory
from backend.models import Case
from tests.e2e.conftest import arrived, case_in_database, desludging_filed, filed
from tests.conftest import complaint_body


def _with_history(stack, reference: str) -> Case:  # noqa: ANN001
    with get_session_factory(stack.config.effective_database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference).options(selectinload(Case.history)))
        session.expunge(case)
        return case


def _alert_for(phone, reference: str) -> str:  # noqa: ANN001
    received = phone.wait_for_replies(until=lambda said: any(reference in s for s in said))
    return next(s for s in received if reference in s)


def test_an_official_resolves_with_a_photo_on_whatsapp_and_the_citizen_receives_it(stack, twilio):  # noqa: ANN001
    official = twilio.text("whatsapp", "+919437200105")  # BMC-ENG-S: engineering, wards 34-67, English
    official.inbox()  # what earlier tests sent them is read already
    citizen = twilio.text("whatsapp", "+919437700201")
    reference = filed(stack, "certificates", complaint_body(
        "pothole on the road", "Deep pothole in front of the school gate", "BMC-W40", "whatsapp:+919437700201",
        channel="twilio_whatsapp"))
    alert = _alert_for(official, reference)
    assert "Reply: 1 Resolve · 2 Reject · 0 Your list" in alert, alert
    asked = official.say("1")
    assert reference in asked[0] and "photo" in asked[0], asked
    done = official.say("Filled and levelled this morning", media=[(official.sample_photo_url(), "image/jpeg")])
    assert done[0].startswith(f"Done: {reference}"), done
    case = _with_history(stack, reference)
    assert case.state == "RESOLVED" and case.details["proof_photo"].endswith((".jpg", ".png"))
    assert case.history[-1].actor_id == "BMC-ENG-S" and case.history[-1].reason == "Filled and levelled this morning"

    resolved = arrived(citizen, lambda m: reference in m["body"] and m["media_url"])
    assert "/p/" in resolved["media_url"] and resolved["content_sid"] == "HX0000000000000000000000000000en02"  # as its template
    photo = httpx.get(resolved["media_url"], timeout=10)  # the link Twilio fetches the photo from
    assert photo.status_code == 200 and photo.content


def test_an_operator_accepts_and_records_the_disposal_on_whatsapp(stack, twilio):  # noqa: ANN001
    operator = twilio.text("whatsapp", "+919437300101")  # OP-BMC-01, Odia
    operator.inbox()
    reference = desludging_filed(stack, "+919437700202", "or", name="Sabitri Behera", place="ward 12",
                                 landmark="near the Ram Mandir")
    alert = _alert_for(operator, reference)
    assert "1 କାମ ଗ୍ରହଣ କରନ୍ତୁ" in alert, alert  # "1 Accept the job", in the operator's Odia
    accepted = operator.say("1")
    assert reference in accepted[0] and case_in_database(stack, reference).state == "IN_PROGRESS", accepted
    listed = operator.say("baki")  # "pending", Odia in Latin letters
    number = next(line.split(".")[0] for line in listed[0].splitlines() if reference in line)
    opened = operator.say(number)
    assert opened[0].startswith(reference), opened
    label = locales.render("console.action.DISPOSE", "or")["text"]
    dispose = next(part[: -len(label)].split()[-1] for part in opened[0].split(" · ") if part.endswith(label))
    plants = operator.say(dispose)
    assert "ବସୁଆଘାଇ" in plants[0], plants
    done = operator.say("1900 litres at Basuaghai")
    assert reference in done[0], done
    case = case_in_database(stack, reference)
    assert case.state == "DISPOSED" and case.details["disposal"]["volume_litres"] == 1900


def test_an_official_outside_the_area_is_refused_and_the_list_comes_by_sms(stack, twilio):  # noqa: ANN001
    reference = filed(stack, "certificates", complaint_body(
        "pothole on the road", "Pothole near the bus stop", "BMC-W41", "whatsapp:+919437700203", channel="twilio_whatsapp"))
    electrical = twilio.text("sms", "+919437200103")  # BMC-ELE-01: electrical, not roads
    electrical.inbox()
    refused = electrical.say(f"STATUS {reference}")
    assert refused[0].startswith("Refused: this case belongs to another department"), refused
    assert "Pothole" not in refused[0] and "+9194377" not in refused[0]
    assert case_in_database(stack, reference).state == "PENDING_AT_OFFICIAL"
    listed = electrical.say("pending")
    assert listed[0].startswith(("Waiting for you", "Nothing waits for you")), listed



def _heard(turn) -> str:  # noqa: ANN001
    return " ".join(turn.spoken)


def _number_of(turn, reference: str) -> str:  # noqa: ANN001
    """The case's number in a list read out: said just before its reference (spelled out)."""
    spelled = spelled_references(reference)
    said = [s.split("] ", 1)[1] for s in turn.spoken]
    at = next(i for i, s in enumerate(said) if spelled in s)
    line = said[at] if ":" in said[at].split(spelled)[0] else said[at - 1]  # one sentence, or a Say of its own
    return line.split(":")[0].strip(" .")


def _called(twilio, phone: str, channel: str):  # noqa: ANN001, ANN202
    """A staff member's call, past its code: the one-time code read from their WhatsApp or SMS and keyed in."""
    messages = twilio.text(channel, phone)
    messages.inbox()
    caller = twilio.voice(phone)
    asked = caller.dial()
    assert asked.gather_action and not any(s.startswith("[hi-IN] आपके") for s in asked.spoken), asked.spoken
    code_in = re.compile(r"(?<![-\d])\d{6}(?![-\d])")  # six digits, not a reference's last six (GRV-2026-000017)
    code = code_in.search(arrived(messages, lambda m: code_in.search(m["body"]))["body"]).group()
    return caller, caller.press(code)


def test_an_official_calls_keys_the_code_and_rejects_by_keypad_with_a_spoken_reason(stack, twilio):  # noqa: ANN001
    """BMC-ENG-N (engineering, wards 1-33) calls in Hindi: no language menu, a code to their WhatsApp, their list."""
    reference = filed(stack, "certificates", complaint_body(
        "drainage", "Railway culvert blocked under the line", "BMC-W20", "whatsapp:+919437700204", channel="twilio_whatsapp"))
    official, greeted = _called(twilio, "+919437200104", "whatsapp")
    heard = _heard(greeted)
    assert heard.startswith("[hi-IN] धन्यवाद") and "बाकी मामलों की संख्या" in heard, heard
    assert greeted.gather_input == "dtmf"  # keys only: a spoken "one" is no "1"
    opened = official.press(_number_of(greeted, reference))
    assert "Railway culvert blocked" in _heard(opened) and "चुनने के लिए दबाएँ" in _heard(opened), opened.spoken
    reject = next(said.split("] ", 1)[1].split(":")[0] for said in opened.spoken if "अस्वीकार करें" in said)
    asked = official.press(reject)
    assert "कारण बोलें" in _heard(asked) and asked.gather_input == "dtmf speech", asked.spoken
    silent = official.silence()  # nothing said: the question again, still awaiting words
    assert "कारण बोलें" in _heard(silent) and silent.gather_input == "dtmf speech", silent.spoken
    heard_back = official.speak("यह नाला रेलवे का है, उन्हें लिखा गया है")
    assert "मैंने कारण यह सुना: यह नाला रेलवे का है" in _heard(heard_back), heard_back.spoken
    assert case_in_database(stack, reference).state == "PENDING_AT_OFFICIAL"  # not before it is confirmed
    done = official.press("1")
    assert "हो गया" in _heard(done), done.spoken
    case = _with_history(stack, reference)
    assert case.state == "REJECTED" and case.history[-1].actor_id == "BMC-ENG-N"
    assert case.history[-1].reason == "यह नाला रेलवे का है, उन्हें लिखा गया है"


def test_an_odia_operator_accepts_and_records_the_disposal_by_keypad_on_a_call(stack, twilio):  # noqa: ANN001
    """Odia: the fixed words are recorded prompts, the values (references, choices) read in Latin letters."""
    reference = desludging_filed(stack, "+919437700205", "or", name="Kuni Sahu", place="ward 14", landmark="near the water tank")
    phones = {"OP-BMC-01": ("+919437300101", "whatsapp"), "OP-BMC-02": ("+919437300102", "sms")}
    operator, greeted = _called(twilio, *phones[case_in_database(stack, reference).assignee_id])
    assert "[recording] ଧନ୍ୟବାଦ" in _heard(greeted) and "ମାମଲା ବାକି ଅଛି" in _heard(greeted), greeted.spoken
    opened = operator.press(_number_of(greeted, reference))
    assert "[recording] ବାଛିବାକୁ ଦବାନ୍ତୁ:" in _heard(opened), opened.spoken

    def number_for(turn, action: str) -> str:  # noqa: ANN001 - the action's name is recorded, its number said before it
        label = f"[recording] {voice_template(f'console.action.{action}', 'or')}"
        at = turn.spoken.index(label)
        return turn.spoken[at - 1].split("] ", 1)[1].strip(" :।")

    confirm = operator.press(number_for(opened, "ACCEPT"))
    assert "ନିଶ୍ଚିତ କରିବାକୁ 1 ଦବାନ୍ତୁ" in _heard(confirm), confirm.spoken
    accepted = operator.press("1")
    assert "[recording] ହୋଇଗଲା:" in _heard(accepted), accepted.spoken
    assert case_in_database(stack, reference).state == "IN_PROGRESS"
    listed = operator.press("0")
    opened = operator.press(_number_of(listed, reference))
    plants = operator.press(number_for(opened, "DISPOSE"))
    assert "ପ୍ଲାଣ୍ଟର କ୍ରମ ସଂଖ୍ୟା ଦବାନ୍ତୁ:" in _heard(plants) and "Basuaghai" in _heard(plants), plants.spoken
    litres = operator.press("1")  # Basuaghai, the first of the town's plants
    assert "କୀପ୍ୟାଡରେ ସଂଖ୍ୟା ଦବାନ୍ତୁ" in _heard(litres), litres.spoken
    confirm = operator.press("1900")
    assert "[en-IN] 1900" in confirm.spoken and "[en-IN] Basuaghai FSTP" in confirm.spoken, confirm.spoken  # read back
    done = operator.press("1")
    assert "[recording] ହୋଇଗଲା:" in _heard(done), (confirm.spoken, done.spoken)
    case = case_in_database(stack, reference)
    assert case.state == "DISPOSED" and case.details["disposal"]["volume_litres"] == 1900
    assert case.details["disposal"]["plant"] == "BMC-FSTP-BASUAGHAI"

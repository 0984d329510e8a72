"""Certificates through the backend API on SQLite and PostgreSQL (the catalog itself: test_catalog.py):
applying with answers checked again; routing to
the processing office; payment; the office's queue (Tatkal first, then first in, first out) and its
refusal to act out of order without a reason; issue, PDF, and the public check of genuine,
tampered, revoked and unknown certificates."""
import io
import json
import unicodedata
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from backend.api.deps import get_now
from backend.db import get_session_factory
from backend.models import Case, OutboxMessage, Payment
from backend.payment_providers.sandbox import sign as webhook_signature
from backend.services import certificate_signing
from backend.settings import get_settings
from backend.sweeper import sweep_once
from tests.conftest import NOW, complaint_body, in_turn, sign_in_staff, staff_of_office

PHONE = "+919812300001"
INCOME = {"applicant_name": "Sabitri Behera", "guardian_name": "Raghunath Behera", "place": "ସରକଣା",
          "annual_income": "85,000", "purpose": "1"}


@pytest.fixture(autouse=True)
def signing_key(settings, tmp_path):
    settings.certificate_key_file = tmp_path / "keys" / "certificate.pem"


def _apply(client, auth, certificate_type="income", answers=INCOME, **changes):
    body = {"certificate_type": certificate_type, "answers": answers, "citizen_phone": f"whatsapp:{PHONE}",
            "language": "or", "channel": "twilio_whatsapp", **changes}
    response = client.post("/api/v1/certificates", json=body, headers=in_turn(client, body["citizen_phone"]))
    assert response.status_code == 201, response.text
    return response.json()


def _pay(client, settings, reference):
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        payment = session.scalars(select(Payment).where(Payment.case_id == case.id)).first()
    event = json.dumps({"payment_id": payment.id, "provider_payment_id": f"pay-{reference}", "amount_paise": payment.amount_paise,
                        "status": "captured"}).encode()
    response = client.post("/api/v1/payments/webhook", content=event, headers={"X-Sandbox-Signature": webhook_signature(settings, event)})
    assert response.json()["case_paid"] is True


def _act(client, auth, reference, action, role, **body):
    """The step by the office's own staff member with that role, signed in."""
    settings = client.app.dependency_overrides[get_settings]()
    headers = sign_in_staff(client, settings, staff_of_office(settings, reference, role))
    return client.post(f"/api/v1/certificates/{reference}/actions", headers=headers, json={"action": action, **body})


@pytest.mark.parametrize(
    "code, field, answer, value",
    [
        ("income", "annual_income", "₹ ८५,०००", 85000), ("income", "annual_income", "85000 rupees", 85000),
        ("income", "purpose", "scholarship ke liye", "education"), ("income", "purpose", "୨", "job"),
        ("caste", "category", "अनुसूचित जनजाति", "st"), ("caste", "category", "OBC", "obc"),
        ("birth", "date_of_birth", "14/08/2026", "2026-08-14"), ("birth", "date_of_birth", "१४ अगस्त 2026", "2026-08-14"),
        ("residence", "years_resident", "12", 12),
        # numbers in words and the words around them, as people write and say them (issue 16)
        ("income", "annual_income", "dedh lakh", 150000), ("income", "annual_income", "साढ़े तीन लाख रुपये", 350000),
        ("income", "annual_income", "ଦୁଇ ଲକ୍ଷ", 200000), ("residence", "years_resident", "25 barsa hela", 25),
        ("residence", "years_resident", "पच्चीस साल", 25), ("residence", "years_resident", "twenty-five years", 25),
        ("birth", "date_of_birth", "पंद्रह अगस्त 2025", "2025-08-15"),
    ],
)
def test_answers_follow_the_definition(client, code, field, answer, value):
    response = client.post(f"/api/v1/certificates/services/{code}/answers/{field}", json={"q": answer, "language": "hi"})
    assert response.status_code == 200, response.text
    assert response.json()["value"] == value


@pytest.mark.parametrize(
    "code, field, answer",
    [("income", "annual_income", "a lot"), ("income", "annual_income", "-5"), ("residence", "years_resident", "300"),
     ("birth", "date_of_birth", "14/08/2030"), ("birth", "date_of_birth", "yesterday-ish"), ("caste", "category", "7"),
     ("income", "applicant_name", "12345"), ("income", "place", "Atlantis")],
)
def test_answers_that_break_the_rules_are_refused(client, code, field, answer):
    response = client.post(f"/api/v1/certificates/services/{code}/answers/{field}", json={"q": answer})
    assert response.status_code == 422 and response.json()["detail"] == {"code": "no_match", "field": field}


def test_routing_by_place_village_to_block_ward_to_town_and_residence_to_the_district(client, auth):
    assert _apply(client, auth)["office"] == "BLOCK-KHD-BALIANTA"
    urban = _apply(client, auth, answers={**INCOME, "place": "ward 18 Cuttack"})
    assert urban["office"] == "ULB-CMC" and "କଟକ" in urban["office_label"]  # named in the citizen's language
    residence = _apply(client, auth, "residence", {**{k: INCOME[k] for k in ("applicant_name", "guardian_name", "place")},
                                                   "years_resident": "20"})
    assert residence["office"] == "DISTRICT-KHORDHA"
    assert client.post("/api/v1/certificates", headers=in_turn(client, PHONE), json={
        "certificate_type": "income", "answers": {**INCOME, "annual_income": "lots"}, "citizen_phone": PHONE,
    }).json()["detail"] == {"code": "no_match", "field": "annual_income"}


TRADE = {"applicant_name": "Ramesh Sahu", "business_name": "Sahu Kirana Store", "trade": "1", "place": "ସରକଣା",
         "premises_area": "250 sq ft"}


def test_each_service_is_its_own_queue_at_an_office(client, auth, settings, app, staff):
    """A trade licence does not wait behind the income certificates filed before it at the block."""
    app.dependency_overrides[get_now] = lambda: NOW
    income = _apply(client, auth)["reference"]
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(minutes=5)
    licence = _apply(client, auth, certificate_type="trade_licence", answers=TRADE)
    assert licence["reference"].startswith("TRL-") and licence["fee_rupees"] == 500
    for reference in (income, licence["reference"]):
        _pay(client, settings, reference)
    staff("BALIANTA-CRT-VER")
    queue = lambda **service: [q["reference"] for q in client.get(  # noqa: E731
        "/api/v1/certificates/queue", params={"office": "BLOCK-KHD-BALIANTA", **service}).json()]
    assert (queue(), queue(service="trade_licence")) == ([income, licence["reference"]], [licence["reference"]])
    assert _act(client, auth, licence["reference"], "VERIFY", "VERIFIER").status_code == 200
    assert _act(client, auth, income, "VERIFY", "VERIFIER").status_code == 200  # the head of its own queue


def test_fifo_within_a_lane_and_the_tatkal_lane_first(client, auth, settings, app, staff):
    filed = []
    for i, tatkal in enumerate([False, False, True, False, True]):
        app.dependency_overrides[get_now] = lambda i=i: NOW + timedelta(minutes=i)
        application = _apply(client, auth, tatkal=tatkal)
        assert application["fee_rupees"] == (100 if tatkal else 30)
        filed.append(application["reference"])
    for j, reference in enumerate(reversed(filed)):  # paid in the opposite order: the queue follows payment time
        app.dependency_overrides[get_now] = lambda j=j: NOW + timedelta(minutes=10 + j)
        _pay(client, settings, reference)
    assert client.get("/api/v1/certificates/queue", params={"office": "BLOCK-KHD-BALIANTA"}, headers=auth).status_code == 401
    staff("BMC-CRT-VER")  # another office's verifier
    elsewhere = client.get("/api/v1/certificates/queue", params={"office": "BLOCK-KHD-BALIANTA"})
    assert elsewhere.status_code == 403 and elsewhere.json()["detail"]["code"] == "not_your_office"
    staff("BALIANTA-CRT-VER")
    queue = client.get("/api/v1/certificates/queue", params={"office": "BLOCK-KHD-BALIANTA"}).json()
    assert [(q["reference"], q["lane"]) for q in queue] == [
        (filed[4], "tatkal"), (filed[2], "tatkal"), (filed[3], "normal"), (filed[1], "normal"), (filed[0], "normal")]

    refused = _act(client, auth, filed[0], "VERIFY", "VERIFIER")
    assert refused.status_code == 409 and refused.json()["detail"] == {"code": "out_of_order", "head": filed[4]}
    assert _act(client, auth, filed[4], "VERIFY", "VERIFIER").status_code == 200
    cannot = _act(client, auth, filed[4], "APPROVE", "VERIFIER")  # a verifier cannot approve
    assert cannot.status_code == 403 and cannot.json()["detail"]["code"] == "wrong_role"
    elsewhere = client.post(f"/api/v1/certificates/{filed[4]}/actions", headers=staff("BMC-CRT-APP"), json={"action": "APPROVE"})
    assert elsewhere.status_code == 403 and elsewhere.json()["detail"]["code"] == "not_your_office"
    urgent = _act(client, auth, filed[0], "VERIFY", "VERIFIER", out_of_order_reason="Applicant's exam is tomorrow")
    assert urgent.status_code == 200
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == filed[0]))
        assert case.details["out_of_order"][0]["reason"] == "Applicant's exam is tomorrow"
        assert case.details["out_of_order"][0]["ahead"] == filed[2]
    remaining = client.get("/api/v1/certificates/queue", params={"office": "BLOCK-KHD-BALIANTA", "state": "PENDING_VERIFICATION"}).json()
    assert [q["reference"] for q in remaining] == [filed[2], filed[3], filed[1]]


def test_issue_then_check_genuine_tampered_revoked_and_unknown(client, auth, settings):
    reference = _apply(client, auth)["reference"]
    assert _act(client, auth, reference, "VERIFY", "VERIFIER").status_code == 409  # not paid yet: wrong state
    _pay(client, settings, reference)
    assert _act(client, auth, reference, "SEND_BACK", "VERIFIER").status_code == 422  # needs a reason
    assert _act(client, auth, reference, "VERIFY", "VERIFIER").status_code == 200
    assert _act(client, auth, reference, "APPROVE", "APPROVER").json()["state"] == "ISSUED"
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        payload = case.details["certificate"]["payload"]
        notices = [(m.locale_key, m.media_url) for m in session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == PHONE))]
    issued = [n for n in notices if n[0] == "utter_notify_certificate_issued"]
    assert issued and issued[0][1].startswith("http://testserver/c/")  # the PDF goes along on WhatsApp

    check = lambda **q: client.get("/api/v1/certificates/verify", params=q).json()  # noqa: E731
    genuine = check(payload=payload)
    assert (genuine["status"], genuine["reference"], genuine["name"]) == ("genuine", reference, "Sabitri Behera")
    head, claims, signature = payload.split(".")
    altered = json.loads(certificate_signing._unb64(claims))
    assert "Sabitri" not in json.dumps(altered, ensure_ascii=False)  # no name in a code that travels in URLs
    altered["t"] = "caste"
    forged = f"{head}.{certificate_signing._b64(json.dumps(altered, separators=(',', ':'), sort_keys=True).encode())}.{signature}"
    assert check(payload=forged)["status"] == "tampered"
    assert check(payload="SATHI1.garbage")["status"] == "tampered"
    other_key = tmp_key_payload(reference)
    assert check(payload=other_key)["status"] == "tampered"  # signed, but not by this office
    assert check(reference="CRT-2026-999999")["status"] == "unknown"
    assert check(reference=reference)["status"] == "genuine"
    page = client.get("/verify", params={"c": payload, "lang": "or"})
    assert page.status_code == 200 and reference in page.text and "Sabitri Behera" in page.text

    assert _act(client, auth, reference, "REVOKE", "APPROVER", reason="Income found to be wrong").json()["state"] == "REVOKED"
    assert check(payload=payload)["status"] == "revoked"
    assert client.get("/api/v1/certificates/public-key").json()["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")


def tmp_key_payload(reference: str) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return certificate_signing.sign(Path(folder) / "other.pem", {"v": 1, "r": reference})


def _pdf_text(client, settings, reference) -> str:
    from backend.services.certificates import download_token

    response = client.get(f"/c/{download_token(settings, reference)}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    # The second glyph of a split vowel sign reads as a zero-width space (certificate_pdf); the
    # reader's guesses at word gaps from glyph positions differ too, so spacing is not compared.
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


@pytest.mark.parametrize(
    "language, place, expected",
    [
        ("or", "ସରକଣା", ["ଆୟ ପ୍ରମାଣପତ୍ର", "ସାବିତ୍ରୀ ବେହେରା", "ଗୋପାଳ ବେହେରା", "ସରକଣା", "85,000", "କୋଡ"]),  # ୋ is two glyphs
        ("hi", "ward 18 Cuttack", ["आय प्रमाण पत्र", "सबितरी बेहेरा", "गोपाल बेहेरा", "कटक", "85,000", "प्रमाणित"]),
        ("en", "ward 12", ["INCOME CERTIFICATE", "Sabitri Behera", "Bhubaneswar", "85,000"]),
    ],
)
def test_the_pdf_carries_the_words_in_the_citizens_script(client, auth, settings, language, place, expected):
    name = {"or": "ସାବିତ୍ରୀ ବେହେରା", "hi": "सबितरी बेहेरा", "en": "Sabitri Behera"}[language]
    guardian = {"or": "ଗୋପାଳ ବେହେରା", "hi": "गोपाल बेहेरा", "en": "Gopal Behera"}[language]
    answers = {**INCOME, "applicant_name": name, "guardian_name": guardian, "place": place}
    reference = _apply(client, auth, answers=answers, language=language)["reference"]
    _pay(client, settings, reference)
    _act(client, auth, reference, "VERIFY", "VERIFIER")
    _act(client, auth, reference, "APPROVE", "APPROVER")
    text = _pdf_text(client, settings, reference)
    for words in expected + [reference]:
        assert words.replace(" ", "") in text, (words, text)
    assert all(unicodedata.category(c) != "Cc" for c in text)  # no stray codes where glyphs had no text
    assert client.get(f"/c/{reference}.0000").status_code == 404  # the link cannot be guessed


def test_odia_words_on_the_pdf_are_parted_by_a_space_wide_enough_to_read():
    """Lohit Odia's own space is an eighth of an em: between Odia words the Latin font's is used."""
    from backend.services.certificate_pdf import _RUN, _font_of

    runs = _RUN.findall("ଆୟ ପ୍ରମାଣପତ୍ର, ସରକଣା")
    assert runs == ["ଆୟ", " ", "ପ୍ରମାଣପତ୍ର", ", ", "ସରକଣା"] and _font_of(" ") == "latin"


def test_a_free_certificate_goes_straight_to_the_office(client, auth):
    birth = {"child_name": "Anita Behera", "date_of_birth": "14/08/2026", "place": "ward 12", "mother_name": "Sabitri Behera",
             "father_name": "Raghunath Behera"}
    filed = _apply(client, auth, "birth", birth, language="en")
    assert (filed["state"], filed["fee_rupees"], filed["payment_url"], filed["office"]) == ("PENDING_VERIFICATION", 0.0, None, "ULB-BMC")
    assert client.post("/api/v1/certificates", headers=in_turn(client, PHONE), json={
        "certificate_type": "birth", "answers": birth, "tatkal": True, "citizen_phone": PHONE}).json()["detail"]["code"] == "no_tatkal"


def test_keypad_digits_that_fit_two_services_find_the_callers_own_case(client, auth):
    complaint = client.post("/api/v1/certificates", headers=in_turn(client, "+919800000001"), json=complaint_body(
        "garbage", "Bins overflowing", "BMC-W12", "+919800000001")).json()
    certificate = _apply(client, auth)["reference"]
    assert complaint["reference"].endswith("-000001") and certificate.endswith("-000001")
    assert client.get("/api/v1/cases/2026000001").status_code == 404  # whose? not said to the public
    lookup = lambda phone: client.post("/api/v1/cases/lookup", headers=in_turn(client, phone),  # noqa: E731
                                       json={"reference": "2026000001#", "phone": phone}).json()
    assert lookup("+919800000001")["reference"] == complaint["reference"]
    assert lookup(f"whatsapp:{PHONE}")["reference"] == certificate
    assert lookup("+919000000000")["detail"]["code"] == "unknown_reference"


def test_a_returned_application_is_corrected_by_its_applicant_and_goes_to_the_back_of_the_queue(client, auth, settings, app):
    first, second = _apply(client, auth)["reference"], _apply(client, auth)["reference"]
    _pay(client, settings, first)
    _pay(client, settings, second)
    correct = lambda phone=PHONE, **answers: client.post(f"/api/v1/certificates/{first}/resubmit", headers=in_turn(client, phone),  # noqa: E731
                                                         json={"phone": phone, "answers": {**INCOME, **answers}})
    assert correct().json()["detail"]["code"] == "nothing_to_correct"  # not sent back
    assert _act(client, auth, first, "SEND_BACK", "VERIFIER", reason="Income proof missing").status_code == 200
    told = client.post(f"/api/v1/certificates/{first}/correction", headers=in_turn(client, PHONE), json={"phone": PHONE}).json()
    service = told.pop("service")  # the definition comes along, so the form that follows needs no other call
    assert told == {"reference": first, "certificate_type": "income", "reason": "Income proof missing"}
    assert service["code"] == "income" and [f["name"] for f in service["fields"]][0] == "applicant_name"
    assert correct(phone="+919000000000").json()["detail"]["code"] == "not_your_case"  # only the applicant
    assert correct(annual_income="lots").json()["detail"] == {"code": "no_match", "field": "annual_income"}
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=5)
    done = correct(annual_income="90000", place="ward 12")
    assert done.status_code == 200 and done.json()["state"] == "PENDING_VERIFICATION"
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == first))
        assert (case.details["answers"]["annual_income"], case.assignee_id, case.details["corrections"]) == (90000, "ULB-BMC", 1)
    assert _act(client, auth, second, "VERIFY", "VERIFIER").status_code == 200  # the Balianta queue no longer waits on it


def test_the_citizen_is_promised_the_services_days_tatkal_or_normal(client, auth, settings):
    normal, tatkal = _apply(client, auth)["reference"], _apply(client, auth, tatkal=True)["reference"]
    for reference in (normal, tatkal):
        _pay(client, settings, reference)
    due = lambda reference: client.get(f"/api/v1/cases/{reference}").json()["sla_due_at"][:10]  # noqa: E731
    assert (due(normal), due(tatkal)) == ((NOW + timedelta(days=15)).date().isoformat(), (NOW + timedelta(days=3)).date().isoformat())
    with get_session_factory(settings.database_url)() as session:
        notice = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "utter_notify_certificate_submitted")
                                 .order_by(OutboxMessage.id)).first()
    assert (NOW + timedelta(days=15)).strftime("%d-%m-%Y") in notice.body


RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC0123/Recordings/RE4567"


@pytest.mark.parametrize("code, field", [("income", "applicant_name"), ("caste", "caste_name"), ("trade_licence", "business_name")])
def test_an_odia_callers_recording_answers_a_question_in_words(client, code, field):
    """Twilio cannot hear Odia: a name or a text is recorded, and the recording is the answer,
    labelled as a voice message (never its URL) in the summary."""
    said = f"ଫୋନ କରିଥିବା ବ୍ୟକ୍ତିଙ୍କ ଭଏସ ମେସେଜ: {RECORDING}"
    response = client.post(f"/api/v1/certificates/services/{code}/answers/{field}", json={"q": said, "language": "or"})
    assert response.status_code == 200, response.text
    assert response.json()["value"] == RECORDING and response.json()["label"] == "(ଭଏସ ମେସେଜ)"


@pytest.mark.parametrize("field", ["annual_income", "place", "purpose"])
def test_a_recording_never_answers_a_question_keys_answer(client, field):
    response = client.post(f"/api/v1/certificates/services/income/answers/{field}", json={"q": RECORDING})
    assert response.status_code == 422


def test_a_certificate_is_not_issued_with_a_voice_message_for_a_name(client, auth, settings):
    """The office hears the recording (the console links it) and sends the application back for the
    name in writing: a document never prints "(voice message)"."""
    reference = _apply(client, auth, answers={**INCOME, "applicant_name": RECORDING})["reference"]
    _pay(client, settings, reference)
    assert _act(client, auth, reference, "VERIFY", "VERIFIER").status_code == 200
    refused = _act(client, auth, reference, "APPROVE", "APPROVER")
    assert refused.status_code == 409 and refused.json()["detail"]["code"] == "spoken_answers", refused.text
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case.state == "PENDING_APPROVAL" and "certificate" not in case.details


def test_a_step_the_office_lets_wait_goes_up_to_the_district_and_the_citizen_hears_the_new_date(client, auth, settings):
    """Every service sweeps its own SLA: a town's office has 72 hours to verify; past that the sweep
    sends the application up to the district office, in the queue order it had, and the citizen is
    told the new date. The district's own late step has no one above it: marked, not moved."""
    birth = {"child_name": "Anita Behera", "date_of_birth": "14/08/2026", "place": "ward 12", "mother_name": "Sabitri Behera",
             "father_name": "Raghunath Behera"}
    reference = _apply(client, auth, "birth", birth, language="en")["reference"]
    assert reference not in sweep_once(settings, NOW + timedelta(hours=71))
    late = NOW + timedelta(hours=72, minutes=1)
    assert reference in sweep_once(settings, late)
    assert reference not in sweep_once(settings, late)  # once
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert (case.state, case.assignee_id, case.office, case.escalations) == (
            "PENDING_VERIFICATION", "DISTRICT-KHORDHA", "DISTRICT-KHORDHA", 1)
        assert case.details["office_label"] == "the Khordha district office"
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "utter_notify_certificate_escalated")).one()
    # The birth certificate's promise (7 days) stands: the district can still keep it.
    promised = (NOW + timedelta(days=7)).astimezone(ZoneInfo("Asia/Kolkata"))
    assert "the Khordha district office" in told.body and promised.strftime("%d-%m-%Y") in told.body and reference in told.body
    assert client.get(f"/api/v1/cases/{reference}").json()["sla_due_at"][:10] == promised.date().isoformat()

    client.app.dependency_overrides[get_now] = lambda: late + timedelta(hours=1)
    assert _act(client, auth, reference, "VERIFY", "VERIFIER").status_code == 200  # the district's own verifier
    stuck = late + timedelta(hours=80)
    assert reference not in sweep_once(settings, stuck)  # no office above a district's
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert (case.state, case.office, case.escalation_blocked_at is not None) == ("PENDING_APPROVAL", "DISTRICT-KHORDHA", True)

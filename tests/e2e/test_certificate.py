"""A certificate application per shipped service through the running bot, over the phone
simulator's Twilio channels: the form the service's definition drives, in the citizen's language;
documents as photos or PDFs on WhatsApp (or "later", or brought when the channel cannot carry
them); Tatkal; payment on the sandbox page; the office's steps through the backend API in queue
order; the certificate PDF sent back and checked on the public verification API and page."""
import functools
import io
import threading
import time
import unicodedata
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from backend.db import get_session_factory
from backend.models import Case, CaseHistory, RoleGrant

from tests.e2e.conftest import REFERENCE, case_in_database, citizen_headers, consent_code, official

PAY_URL = __import__("re").compile(r"https?://\S+/pay/\S+")
CERTIFICATE_URL = __import__("re").compile(r"https?://\S+/c/CRT-\S+")


@pytest.fixture
def media_host(tmp_path):
    (tmp_path / "aadhaar.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 2048)
    (tmp_path / "record.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _reference(replies: list[str]) -> str:
    found = REFERENCE.findall(" ".join(replies))
    assert found, replies
    return found[0]


def _office(stack, reference: str, action: str, role: str, **body) -> httpx.Response:
    """The step by the office's staff member with that role, signed in."""
    with get_session_factory(stack.config.effective_database_url)() as session:
        office = session.scalar(select(Case.office).where(Case.reference == reference))
        person_id = session.scalar(select(RoleGrant.person_id).where(RoleGrant.office == office, RoleGrant.role == role))
    with official(stack, person_id) as client:
        return client.post(f"/api/v1/certificates/{reference}/actions", json={"action": action, **body})


def _pay(stack, reply: str, reference: str) -> None:
    link = PAY_URL.search(reply).group()
    assert httpx.get(link, timeout=30).status_code == 200
    assert httpx.post(link, timeout=30).status_code == 200  # "Pay (test mode)"
    deadline = time.monotonic() + 15
    while case_in_database(stack, reference).state == "PENDING_PAYMENT" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert case_in_database(stack, reference).state == "PENDING_VERIFICATION"


def _issue(stack, reference: str) -> None:
    for action, role in (("VERIFY", "VERIFIER"), ("APPROVE", "APPROVER")):
        response = _office(stack, reference, action, role)
        assert response.status_code == 200, response.text


def _pdf_text(url: str) -> str:
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def _verify(stack, **query) -> dict:
    return httpx.get(f"{stack.config.backend_url}/api/v1/certificates/verify", params=query, timeout=30).json()


def test_income_certificate_in_odia_on_whatsapp_tatkal_with_a_photo(stack, twilio, media_host):
    phone = twilio.text("whatsapp", "+919437300001")
    assert "ନାମ" in phone.say("ମୋତେ ଆୟ ପ୍ରମାଣପତ୍ର ଦରକାର")[0]  # the type taken from the words: straight to the name
    phone.say("ସାବିତ୍ରୀ ବେହେରା")
    phone.say("ଗୋପାଳ ବେହେରା")
    phone.say("ସରକଣା")
    assert phone.say("ବହୁତ")  # not an amount: asked again
    phone.say("୮୫୦୦୦")
    assert "ଆଧାର" in phone.say("1")[0]  # education; then the first document
    received = phone.say("", media=[(f"{media_host}/aadhaar.jpg", "image/jpeg")])
    assert "ଆଧାର" in received[0]
    tatkal = "\n".join(phone.say("ପରେ"))  # the income proof comes later, at the office
    assert "ତତ୍କାଳ" in tatkal
    summary = "\n".join(phone.say("2"))
    assert "ସାବିତ୍ରୀ ବେହେରା" in summary and "85,000" in summary and "100" in summary, summary
    filed = phone.say("1")
    reference = _reference(filed)
    case = case_in_database(stack, reference)
    assert (case.details["lane"], case.assignee_id, case.details["certificate_type"]) == ("tatkal", "BLOCK-KHD-BALIANTA", "income")
    _pay(stack, filed[0], reference)
    documents = case_in_database(stack, reference).details["documents"]
    assert "file" in documents["aadhaar"] and documents["income_proof"] == "to_bring"

    _issue(stack, reference)
    notices = phone.wait_for_replies(at_least=3)
    issued = next(m for m in notices if "/c/CRT-" in m)
    text = _pdf_text(CERTIFICATE_URL.search(issued).group())
    for words in ("ଆୟପ୍ରମାଣପତ୍ର", "ସାବିତ୍ରୀବେହେରା", "ଗୋପାଳବେହେରା", "ସରକଣା", "85,000", reference):
        assert words in text, (words, text)
    payload = case_in_database(stack, reference).details["certificate"]["payload"]
    assert _verify(stack, payload=payload)["status"] == "genuine"
    status = phone.say(f"ସ୍ଥିତି {reference}")[0]
    assert reference in status


def test_caste_certificate_in_hindi_taken_out_of_queue_order_then_revoked(stack, twilio):
    phone = twilio.text("whatsapp", "+919437300002")
    phone.say("जाति प्रमाण पत्र चाहिए")
    phone.say("सुनीता मुंडा")
    phone.say("बिरसा मुंडा")
    phone.say("कटक वार्ड 22")
    phone.say("अनुसूचित जनजाति")
    phone.say("मुंडा")
    phone.say("बाद में")
    phone.say("बाद में")
    summary = "\n".join(phone.say("1"))  # normal lane
    assert "सुनीता मुंडा" in summary and "अनुसूचित जनजाति" in summary and "30" in summary, summary
    filed = phone.say("1")
    reference = _reference(filed)
    _pay(stack, filed[0], reference)
    assert case_in_database(stack, reference).assignee_id == "ULB-CMC"

    other = httpx.post(f"{stack.config.backend_url}/api/v1/certificates", timeout=30,
                       headers=citizen_headers(stack, "+919437300009"),
                       json={"certificate_type": "caste", "citizen_phone": "+919437300009", "answers": {
                           "applicant_name": "Later Applicant", "guardian_name": "Someone", "place": "Buxi Bazaar, Cuttack",
                           "category": "3", "caste_name": "Teli"}}).json()
    _pay(stack, other["payment_url"], other["reference"])  # paid after ours: behind it in the queue
    early = _office(stack, other["reference"], "VERIFY", "VERIFIER")
    assert early.status_code == 409 and early.json()["detail"] == {"code": "out_of_order", "head": reference}
    assert _office(stack, other["reference"], "VERIFY", "VERIFIER", out_of_order_reason="Court date tomorrow").status_code == 200
    assert _office(stack, reference, "VERIFY", "VERIFIER").status_code == 200
    _office(stack, reference, "APPROVE", "APPROVER")
    assert _office(stack, reference, "REVOKE", "APPROVER", reason="Issued on a false record").status_code == 200
    notices = phone.wait_for_replies(at_least=3)
    assert any("रद्द" in m or "निरस्त" in m for m in notices), notices
    payload = case_in_database(stack, reference).details["certificate"]["payload"]
    assert _verify(stack, payload=payload)["status"] == "revoked"
    page = httpx.get(f"{stack.config.backend_url}/verify", params={"c": payload, "lang": "hi"}, timeout=30)
    assert page.status_code == 200 and reference in page.text


def test_residence_certificate_in_english_by_sms_documents_brought_sent_back_and_corrected(stack, twilio):
    phone = twilio.text("sms", "+919437300003")
    phone.say("I need a residence certificate")
    phone.say("Ramesh Kumar")
    phone.say("Suresh Kumar")
    phone.say("Sarakana")
    summary = "\n".join(phone.say("20"))  # SMS cannot carry files: no document questions, no Tatkal here
    assert "Please bring these documents" in summary and "Aadhaar card" in summary and "Rs 30" in summary, summary
    filed = phone.say("yes")
    reference = _reference(filed)
    assert case_in_database(stack, reference).assignee_id == "DISTRICT-KHORDHA"
    _pay(stack, filed[0], reference)
    assert _office(stack, reference, "SEND_BACK", "VERIFIER", reason="Address proof is unreadable").status_code == 200
    notices = phone.wait_for_replies(at_least=2)
    assert any("Address proof is unreadable" in m for m in notices), notices
    correcting = phone.say("1")  # the notice's numbered answer: correct it
    assert "Address proof is unreadable" in correcting[0] and "full name" in correcting[-1]
    phone.say("Ramesh Kumar")
    phone.say("Suresh Kumar")
    phone.say("ward 12 Bhubaneswar")  # moved: the corrected place routes it again
    phone.say("22")
    replies = phone.say("yes", at_least=2)  # the bot's answer and the office's "it has reached us" notice
    assert any("corrected application" in m for m in replies), replies
    case = case_in_database(stack, reference)
    assert (case.state, case.details["answers"]["years_resident"], case.details["corrections"]) == ("PENDING_VERIFICATION", 22, 1)
    assert "with the office" in phone.say(f"STATUS {reference}")[0]


def test_birth_certificate_free_with_a_pdf_record_and_verified_by_number(stack, twilio, media_host):
    phone = twilio.text("whatsapp", "+919437300004")
    assert "1. Income" in phone.say("apply certificate")[0]
    phone.say("4")
    phone.say("Anita Behera")
    assert "past" in phone.say("14/08/2031")[0]  # a birth in the future is refused
    phone.say("14/08/2026")
    phone.say("ward 12")
    phone.say("Sabitri Behera")
    phone.say("Raghunath Behera")
    received = phone.say("", media=[(f"{media_host}/record.pdf", "application/pdf")])
    summary = "\n".join(received)
    assert "no fee" in summary and "14-08-2026" in summary, summary
    filed = phone.say("1")
    reference = _reference(filed)
    case = case_in_database(stack, reference)
    assert (case.state, case.assignee_id) == ("PENDING_VERIFICATION", "ULB-BMC")  # nothing to pay
    _issue(stack, reference)
    issued = next(m for m in phone.wait_for_replies(at_least=2) if "/c/CRT-" in m)
    text = _pdf_text(CERTIFICATE_URL.search(issued).group())
    assert "BIRTHCERTIFICATE" in text and "AnitaBehera" in text and "14-08-2026" in text
    assert _verify(stack, reference=reference)["status"] == "genuine"
    assert _verify(stack, reference="CRT-2026-999999")["status"] == "unknown"
    documents = case_in_database(stack, reference).details["documents"]
    assert documents["hospital_record"]["file"].endswith(".pdf")


def test_a_panchayat_swayam_sewak_files_at_the_doorstep_and_the_citizen_hears_by_sms(stack, twilio):
    agent = twilio.text("whatsapp", "+919437400001")  # Pramila Sahoo, on the roster
    asked = agent.say("I need a residence certificate")[0]
    assert "Panchayat Swayam Sewak Pramila Sahoo" in asked and "mobile" in asked
    assert "10-digit" in agent.say("12345")[0]
    citizen = twilio.text("sms", "+919876543210")
    citizen.inbox()  # what it got before
    asked = agent.say("९८७६५ ४३२१०")  # the citizen's mobile, typed any way (Hindi's digits: a number is no one's language)
    assert "6-digit code" in asked[0], asked  # sent to the citizen, who reads it out; the chat stays in English
    code = consent_code(citizen)
    assert "not the code" in agent.say("000000" if code != "000000" else "111111")[0]
    agreed = agent.say(code)
    assert "the citizen has agreed" in agreed[0], agreed
    agent.say("Kuni Nayak")
    agent.say("Bhagaban Nayak")
    agent.say("Kaimatia")
    agent.say("35")
    agent.say("later")
    summary = "\n".join(agent.say("later"))
    assert "Kuni Nayak" in summary and "+919876543210" in summary, summary
    filed = agent.say("1")
    reference = _reference(filed)
    case = case_in_database(stack, reference)
    with get_session_factory(stack.config.effective_database_url)() as session:
        filing = session.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id).order_by(CaseHistory.id)).first()
    assert (case.citizen_phone, case.channel, filing.actor_role, filing.actor_id) == (
        "+919876543210", "twilio_sms", "FIELD_AGENT", "PSS-BALIANTA-01")
    _pay(stack, filed[0], reference)  # the agent collects the fee at the doorstep through the link
    citizen = twilio.text("sms", "+919876543210")
    assert any(reference in m for m in citizen.wait_for_replies(at_least=1))
    forged = httpx.post(f"{stack.config.backend_url}/api/v1/certificates", timeout=30,
                        headers=citizen_headers(stack, "+919000000000"),  # in the turn of a phone not on the roster
                        json={"certificate_type": "residence", "citizen_phone": "9876543210",
                              "answers": {"applicant_name": "X Y", "guardian_name": "Z W", "place": "Kaimatia", "years_resident": "3"}})
    assert forged.status_code == 403  # only a phone on the roster files for others

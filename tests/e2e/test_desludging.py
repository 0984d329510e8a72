"""Desludging end to end, one journey per language, through the phone simulator's code (signed like
Twilio) against the running stack: the request form in the chat, the summary and fee, a correction,
paying on the sandbox's payment page as a person would (its signed webhook moves the request on),
the operator's steps through the backend API, disposal at a treatment plant, the status in plain
words with where the waste went, and the citizen's rating from the numbered answers offered."""
import time

import httpx

from tests.e2e.conftest import REFERENCE, case_in_database, citizen_headers, official

URL = __import__("re").compile(r"https?://\S+/pay/\S+")


def _reference(replies: list[str]) -> str:
    found = REFERENCE.findall(" ".join(replies))
    assert found, replies
    return found[0]


def _operator(stack, reference: str, operator_id: str, **step) -> dict:
    """The operator's step, signed in as them."""
    with official(stack, operator_id) as client:
        response = client.post(f"/api/v1/cases/{reference}/actions", json=step)
    assert response.status_code == 200, response.text
    return response.json()


def _wait_for_state(stack, reference: str, state: str) -> None:
    deadline = time.monotonic() + 15
    while case_in_database(stack, reference).state != state and time.monotonic() < deadline:
        time.sleep(0.2)  # the sandbox provider calls the webhook after answering the page
    assert case_in_database(stack, reference).state == state


def test_english_whatsapp_request_corrected_paid_online_followed_to_the_plant_and_rated(stack, twilio):
    phone = twilio.text("whatsapp", "+919437200001")
    assert "name" in phone.say("my septic tank is full")[0]
    assert "1. House" in phone.say("Sabitri Behera")[0]
    assert "Septic tank" in phone.say("1")[0]
    assert "litres" in phone.say("1")[0]
    assert "trips" in phone.say("2000")[0]
    assert "from 1 to 9" in phone.say("12")[0]  # refused, asked again
    assert "ward" in phone.say("2")[0]
    assert "could not find" in phone.say("Atlantis")[0]
    assert "landmark" in phone.say("ward 12")[0]
    assert "PIN" in phone.say("behind the Ram Mandir")[0]
    assert "six digits" in phone.say("7510")[0]
    slum = phone.say("751007")
    assert "slum" in slum[0] and "\n1. Yes" in slum[0]  # buttons as numbered options
    assert "day" in phone.say("2")[0]  # "2" = No
    assert "1. Pay now online" in phone.say("tomorrow")[0]
    summary = "\n".join(phone.say("1"))
    for expected in ("Name: Sabitri Behera", "Property: house", "To empty: septic tank", "Size: 2,000 litres", "Trips: 2",
                     "ward 12, Bhubaneswar", "Landmark: behind the Ram Mandir", "PIN: 751007", "Slum household: no",
                     "Payment: pay now online", "Rs 2,000"):
        assert expected in summary, (expected, summary)

    assert "Which answer" in phone.say("3")[0]  # "Change an answer": the third choice, as in every form
    assert "How many trips" in "\n".join(phone.say("5"))  # the fifth answer, asked again
    summary = "\n".join(phone.say("1"))
    assert "Trips: 1" in summary and "Rs 1,000" in summary  # the fee follows the corrected answer
    filed = phone.say("1")  # "Yes, file it"
    reference = _reference(filed)
    assert reference.startswith("FSM-") and "upi://pay?" in filed[0]
    link = URL.search(filed[0]).group()
    assert case_in_database(stack, reference).details["trips"] == 1

    assert link in phone.say("I want to pay")[0]  # the same link again while it is valid
    page = httpx.get(link, timeout=30)
    assert page.status_code == 200 and "1,000" in page.text
    assert httpx.post(link, timeout=30).status_code == 200  # the "Pay (test mode)" button
    _wait_for_state(stack, reference, "PENDING_OPERATOR_ACCEPT")
    assert any("Payment received" in m for m in phone.wait_for_replies(at_least=1))

    case = case_in_database(stack, reference)
    _operator(stack, reference, case.assignee_id, action="ACCEPT")
    assert any("accepted" in m for m in phone.wait_for_replies(at_least=1))
    assert "Vehicle OD-02-" in phone.say(f"status {reference}")[0]
    _operator(stack, reference, case.assignee_id, action="DISPOSE", plant="BMC-FSTP-BASUAGHAI", volume_litres=950)
    assert any("rating from 1" in m for m in phone.wait_for_replies(at_least=1))

    assert "what went wrong" in phone.say("2")[0]  # the notice's numbered rating; below 3 asks why
    assert "Thank you for rating" in phone.say("The vehicle came a day late")[0]
    case = case_in_database(stack, reference)
    assert (case.state, case.details["rating"], case.details["comment"]) == ("COMPLETED", 2, "The vehicle came a day late")
    status = phone.say(f"status {reference}")[0]
    assert "950 litres were delivered to Basuaghai FSTP" in status
    mine = "\n".join(phone.say("my requests"))
    assert reference in mine and "Basuaghai FSTP" in mine


def test_odia_whatsapp_request_from_a_village_paid_on_the_visit(stack, twilio):
    phone = twilio.text("whatsapp", "+919437200002")
    assert phone.say("ମୋ ସେପ୍ଟିକ ଟାଙ୍କି ଭର୍ତ୍ତି ହୋଇଯାଇଛି, ସଫା କରିବାକୁ ହେବ")
    assert phone.say("ସାବିତ୍ରୀ ବେହେରା")
    assert phone.say("ଘର")
    assert phone.say("ଦୁଇ ଗାତ")
    assert phone.say("ବଡ଼")
    assert phone.say("୧")
    assert phone.say("ସରକଣା")
    assert phone.say("ପଞ୍ଚାୟତ ଅଫିସ ପାଖରେ")
    assert phone.say("୭୫୨୧୦୨")
    assert phone.say("ହଁ")  # a slum household, but gram panchayats have no waiver
    assert phone.say("ଆସନ୍ତାକାଲି")
    summary = "\n".join(phone.say("2"))  # pay when the vehicle comes
    assert "ସରକଣା" in summary and "1,200" in summary, summary
    filed = phone.say("1")
    reference = _reference(filed)
    case = case_in_database(stack, reference)
    assert (case.state, case.details["village"], case.details["sanitation_type"], case.details["size_litres"]) == (
        "PENDING_OPERATOR_ACCEPT", "Sarakana", "double_pit", 4000)
    assert case.language == "or" and "http" not in filed[0]

    _operator(stack, reference, case.assignee_id, action="ACCEPT")
    _operator(stack, reference, case.assignee_id, action="DISPOSE", plant="BMC-FSTP-DARUTHENG", volume_litres=3800)
    notices = phone.wait_for_replies(at_least=2)
    assert any(reference in m and "\n5." not in m for m in notices)
    assert reference in phone.say("5")[0]
    assert case_in_database(stack, reference).state == "COMPLETED"
    status = phone.say(f"ସ୍ଥିତି {reference}")[0]
    assert "ଦାରୁଠେଙ୍ଗ ଏଫଏସଟିପି" in status and "3800" in status


def test_hindi_whatsapp_slum_household_in_cuttack_is_free_and_skips_payment(stack, twilio):
    phone = twilio.text("whatsapp", "+919437200003")
    assert phone.say("मेरा सेप्टिक टैंक भर गया है, साफ़ करवाना है")
    assert phone.say("सुनीता दास")
    assert phone.say("1")
    assert phone.say("सेप्टिक टैंक")
    assert phone.say("छोटा")
    assert phone.say("1")
    assert phone.say("कटक वार्ड 22")
    assert phone.say("कोई नहीं")
    assert phone.say("753001")
    assert phone.say("हाँ")  # a slum household: free in Cuttack
    summary = "\n".join(phone.say("कल"))  # no payment question: there is nothing to pay
    assert "सुनीता दास" in summary and "कटक" in summary, summary
    filed = phone.say("1")
    reference = _reference(filed)
    case = case_in_database(stack, reference)
    assert (case.state, case.details["ulb"], case.details["fee_paise"], case.assignee_id) == (
        "PENDING_OPERATOR_ACCEPT", "CMC", 0, "OP-CMC-01")
    assert "http" not in filed[0]
    assert phone.say("मुझे भुगतान करना है")  # nothing waits for payment: said so, nothing breaks
    _operator(stack, reference, "OP-CMC-01", action="ACCEPT")
    _operator(stack, reference, "OP-CMC-01", action="DISPOSE", plant="CMC-FSTP-MATAGAJPUR", volume_litres=900)
    phone.wait_for_replies(at_least=2)
    assert reference in phone.say("4")[0]
    assert case_in_database(stack, reference).state == "COMPLETED"
    assert "मातगाजपुर" in phone.say(f"status {reference}")[0]  # the plant named in Hindi (backend/masterdata/desludging.yml)


def test_cancel_in_the_middle_files_nothing_and_a_paste_loses_nothing(stack, twilio):
    phone = twilio.text("sms", "+919437200004")
    phone.say("I need desludging")
    phone.say("Ramesh Kumar")
    pasted = phone.say("x" * 10_000)
    assert "1 for a house" in pasted[0] and "1. House" in pasted[-1]  # asked again; the name is kept
    assert "Septic tank" in phone.say("1")[0]
    assert "cancelled" in phone.say("cancel")[0]
    assert "nothing in progress" in phone.say("cancel")[0]
    response = httpx.post(f"{stack.config.backend_url}/api/v1/cases/mine", json={"phone": "+919437200004"},
                          headers=citizen_headers(stack, "+919437200004"), timeout=30)
    assert response.json() == []

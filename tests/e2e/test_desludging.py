"""Desludging against the running stack: a request filed through the API (the chat form is not
built yet), paid on the sandbox's payment page as a person would, the sandbox's signed webhook
moving it on, the operator's steps, and the citizen asking its status on WhatsApp."""
import time
from datetime import date, timedelta

import httpx

from tests.e2e.conftest import case_in_database


def test_pay_on_the_sandbox_page_then_follow_it_to_the_treatment_plant(stack, twilio):
    headers = {"Authorization": f"Bearer {stack.config.api_token}"}
    backend = stack.config.backend_url
    filed = httpx.post(f"{backend}/api/v1/desludging", headers=headers, timeout=30, json={
        "applicant_name": "Sabitri Behera", "citizen_phone": "whatsapp:+919437100020", "property_type": "residential",
        "sanitation_type": "single_pit", "size_litres": 1500, "trips": 1, "preferred_date": (date.today() + timedelta(days=1)).isoformat(),
        "pay_before": True, "pin": "751001", "ward": "ପୁରୁଣା ସହର", "language": "or", "channel": "twilio_whatsapp",
    }).json()
    reference = filed["reference"]
    assert filed["state"] == "PENDING_PAYMENT" and filed["payment_url"].startswith(backend)

    page = httpx.get(filed["payment_url"], timeout=30)
    assert page.status_code == 200 and "₹1000.00" in page.text
    paid = httpx.post(filed["payment_url"], timeout=30)  # the "Pay (test mode)" button
    assert paid.status_code == 200
    deadline = time.monotonic() + 15
    while case_in_database(stack, reference).state == "PENDING_PAYMENT" and time.monotonic() < deadline:
        time.sleep(0.2)  # the sandbox calls the webhook after answering the page, as providers do
    case = case_in_database(stack, reference)
    assert (case.state, case.assignee_id, case.details["paid"]) == ("PENDING_OPERATOR_ACCEPT", "OP-BMC-01", True)

    for step in ({"action": "ACCEPT"}, {"action": "DISPOSE", "plant": "BMC-FSTP-DARUTHENG", "volume_litres": 1400}):
        response = httpx.post(f"{backend}/api/v1/desludging/{reference}/operator", headers=headers, timeout=30,
                              json={"operator_id": "OP-BMC-01", **step})
        assert response.status_code == 200, response.text

    phone = twilio.text("whatsapp", "+919437100020")
    status = phone.say(f"status {reference}")
    assert reference in status[0] and "ଟ୍ରିଟମେଣ୍ଟ ପ୍ଲାଣ୍ଟ" in status[0]

"""A stand-in for api.twilio.com at the HTTP level (httpx.MockTransport), answering with the JSON
shapes Twilio documents, so the real TwilioSender code runs unchanged. Faults for the next requests
are queued with fault_next: an error answer, or what a network does (no connection; an answer
that never comes, before or after Twilio took the message; an id Twilio already gave out)."""
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl

import httpx

# Captured from Twilio's API reference (Message resource, error responses).
UNSUBSCRIBED = {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400}
INVALID_TO = {"code": 21211, "message": "The 'To' number +91123 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
TOO_MANY = {"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}

# Network faults for fault_next.
NO_CONNECTION = "no_connection"  # never reached Twilio
LOST_BEFORE_TWILIO = "lost_before_twilio"  # the request timed out and Twilio never took it
TOOK_IT_NO_ANSWER = "took_it_no_answer"  # Twilio took it; the answer came after our timeout
TOOK_IT_THEN_CRASH = "took_it_then_crash"  # Twilio took it; the worker died before writing it down
SAME_SID_AGAIN = "same_sid_again"  # Twilio answers with the id of the previous message


class WorkerCrash(BaseException):
    """The worker process dying mid-call: nothing after it runs (not an Exception: no handler catches it)."""


class FakeTwilio:
    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.sent: list[dict[str, str]] = []
        self.failures: list[tuple[int, dict]] = []  # queued error answers, used first
        self.faults: list[str] = []
        self.clock = clock
        self.transport = httpx.MockTransport(self._handle)

    def fail_next(self, status: int, payload: dict) -> None:
        self.failures.append((status, payload))

    def fault_next(self, *faults: str) -> None:
        self.faults.extend(faults)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"].startswith("Basic ")
        if request.method == "GET":
            to = request.url.params.get("To")
            return httpx.Response(200, json={"messages": [m for m in reversed(self.sent) if m["to"] == to]})
        form = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
        if self.failures:
            status, payload = self.failures.pop(0)
            return httpx.Response(status, json=payload)
        fault = self.faults.pop(0) if self.faults else None
        if fault == NO_CONNECTION:
            raise httpx.ConnectError("connection refused", request=request)
        if fault == LOST_BEFORE_TWILIO:
            raise httpx.ReadTimeout("timed out", request=request)
        resource = {
            "sid": self.sent[-1]["sid"] if fault == SAME_SID_AGAIN and self.sent else f"SM{uuid.uuid4().hex}",
            "to": form["To"], "from": form["From"], "body": form.get("Body", ""),
            "content_sid": form.get("ContentSid"), "content_variables": form.get("ContentVariables"),
            "status_callback": form.get("StatusCallback"), "validity_period": form.get("ValidityPeriod"),
            "status": "queued", "date_created": format_datetime(self.clock()),
        }
        self.sent.append(resource)
        if fault == TOOK_IT_NO_ANSWER:
            raise httpx.ReadTimeout("timed out", request=request)
        if fault == TOOK_IT_THEN_CRASH:
            raise WorkerCrash()
        return httpx.Response(201, content=json.dumps(resource))

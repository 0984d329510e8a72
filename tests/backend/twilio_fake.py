"""A stand-in for api.twilio.com at the HTTP level (httpx.MockTransport), answering with the JSON
shapes Twilio documents, so the real TwilioSender code runs unchanged."""
import json
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl

import httpx

# Captured from Twilio's API reference (Message resource, error responses).
UNSUBSCRIBED = {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400}
INVALID_TO = {"code": 21211, "message": "The 'To' number +91123 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
TOO_MANY = {"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}


class FakeTwilio:
    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self.failures: list[tuple[int, dict]] = []  # queued error answers, used first
        self.transport = httpx.MockTransport(self._handle)

    def fail_next(self, status: int, payload: dict) -> None:
        self.failures.append((status, payload))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"].startswith("Basic ")
        if request.method == "GET":
            to = request.url.params.get("To")
            return httpx.Response(200, json={"messages": [m for m in self.sent if m["to"] == to]})
        form = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
        if self.failures:
            status, payload = self.failures.pop(0)
            return httpx.Response(status, json=payload)
        resource = {
            "sid": f"SM{uuid.uuid4().hex}", "to": form["To"], "from": form["From"], "body": form.get("Body", ""),
            "content_sid": form.get("ContentSid"), "content_variables": form.get("ContentVariables"),
            "status_callback": form.get("StatusCallback"), "status": "queued",
            "date_created": format_datetime(datetime.now(UTC)),
        }
        self.sent.append(resource)
        return httpx.Response(201, content=json.dumps(resource))

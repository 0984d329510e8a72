"""Twilio Programmable Messaging (WhatsApp and SMS) over its REST API.

The API base is configurable so that the same code talks to api.twilio.com in production and to
the built-in sandbox (backend/api/twilio_sandbox.py) on a developer's machine and in tests."""
import json
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from backend.senders import OutgoingMessage, PermanentFailure, TemporaryFailure
from backend.settings import Settings

API_VERSION = "2010-04-01"


class TwilioSender:
    name = "twilio"

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.http = httpx.Client(
            base_url=f"{settings.twilio_api_base.rstrip('/')}/{API_VERSION}/Accounts/{settings.twilio_account_sid}",
            auth=(settings.twilio_account_sid, settings.twilio_auth_token),
            timeout=httpx.Timeout(10.0, connect=5.0),
            transport=transport,
        )

    def _address(self, message: OutgoingMessage) -> tuple[str, str]:
        if message.channel == "whatsapp":
            return f"whatsapp:{message.to}", self.settings.twilio_whatsapp_from
        return message.to, self.settings.twilio_sms_from

    def send(self, message: OutgoingMessage) -> str:
        to, sender = self._address(message)
        form: dict[str, str] = {
            "To": to,
            "From": sender,
            # outbox_id lets a late status callback settle a message whose sender crashed.
            "StatusCallback": f"{self.settings.public_backend_url.rstrip('/')}/api/v1/twilio/status?outbox_id={message.outbox_id}",
        }
        if message.content_sid:
            form["ContentSid"] = message.content_sid
            form["ContentVariables"] = json.dumps(message.content_variables, ensure_ascii=False)
        else:
            form["Body"] = message.body
        if message.media_url:
            form["MediaUrl"] = message.media_url
        try:
            response = self.http.post("/Messages.json", data=form)
        except httpx.HTTPError as exc:
            raise TemporaryFailure("network", type(exc).__name__) from exc
        if response.status_code in (200, 201):
            return response.json()["sid"]
        code, detail = _error(response)
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryFailure(code, detail)
        raise PermanentFailure(code, detail)

    def find_sent(self, message: OutgoingMessage) -> str | None:
        to, _ = self._address(message)
        since = message.claimed_at - timedelta(seconds=5) if message.claimed_at else None
        params = {"To": to, "PageSize": "50"}
        if since:
            params["DateSent>"] = since.date().isoformat()
        try:
            response = self.http.get("/Messages.json", params=params)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise TemporaryFailure("lookup", type(exc).__name__) from exc
        for item in response.json().get("messages", []):
            same_content = item.get("body") == message.body or (
                message.content_sid and item.get("content_sid") == message.content_sid
            )
            created = _twilio_date(item.get("date_created"))
            if same_content and (since is None or created is None or created >= since):
                return item["sid"]
        return None


def _error(response: httpx.Response) -> tuple[str, str]:
    try:
        payload = response.json()
        return str(payload.get("code") or response.status_code), str(payload.get("message", ""))[:300]
    except ValueError:
        return str(response.status_code), response.text[:300]


def _twilio_date(value: str | None) -> datetime | None:
    """Twilio writes RFC 2822 dates: 'Mon, 23 Nov 2026 09:30:00 +0000'."""
    try:
        return parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return None

"""Twilio Programmable Messaging (WhatsApp and SMS) over its REST API.

The API base is configurable so that the same code talks to api.twilio.com in production and to
the built-in sandbox (backend/api/twilio_sandbox.py) on a developer's machine and in tests.

Settling a message in doubt. Twilio takes no client id or idempotency key on Messages, and its
Message resource (sid, to, from, body, status, dates, price, error, uri) keeps nothing of ours: the
StatusCallback is write-only and the list filters only by To, From and DateSent. A message can
therefore not be found by a marker, and finding it by recipient and text is wrong (one number often
gets the same text twice). So the marker is the StatusCallback URL, which carries the outbox id:
Twilio calls it, signed, for every status (sent, delivered, failed...), and that callback settles the
row (services/outbox.record_status). Two bounds make the silence meaningful:
- ValidityPeriod: Twilio fails a message it could not send within it, and says so by the callback;
  so a message Twilio took is reported within VALIDITY plus the callback's own delay.
- find_sent lists the recipient's messages since the attempt. Rows to one recipient go out one at a
  time, so once the request can no longer be in flight, a list where every message is another
  row's (by the id recorded on it) proves Twilio never took this one, and the row is sent again at
  once. A message no row owns may be this one: the row waits for its callback.
Only after settle_after of silence is a message sent again: a lost callback (the backend down for
every status report) is the one way left to send twice, and it is logged as such."""

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from backend.senders import NOT_SENT, OutgoingMessage, PermanentFailure, TemporaryFailure, request_failure
from backend.settings import Settings

API_VERSION = "2010-04-01"
# Twilio's default lets a message wait 10 hours in its queue; ours is short so that its report
# (sent, or failed as expired) comes soon enough to settle a message in doubt.
VALIDITY = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=1)  # Twilio's clock against ours, for "since the attempt"
PAGE = 50


class TwilioSender:
    name = "twilio"
    in_flight = timedelta(minutes=1)
    settle_after = VALIDITY + timedelta(minutes=2)

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

    def status_callback(self, outbox_id: int) -> str:
        return f"{self.settings.public_backend_url.rstrip('/')}/api/v1/twilio/status?outbox_id={outbox_id}"

    def send(self, message: OutgoingMessage) -> str:
        to, sender = self._address(message)
        form: dict[str, str] = {
            "To": to,
            "From": sender,
            # The marker: every report on this message names its outbox row.
            "StatusCallback": self.status_callback(message.outbox_id),
            "ValidityPeriod": str(int(VALIDITY.total_seconds())),
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
            raise request_failure(exc) from exc
        if response.status_code in (200, 201):
            return response.json()["sid"]
        code, detail = _error(response)
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryFailure(code, detail)
        raise PermanentFailure(code, detail)

    def find_sent(self, message: OutgoingMessage, *, other_row: Callable[[str], bool]):  # noqa: ANN201
        """NOT_SENT if every message Twilio has for this recipient since the attempt is another
        row's; otherwise None (unknown): Twilio keeps no marker of ours on a message."""
        if message.claimed_at is None:
            return None
        to, _ = self._address(message)
        since = message.claimed_at - CLOCK_SKEW
        # No DateSent filter: a message Twilio holds in its queue has no date_sent yet, and it is
        # exactly the one that must not be missed. Its date_created is set when Twilio takes it.
        params = {"To": to, "PageSize": str(PAGE)}
        try:
            response = self.http.get("/Messages.json", params=params)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise TemporaryFailure("lookup", type(exc).__name__) from exc
        items = response.json().get("messages", [])
        for item in items:  # every one is read: the order of queued messages in the list is not promised
            created = _twilio_date(item.get("date_created"))
            if (created is None or created >= since) and not other_row(str(item.get("sid", ""))):
                return None
        return NOT_SENT if len(items) < PAGE else None  # a full page may hide more: wait for the report


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

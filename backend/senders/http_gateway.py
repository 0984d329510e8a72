"""SMS through an Indian gateway that carries DLT-registered templates (MSG91, Gupshup, Kaleyra
and others share this shape): JSON over HTTPS with a bearer key, one DLT template id per message.

Twilio has no two-way SMS in India, so production SMS there goes through a gateway like this one;
the outbox, the opt-out rules and the channel code stay the same."""

from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import httpx
import yaml

from backend.senders import NOT_SENT, OutgoingMessage, PermanentFailure, TemporaryFailure, request_failure
from backend.settings import Settings


@lru_cache
def dlt_templates(path: Path) -> dict[str, str]:
    """locale key -> DLT template id (backend/masterdata/dlt_templates.yml)."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


class HttpGatewaySender:
    """The per-message `reference` is the marker: find_sent asks for it, and its absence, once the
    request can no longer be in flight, proves the gateway never took the message."""

    name = "http_gateway"
    in_flight = timedelta(minutes=1)
    settle_after = timedelta(minutes=7)

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.http = httpx.Client(
            base_url=settings.sms_gateway_url.rstrip("/"),
            headers={"Authorization": f"Bearer {settings.sms_gateway_key}"},
            timeout=httpx.Timeout(10.0, connect=5.0),
            transport=transport,
        )

    def send(self, message: OutgoingMessage) -> str:
        payload = {
            "to": message.to,
            "sender_id": self.settings.sms_gateway_sender_id,
            "text": message.body,
            "dlt_template_id": message.content_sid,
            "reference": str(message.outbox_id),  # lets find_sent answer after a crash
        }
        try:
            response = self.http.post("/messages", json=payload)
        except httpx.HTTPError as exc:
            raise request_failure(exc) from exc
        if response.status_code in (200, 201, 202):
            return str(response.json()["id"])
        detail = response.text[:300]
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryFailure(str(response.status_code), detail)
        raise PermanentFailure(str(response.status_code), detail)

    def find_sent(self, message: OutgoingMessage, *, other_row: Callable[[str], bool]):  # noqa: ANN201, ARG002
        try:
            response = self.http.get("/messages", params={"reference": str(message.outbox_id)})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise TemporaryFailure("lookup", type(exc).__name__) from exc
        found = response.json().get("messages", [])
        return str(found[0]["id"]) if found else NOT_SENT

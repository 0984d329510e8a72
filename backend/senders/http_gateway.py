"""SMS through an Indian gateway that carries DLT-registered templates (MSG91, Gupshup, Kaleyra
and others share this shape): JSON over HTTPS with a bearer key, one DLT template id per message.

Twilio has no two-way SMS in India, so production SMS there goes through a gateway like this one;
the outbox, the opt-out rules and the channel code stay the same."""
from functools import lru_cache
from pathlib import Path

import httpx
import yaml

from backend.senders import OutgoingMessage, PermanentFailure, TemporaryFailure
from backend.settings import Settings


@lru_cache
def dlt_templates(path: Path) -> dict[str, str]:
    """locale key -> DLT template id (backend/masterdata/dlt_templates.yml)."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


class HttpGatewaySender:
    name = "http_gateway"

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
            raise TemporaryFailure("network", type(exc).__name__) from exc
        if response.status_code in (200, 201, 202):
            return str(response.json()["id"])
        detail = response.text[:300]
        if response.status_code == 429 or response.status_code >= 500:
            raise TemporaryFailure(str(response.status_code), detail)
        raise PermanentFailure(str(response.status_code), detail)

    def find_sent(self, message: OutgoingMessage) -> str | None:
        try:
            response = self.http.get("/messages", params={"reference": str(message.outbox_id)})
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise TemporaryFailure("lookup", type(exc).__name__) from exc
        found = response.json().get("messages", [])
        return str(found[0]["id"]) if found else None

"""Inbound SMS from an Indian gateway (Twilio has no two-way SMS in India). The gateway POSTs JSON
{"id", "from", "text"} and signs the raw body with HMAC-SHA256 of a shared secret, hex, in
X-Gateway-Signature; replies leave through the outbox with backend setting sms_provider=http_gateway
(backend/senders/http_gateway.py). Everything after verification is the same as Twilio SMS."""

import json
import logging
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.inbound import InboundText, MalformedWebhook
from channels.text_channel import TextChannelInput
from common.channels import GATEWAY_SMS, SMS
from common.signatures import gateway_signature, same_secret

logger = logging.getLogger(__name__)


class GatewaySmsInput(TextChannelInput):
    provider = "http_gateway"
    channel = SMS
    secret_credentials = {"secret": "SATHI_SMS_GATEWAY_SECRET"}

    @classmethod
    def name(cls) -> str:
        return GATEWAY_SMS

    def __init__(self, secret: str, backend_url: str, channels_token: str, spool_path: str | None = None, **_: Any) -> None:
        super().__init__(backend_url, channels_token, spool_path)
        self.secret = secret

    def verified_form(self, request: Request) -> dict[str, str] | None:
        body = request.body or b""
        given = request.headers.get("X-Gateway-Signature", "")
        if not self.secret or not same_secret(given, gateway_signature(self.secret, body)):
            logger.warning("gateway_sms: rejected a request with a bad or missing signature")
            return None
        try:
            payload = json.loads(body)
        except ValueError:
            return {}
        return {k: str(v) for k, v in payload.items()} if isinstance(payload, dict) else {}

    def parse(self, form: dict[str, str]) -> InboundText:
        if not form.get("id") or not form.get("from"):
            raise MalformedWebhook("id and from are required")
        return InboundText(sid=form["id"], sender=form["from"], text=form.get("text", ""))

    def acknowledgement(self, reply: str | None = None) -> HTTPResponse:
        # Gateways take no reply in the answer: a kept message is answered once the backend is back.
        return response.json({"status": "accepted"})

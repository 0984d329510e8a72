"""The built-in test-mode provider: its page (backend/api/payments.py, mounted with the sandbox)
takes no money and then calls the webhook signed with HMAC-SHA256 of the body in
X-Sandbox-Signature, as a real provider signs its own."""

import hashlib
import hmac
import json

from backend.payment_providers import BadWebhook, PaymentEvent, our_status
from backend.settings import Settings
from common.signatures import same_secret

SIGNATURE_HEADER = "x-sandbox-signature"


def sign(settings: Settings, body: bytes) -> str:
    return hmac.new(settings.payment_secret.encode(), body, hashlib.sha256).hexdigest()


class SandboxProvider:
    name = "sandbox"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def verify_webhook(self, headers: dict[str, str], body: bytes) -> PaymentEvent:
        given = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER, "")
        if not same_secret(given, sign(self.settings, body)):
            raise BadWebhook("bad_signature")
        try:
            event = json.loads(body)
            provider_status = event["status"]
            return PaymentEvent(
                int(event["payment_id"]),
                str(event["provider_payment_id"])[:64],
                int(event["amount_paise"]),
                our_status(provider_status),
                provider_status,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # AttributeError: a status that is not text
            raise BadWebhook("malformed_event") from exc

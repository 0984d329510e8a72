"""Payment providers behind one interface, as the senders are: Sathi makes its own signed, expiring
link for each payment and hands the citizen to the provider from there; the provider's webhook
reports a capture, which only the provider can sign. The built-in `sandbox` provider
(sandbox.py) is a test-mode page a person can pay on; a live gateway (Razorpay, PayU, a bank's
UPI collect) is another module implementing PaymentProvider, chosen by SATHI_PAYMENT_PROVIDER."""
from dataclasses import dataclass
from typing import Protocol

from backend.settings import Settings


@dataclass(frozen=True)
class Capture:
    """What a provider's webhook says: this payment of Sathi's was paid, under the provider's id."""

    payment_id: int
    provider_payment_id: str
    amount_paise: int


class BadWebhook(Exception):
    """Not signed by the provider (403), or signed but unreadable (422)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class PaymentProvider(Protocol):
    name: str

    def verify_webhook(self, headers: dict[str, str], body: bytes) -> Capture:
        """The capture the webhook reports; BadWebhook("bad_signature" | "malformed_event") otherwise."""


def get_provider(settings: Settings) -> PaymentProvider:
    from backend.payment_providers.sandbox import SandboxProvider

    providers = {"sandbox": SandboxProvider}
    if settings.payment_provider not in providers:
        raise ValueError(f"unknown payment provider {settings.payment_provider!r}")
    return providers[settings.payment_provider](settings)

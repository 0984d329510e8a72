"""Payment providers behind one interface, as the senders are: Sathi makes its own signed, expiring
link for each payment and hands the citizen to the provider from there; the provider's webhook
reports what became of a payment, which only the provider can sign, and its status is read through
one table (EVENT_STATUSES) for every provider. The built-in `sandbox` provider
(sandbox.py) is a test-mode page a person can pay on; a live gateway (Razorpay, PayU, a bank's
UPI collect) is another module implementing PaymentProvider, chosen by SATHI_PAYMENT_PROVIDER."""

from dataclasses import dataclass
from typing import Protocol

from backend.settings import Settings

# A provider's payment statuses, as Sathi takes them. Only money taken pays: "captured" (Razorpay,
# the sandbox) or "paid"; a failed attempt leaves the link payable; an authorised or pending payment
# waits for the provider's next event. A status not in the table waits too, and is logged.
EVENT_STATUSES = {
    "captured": "paid",
    "paid": "paid",
    "failed": "failed",
    "created": "waiting",
    "pending": "waiting",
    "authorized": "waiting",
    "authorised": "waiting",
}


def our_status(provider_status: str) -> str:
    """paid | failed | waiting."""
    return EVENT_STATUSES.get(provider_status.strip().lower(), "waiting")


@dataclass(frozen=True)
class PaymentEvent:
    """What a provider's webhook says: this payment of Sathi's, under the provider's id, is now
    `status` (ours, through EVENT_STATUSES), as the provider's own word `provider_status` said."""

    payment_id: int
    provider_payment_id: str
    amount_paise: int
    status: str
    provider_status: str


class BadWebhook(Exception):
    """Not signed by the provider (403), or signed but unreadable (422)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class PaymentProvider(Protocol):
    name: str

    def verify_webhook(self, headers: dict[str, str], body: bytes) -> PaymentEvent:
        """The event the webhook reports; BadWebhook("bad_signature" | "malformed_event") otherwise."""


def get_provider(settings: Settings) -> PaymentProvider:
    from backend.payment_providers.sandbox import SandboxProvider

    providers = {"sandbox": SandboxProvider}
    if settings.payment_provider not in providers:
        raise ValueError(f"unknown payment provider {settings.payment_provider!r}")
    return providers[settings.payment_provider](settings)

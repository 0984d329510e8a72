"""Providers that deliver outbox messages, behind one interface (courier's handler-per-channel).

A sender turns an OutgoingMessage into one provider request. It raises TemporaryFailure for what a
retry may fix (network, 429, 5xx) and PermanentFailure for what it will not (invalid number,
unsubscribed recipient). find_sent answers "did you accept this already?" after a worker crash.
"""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    outbox_id: int
    channel: str  # whatsapp | sms
    to: str  # normalised phone, +91...
    body: str
    media_url: str | None = None
    content_sid: str | None = None  # WhatsApp template outside the 24-hour window
    content_variables: dict[str, str] = field(default_factory=dict)
    claimed_at: datetime | None = None


class SendFailure(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class TemporaryFailure(SendFailure):
    pass


class PermanentFailure(SendFailure):
    pass


class Sender(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> str:
        """Hands the message to the provider; returns the provider's id for it."""

    def find_sent(self, message: OutgoingMessage) -> str | None:
        """The provider's id if it already accepted this message (since message.claimed_at)."""


# Provider error codes that mean "this number asked not to be messaged".
UNSUBSCRIBED_CODES = {"21610"}

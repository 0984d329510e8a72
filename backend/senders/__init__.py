"""Providers that deliver outbox messages, behind one interface (courier's handler-per-channel).

A sender turns an OutgoingMessage into one provider request. It raises TemporaryFailure for what a
retry may fix and the provider surely never took (no connection, 429, 5xx), PermanentFailure for
what a retry will not fix (invalid number, unsubscribed recipient), and InDoubt when the request may
have reached the provider but no answer came back (read timeout, connection dropped after sending):
such a message is settled before it is ever sent again (backend/services/outbox.py).

find_sent answers "did you take this message?" by the marker the sender attached before sending
(never by recipient and text: one number often gets the same text twice): the provider's id, NOT_SENT
when the provider certainly has nothing, or None when it cannot tell (then the status callback,
which carries the outbox id, settles it, or the silence after settle_after). `other_row(sid)` says
whether a provider id belongs to another outbox row, so a message already accounted for is no doubt."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Protocol

import httpx


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


class InDoubt(SendFailure):
    """The provider may have the message: never retried blindly."""


class _NotSent:
    def __repr__(self) -> str:
        return "NOT_SENT"


NOT_SENT: Final = _NotSent()


def request_failure(exc: httpx.HTTPError) -> SendFailure:
    """One rule for every sender: only errors raised before the request could reach the provider
    (no connection, no pooled connection free) are safe to retry; any other transport error came
    after the request left, so the provider may have taken it."""
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)):
        return TemporaryFailure("network", type(exc).__name__)
    return InDoubt("no_answer", type(exc).__name__)


class Sender(Protocol):
    name: str
    # How long after an attempt the provider may still be taking the request: before that, its
    # "nothing here" proves nothing. After settle_after, silence (no callback, nothing found) means
    # the provider never took it and the message is sent again.
    in_flight: timedelta
    settle_after: timedelta

    def send(self, message: OutgoingMessage) -> str:
        """Hands the message to the provider; returns the provider's id for it."""

    def find_sent(self, message: OutgoingMessage, *, other_row: Callable[[str], bool]) -> "str | _NotSent | None":
        """The provider's id if it took this message, NOT_SENT if it surely did not, None if unknown."""


# Provider error codes that mean "this number asked not to be messaged".
UNSUBSCRIBED_CODES = {"21610"}
# Provider error codes that mean "never sent": Twilio's 30036, the message outlived its
# ValidityPeriod in Twilio's queue. Such a message is queued again, not failed.
NEVER_SENT_CODES = {"30036"}

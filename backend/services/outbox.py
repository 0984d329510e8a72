"""The outbox: every message to a phone is a row first, written in the caller's transaction, and
backend.outbox_worker delivers it. Rows for one recipient go out in id order.

Claiming is one conditional UPDATE (status pending -> sending), so any number of workers on any
number of machines can share the table. A worker that dies inside the provider call leaves its row
'sending' with an expired lease; the row becomes in_doubt and is settled by the status callback or
by asking the provider, and sent again only if the provider never got it: no loss, no double."""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, aliased

import locales
from backend.models import Case, DeliveryStatus, OutboxMessage
from backend.privacy import mask_phone
from backend.services.citizens import normalise_phone

logger = logging.getLogger(__name__)

UNFINISHED = ("pending", "sending", "in_doubt")
# Provider statuses mapped to ours, with a rank so a late 'sent' never overwrites 'delivered'.
STATUS_MAP = {
    "accepted": "sent", "queued": "sent", "sending": "sent", "sent": "sent",
    "delivered": "delivered", "read": "read",
    "undelivered": "failed", "failed": "failed",
}
STATUS_RANK = {"pending": 0, "sending": 1, "in_doubt": 1, "sent": 2, "delivered": 3, "read": 4, "failed": 5, "suppressed": 5}


def text_channel_for(case_channel: str | None) -> str | None:
    """The channel a notification about a case goes out on: WhatsApp stays WhatsApp; SMS and
    voice callers get SMS; the REST test channel has no phone to reach."""
    name = (case_channel or "").lower()
    if "whatsapp" in name:
        return "whatsapp"
    if "sms" in name or "voice" in name:
        return "sms"
    return None


def new_message(
    *,
    channel: str,
    recipient: str,
    body: str,
    kind: str,
    now: datetime,
    locale_key: str | None = None,
    language: str = "en",
    variables: dict | None = None,
    media_url: str | None = None,
) -> OutboxMessage:
    return OutboxMessage(
        channel=channel,
        recipient=normalise_phone(recipient),
        kind=kind,
        body=body,
        media_url=media_url,
        locale_key=locale_key,
        language=language,
        variables={k: str(v) for k, v in (variables or {}).items()},
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )


def rendered_message(*, channel: str, recipient: str, key: str, language: str, kind: str, now: datetime, **variables: object) -> OutboxMessage:
    """A notification rendered from locales/ for the channel, in the citizen's language. Variables
    named *_key are kept rendered too, because a WhatsApp template needs the words, not the key."""
    rendered = locales.render(key, language, f"twilio_{channel}", **variables)
    return new_message(
        channel=channel, recipient=recipient, body=rendered["text"], kind=kind, now=now, locale_key=key,
        language=language, variables=locales.resolved_variables(language, f"twilio_{channel}", **variables),
    )


@dataclass(frozen=True)
class Contact:
    """Where and how a person gets messages: a citizen from their case, an official from the roster."""

    phone: str
    channel: str  # whatsapp | sms
    language: str = "en"


def citizen_contact(case: Case) -> Contact | None:
    channel = text_channel_for(case.channel)
    return Contact(case.citizen_phone, channel, case.language or "en") if channel else None


def notify(
    case: Case, *, to: Contact, key: str, now: datetime, menu: dict[str, str] | None = None, media_url: str | None = None,
    **variables: object,
) -> OutboxMessage:
    """Queued on the case itself, so it is saved in the transaction that changes the case. A file
    (media_url) goes along on WhatsApp; SMS carries the link in its words instead."""
    message = rendered_message(
        channel=to.channel, recipient=to.phone, key=key, language=to.language,
        kind="notification", now=now, reference=case.reference, **variables,
    )
    message.menu = menu
    if media_url and to.channel == "whatsapp":
        message.media_url = media_url
    case.outbox_messages.append(message)
    return message


def claim_next(session: Session, *, now: datetime, lease_seconds: float) -> OutboxMessage | None:
    """The oldest due message whose recipient has nothing older unfinished, now 'sending' for us."""
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        and_(earlier.recipient == OutboxMessage.recipient, earlier.id < OutboxMessage.id, earlier.status.in_(UNFINISHED))
    )
    candidates = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now, ~blocked)
        .order_by(OutboxMessage.id)
        .limit(20)
    ).all()
    for message_id in candidates:
        claimed = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
            .values(
                status="sending",
                attempts=OutboxMessage.attempts + 1,
                claimed_at=now,
                lease_until=now + timedelta(seconds=lease_seconds),
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        if claimed == 1:
            return session.get(OutboxMessage, message_id, populate_existing=True)
    return None


def expire_leases(session: Session, *, now: datetime) -> int:
    """Rows whose worker died mid-send: we no longer know whether the provider has them."""
    count = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.lease_until < now)
        .values(status="in_doubt", updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return count


def in_doubt(session: Session, *, limit: int = 20) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == "in_doubt").order_by(OutboxMessage.id).limit(limit)))


def mark_sent(session: Session, message: OutboxMessage, *, provider: str, provider_sid: str, now: datetime) -> None:
    message.provider = provider
    message.provider_sid = provider_sid
    if STATUS_RANK.get(message.status, 0) < STATUS_RANK["sent"]:
        message.status = "sent"
    message.lease_until = None
    message.updated_at = now
    session.commit()


def mark_retry(session: Session, message: OutboxMessage, *, code: str, detail: str, now: datetime, max_attempts: int, backoff_seconds: float) -> None:
    message.error_code, message.error_detail = code, detail
    message.lease_until = None
    message.updated_at = now
    if message.attempts >= max_attempts:
        message.status = "failed"
        logger.error("outbox %s to %s failed after %s attempts: %s", message.id, mask_phone(message.recipient), message.attempts, code)
    else:
        message.status = "pending"
        message.next_attempt_at = now + timedelta(seconds=backoff_seconds * 2 ** (message.attempts - 1))
    session.commit()


def mark_failed(session: Session, message: OutboxMessage, *, code: str, detail: str, now: datetime, status: str = "failed") -> None:
    message.status = status
    message.error_code, message.error_detail = code, detail
    message.lease_until = None
    message.updated_at = now
    session.commit()
    logger.warning("outbox %s to %s %s: %s", message.id, mask_phone(message.recipient), status, code)


def release_for_resend(session: Session, message: OutboxMessage, *, now: datetime) -> None:
    message.status = "pending"
    message.next_attempt_at = now
    message.updated_at = now
    session.commit()


@dataclass(frozen=True)
class StatusUpdate:
    provider_sid: str
    provider_status: str
    error_code: str | None
    outbox_id: int | None


def record_status(session: Session, update_: StatusUpdate, *, now: datetime) -> OutboxMessage | None:
    """A provider's status callback: kept as received, and moves the message forward only."""
    message = session.get(OutboxMessage, update_.outbox_id) if update_.outbox_id else None
    if message is None or (message.provider_sid and message.provider_sid != update_.provider_sid):
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == update_.provider_sid))
    session.add(DeliveryStatus(
        outbox_id=message.id if message else None, provider_sid=update_.provider_sid,
        status=update_.provider_status[:24], error_code=update_.error_code, at=now,
    ))
    if message is not None:
        ours = STATUS_MAP.get(update_.provider_status.lower())
        if message.provider_sid is None:  # the sender died before it could write this down
            message.provider_sid = update_.provider_sid
            message.provider = message.provider or "twilio"
        if ours and STATUS_RANK[ours] > STATUS_RANK.get(message.status, 0):
            message.status = ours
            message.updated_at = now
        if update_.error_code:
            message.error_code = update_.error_code
    session.commit()
    return message


def by_status(session: Session, *, status: str, limit: int = 100) -> list[OutboxMessage]:
    return list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == status).order_by(OutboxMessage.id.desc()).limit(limit)
    ))

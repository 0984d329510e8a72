"""The outbox: every message to a phone is a row first, written in the caller's transaction, and
backend.outbox_worker delivers it. Rows for one recipient go out in id order.

Claiming is one conditional UPDATE (status pending -> sending), so any number of workers on any
number of machines can share the table. Finding what to claim reads only unfinished rows, through
partial indexes (models.OutboxMessage): the cost does not grow with the backlog or with a
recipient's history.

A send that may have reached the provider without our knowing (the worker died inside the call, or
the answer never came) leaves the row in_doubt. It is settled by the provider's status callback,
which names the row (the marker the sender attached before sending), or by the sender's own lookup
by that marker, and sent again only when the provider surely has nothing or stayed silent past the
sender's settle_after (see backend/senders/). Never by recipient and text: one number often gets
the same text twice. Status only moves forward (STATUS_RANK): a late "failed" never undoes
"delivered"."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, object_session

import locales
from backend.db import literal_in, rows_changed
from backend.models import OUTBOX_UNFINISHED, OUTBOX_UNFINISHED_SQL, Case, Citizen, DeliveryStatus, OutboxMessage, UtcDateTime
from backend.privacy import mask_phone
from backend.senders import NEVER_SENT_CODES
from backend.services import staff_menu
from backend.services.citizens import normalise_phone
from backend.workflow import Transition, WorkflowDef, on_transition
from common.channels import SMS, WHATSAPP, Contact, text_channel_for
from common.clock import local_day

logger = logging.getLogger(__name__)

# The one table from provider statuses to ours.
STATUS_MAP = {
    "accepted": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "scheduled": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}
# A status only ever moves up this ladder: a late 'sent' never overwrites 'delivered', a late
# 'failed' never undoes 'delivered' or 'read', and 'sent' may still become 'failed'.
STATUS_RANK = {
    "pending": 0,
    "sending": 1,
    "in_doubt": 1,
    "sent": 2,
    "failed": 3,
    "suppressed": 3,
    "delivered": 4,
    "read": 5,
}


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


def rendered_message(
    *,
    channel: str,
    recipient: str,
    key: str,
    language: str,
    kind: str,
    now: datetime,
    latin_sms: bool = False,
    **variables: Any,
) -> OutboxMessage:
    """A notification rendered from locales/ for the channel, in the citizen's language (by SMS in
    Latin letters for one who writes so). Variables named *_key are kept rendered too, because a
    WhatsApp template needs the words, not the key."""
    rendered = locales.render(key, language, channel, latin_sms=latin_sms, **variables)
    return new_message(
        channel=channel,
        recipient=recipient,
        body=rendered["text"],
        kind=kind,
        now=now,
        locale_key=key,
        language=language,
        variables=locales.resolved_variables(language, channel, **variables),
    )


def citizen_contact(case: Case) -> Contact | None:
    channel = text_channel_for(case.channel)
    if not channel:
        return None
    session = object_session(case)
    citizen = session.get(Citizen, case.citizen_phone) if session else None
    return Contact(case.citizen_phone, channel, case.language or "en", bool(citizen and citizen.latin_script))


def notify(
    case: Case,
    *,
    to: Contact,
    key: str,
    now: datetime,
    menu: dict[str, str] | None = None,
    media_url: str | None = None,
    **variables: object,
) -> OutboxMessage:
    """Queued on the case itself, so it is saved in the transaction that changes the case. A file
    (media_url) goes along on WhatsApp; SMS carries the link in its words instead."""
    message = rendered_message(
        channel=to.channel,
        recipient=to.phone,
        key=key,
        language=to.language,
        kind="notification",
        now=now,
        latin_sms=to.latin_script,
        reference=case.reference,
        **variables,
    )
    message.menu = menu
    if media_url and to.channel == WHATSAPP:
        message.media_url = media_url
    case.outbox_messages.append(message)
    return message


WINDOW = 100  # pending rows the first, cheap look reads (blocked ones included)
# Each recipient's oldest unfinished row, found by a walk over the recipients that have one (a
# loose index scan, written out for both databases): used when the oldest pending rows are all
# blocked, e.g. thousands waiting behind one recipient's row in flight.
HEADS = text(f"""
WITH RECURSIVE heads(recipient) AS (
    SELECT MIN(recipient) FROM outbox WHERE {OUTBOX_UNFINISHED_SQL}
    UNION ALL
    SELECT (SELECT MIN(recipient) FROM outbox WHERE {OUTBOX_UNFINISHED_SQL} AND recipient > heads.recipient)
    FROM heads WHERE heads.recipient IS NOT NULL
)
SELECT head.id FROM heads
JOIN outbox AS head ON head.id = (SELECT MIN(id) FROM outbox WHERE {OUTBOX_UNFINISHED_SQL} AND recipient = heads.recipient)
WHERE head.status = 'pending' AND head.next_attempt_at <= :now AND head.id > :after
ORDER BY head.id LIMIT 20
""").bindparams(bindparam("now", type_=UtcDateTime()))


def _candidates(session: Session, *, now: datetime, after: int) -> list[int]:
    """Up to 20 ids of sendable rows (due, nothing older unfinished for the recipient), oldest first.
    First the oldest WINDOW pending rows, one index seek each; if all of those are blocked, the
    recipients' heads: either way the cost follows what is sendable, not the backlog or the history."""
    window = (
        select(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.next_attempt_at)
        .where(literal_in(OutboxMessage.status, ("pending",)), OutboxMessage.id > after)
        .order_by(OutboxMessage.id)
        .limit(WINDOW)
        .subquery()
    )
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        and_(
            earlier.recipient == window.c.recipient,
            earlier.id < window.c.id,
            literal_in(earlier.status, OUTBOX_UNFINISHED),
        )
    )
    rows = session.execute(select(window.c.id, window.c.next_attempt_at <= now, ~blocked).order_by(window.c.id)).all()
    sendable = [message_id for message_id, due, free in rows if due and free]
    if sendable or len(rows) < WINDOW:
        return sendable[:20]
    return list(session.scalars(HEADS, {"now": now, "after": after}))


def claim_next(session: Session, *, now: datetime, lease_seconds: float) -> OutboxMessage | None:
    """The oldest due message whose recipient has nothing older unfinished, now 'sending' for us.
    When other workers took every candidate first, the next ones are read."""
    after = 0
    while True:
        candidates = _candidates(session, now=now, after=after)
        session.commit()  # no read transaction held open between claims
        for message_id in candidates:
            claimed = rows_changed(
                session,
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
                .values(
                    status="sending",
                    attempts=OutboxMessage.attempts + 1,
                    claimed_at=now,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    updated_at=now,
                )
                .execution_options(synchronize_session=False),
            )
            session.commit()
            if claimed == 1:
                return session.get(OutboxMessage, message_id, populate_existing=True)
        if not candidates:
            return None
        after = candidates[-1]


def expire_leases(session: Session, *, now: datetime) -> int:
    """Rows whose worker died mid-send: we no longer know whether the provider has them."""
    count = rows_changed(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.lease_until < now)
        .values(status="in_doubt", next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False),
    )
    session.commit()
    return count


def in_doubt(session: Session, *, now: datetime, limit: int = 20) -> list[OutboxMessage]:
    """In-doubt rows due for a check (a row just checked waits for its next_attempt_at)."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "in_doubt", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def mark_in_doubt(session: Session, message: OutboxMessage, *, code: str, detail: str, now: datetime, check_at: datetime) -> None:
    """The provider may have it. Left alone if a status callback already settled it meanwhile."""
    session.refresh(message)
    if message.status == "sending":
        message.status = "in_doubt"
        message.error_code, message.error_detail = code, detail
        message.lease_until = None
        message.next_attempt_at = check_at
        message.updated_at = now
    session.commit()
    logger.warning("outbox %s to %s in doubt: %s", message.id, mask_phone(message.recipient), code)


def check_again(session: Session, message: OutboxMessage, *, at: datetime) -> None:
    message.next_attempt_at = at
    session.commit()


def sid_owner(session: Session, provider_sid: str) -> int | None:
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.provider_sid == provider_sid))


def _take_sid(session: Session, message: OutboxMessage, provider_sid: str) -> None:
    """Writes the provider's id on the row unless another row owns it already (a provider that
    reuses ids, or a row settled wrongly before): logged, never raised, so one row cannot stop a pass."""
    owner = sid_owner(session, provider_sid)
    if owner is None or owner == message.id:
        message.provider_sid = provider_sid
    else:
        message.error_code = "provider_sid_taken"
        logger.error(
            "outbox %s to %s: provider id already belongs to outbox %s; kept without it",
            message.id,
            mask_phone(message.recipient),
            owner,
        )


def _commit_or_drop_sid(session: Session, message: OutboxMessage, apply) -> None:  # noqa: ANN001
    """Commits; if a concurrent writer took the same provider id first, commits again without it."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        session.refresh(message)
        apply(None)
        message.error_code = "provider_sid_taken"
        session.commit()
        logger.error(
            "outbox %s to %s: provider id taken by another row meanwhile; kept without it",
            message.id,
            mask_phone(message.recipient),
        )


def mark_sent(session: Session, message: OutboxMessage, *, provider: str, provider_sid: str, now: datetime) -> None:
    # A status report may have moved the row on while the provider's answer was on its way (a slow
    # provider): read it again, locked, so 'sent' never overwrites 'delivered'.
    session.refresh(message, with_for_update=True)

    def apply(sid: str | None) -> None:
        message.provider = provider
        if sid:
            _take_sid(session, message, sid)
        if STATUS_RANK.get(message.status, 0) < STATUS_RANK["sent"]:
            message.status = "sent"
        message.lease_until = None
        message.updated_at = now

    apply(provider_sid)
    _commit_or_drop_sid(session, message, apply)


def mark_retry(
    session: Session, message: OutboxMessage, *, code: str, detail: str, now: datetime, max_attempts: int, backoff_seconds: float
) -> None:
    message.error_code, message.error_detail = code, detail
    message.lease_until = None
    message.updated_at = now
    if message.attempts >= max_attempts:
        message.status = "failed"
        logger.error(
            "outbox %s to %s failed after %s attempts: %s", message.id, mask_phone(message.recipient), message.attempts, code
        )
    else:
        message.status = "pending"
        message.next_attempt_at = now + timedelta(seconds=backoff_seconds * 2 ** (message.attempts - 1))
    session.commit()


def mark_failed(
    session: Session, message: OutboxMessage, *, code: str, detail: str, now: datetime, status: str = "failed"
) -> None:
    message.status = status
    message.error_code, message.error_detail = code, detail
    message.lease_until = None
    message.updated_at = now
    session.commit()
    logger.warning("outbox %s to %s %s: %s", message.id, mask_phone(message.recipient), status, code)


def fall_back_to_sms(session: Session, message: OutboxMessage, *, now: datetime) -> OutboxMessage | None:
    """A WhatsApp message that failed for good (not a WhatsApp number, no template, undelivered)
    goes again by SMS, in the SMS form of the same words (a file's link in them), in the same
    transaction that records the failure. Not to a number that said STOP."""
    if message.channel != WHATSAPP or message.kind == "opt_out_confirmation":
        return None
    citizen = session.get(Citizen, message.recipient)
    if citizen is not None and citizen.opted_out_at is not None:
        return None
    copy = None
    if message.locale_key and not message.menu:  # numbered answers are in the words as sent: keep them
        given = message.variables or {}
        # the words a *_key variable gave are rendered again for SMS from the key
        variables = {name: value for name, value in given.items() if f"{name}_key" not in given}
        try:
            copy = rendered_message(
                channel=SMS,
                recipient=message.recipient,
                key=message.locale_key,
                language=message.language,
                kind=message.kind,
                now=now,
                latin_sms=bool(citizen and citizen.latin_script),
                **variables,
            )
        except KeyError:  # a key or a value the words need is gone: the same words as sent
            copy = None
    if copy is None:
        copy = new_message(channel=SMS, recipient=message.recipient, body=message.body, kind=message.kind, now=now,
                           language=message.language)  # fmt: skip
    copy.case_id = message.case_id
    copy.menu = message.menu  # "1" answers the SMS as it would have the WhatsApp message
    session.add(copy)
    logger.info("outbox %s to %s failed on WhatsApp: sent again by SMS", message.id, mask_phone(message.recipient))
    return copy


def release_for_resend(session: Session, message: OutboxMessage, *, now: datetime) -> bool:
    """Back to pending, if it is still in doubt (a callback may have settled it since it was read)."""
    released = rows_changed(
        session,
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == "in_doubt")
        .values(status="pending", next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False),
    )
    session.commit()
    return released == 1


@dataclass(frozen=True)
class StatusUpdate:
    provider_sid: str
    provider_status: str
    error_code: str | None
    outbox_id: int | None


def record_status(session: Session, update_: StatusUpdate, *, now: datetime) -> OutboxMessage | None:
    """A provider's status callback: kept as received, and moves the message forward only. The
    outbox id in the callback URL names the row (it is what settles a row in doubt); the provider's
    id is the fallback for callbacks without one."""
    # Locked: two callbacks at once (failed, then undelivered) move it, and fall back to SMS, once.
    message = session.get(OutboxMessage, update_.outbox_id, with_for_update=True) if update_.outbox_id else None
    if message is None:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == update_.provider_sid))

    def apply(sid: str | None) -> None:
        session.add(
            DeliveryStatus(
                outbox_id=message.id if message else None,
                provider_sid=update_.provider_sid[:64],
                status=update_.provider_status[:24],
                error_code=(update_.error_code or "")[:32] or None,
                at=now,
            )
        )
        if message is None:
            return
        ours = STATUS_MAP.get(update_.provider_status.lower())
        if sid and message.provider_sid is None:  # the sender died before it could write this down
            _take_sid(session, message, sid)
            message.provider = message.provider or "twilio"
        if (
            update_.error_code in NEVER_SENT_CODES
            and message.provider_sid == sid
            and message.status in ("sending", "in_doubt", "sent")
        ):
            # It waited in the provider's queue past its validity: never sent, so it goes again.
            message.status, message.provider_sid, message.error_code = "pending", None, update_.error_code
            message.next_attempt_at = message.updated_at = now
            message.lease_until = None
            return
        if ours and STATUS_RANK[ours] > STATUS_RANK.get(message.status, 0):
            if ours == "failed":  # delivered to no one: once, as the status moves up only
                fall_back_to_sms(session, message, now=now)
            message.status = ours
            message.lease_until = None
            message.updated_at = now
            if update_.error_code:
                message.error_code = update_.error_code[:32]

    apply(update_.provider_sid[:64])
    if message is not None:
        _commit_or_drop_sid(session, message, apply)
    else:
        session.commit()
    return message


def by_status(session: Session, *, status: str, limit: int = 100) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == status).order_by(OutboxMessage.id.desc()).limit(limit)
        )
    )


@on_transition
def notify_transition(transition: Transition) -> None:
    """The notices the workflow's action declares, queued on the case in the transaction that moves it."""
    case, action = transition.case, transition.action
    recipients = {"citizen": citizen_contact(case), "assignee": transition.assignee}
    for notice in action.notify:
        to = recipients[notice.to]
        if to is None:
            continue
        service = transition.workflow.service
        values = {
            # said inside a sentence that ends it ("Reason: {reason}. Reply 0…"): not "municipality.."
            "reason": (transition.reason or "").strip().rstrip(".।"),
            "message": (transition.reason or "").strip(),  # a person's own words, as they wrote them
            "state_key": f"case_state.{service}.{action.to}",
            "category_key": f"{service}_category.{case.details['category']}" if case.details.get("category") else "",
            **ward_values(case),
            # a catalog service's notices name it ("your trade licence ... is issued", "your water tanker booking")
            "certificate_key": f"certificate.{case.details['certificate_type']}" if case.details.get("certificate_type") else "",
            "due": local_day(case.sla_due_at),
            **transition.variables,  # the caller's own values win (a service's promise over a step's SLA)
        }
        if notice.to == "assignee":
            notify_holder(case, transition.workflow, to=to, key=notice.key, now=transition.now, **values)
            continue
        notify(
            case,
            to=to,
            key=notice.key,
            now=transition.now,
            media_url=transition.media_url,
            menu={k: v.replace("{reference}", case.reference) for k, v in (notice.menu or {}).items()} or None,
            **values,
        )


def ward_values(case: Case) -> dict[str, Any]:
    """{ward} in an alert: "ward 45" in the reader's words, not the code BMC-W45 (else as given)."""
    if case.ward_number is not None:
        return {"ward_key": "place.ward_number", "ward_number": case.ward_number}
    return {"ward": (case.details or {}).get("ward", "")}


ALERT_WORDS = 300  # of a citizen's message quoted in an alert to the staff (the whole is on the case's page)


def notify_holder(case: Case, workflow: WorkflowDef, *, to: Contact, key: str, now: datetime, **values: Any) -> OutboxMessage:
    """An alert to whoever holds the case, ending with what they may do now by number ({options}:
    "Reply: 1 Resolve · 2 Reject · 0 Your list"); "1" then takes that action from chat."""
    if values.get("message"):  # a citizen's words in an alert: one line, short (a template's value may hold no newline)
        words = " ".join(str(values["message"]).split())
        values["message"] = words if len(words) <= ALERT_WORDS else words[: ALERT_WORDS - 1] + "…"
    session = object_session(case)
    if session is not None:
        options, menu = staff_menu.alert_offer(session, case, workflow, to.phone, to.language, to.channel)
    else:  # not saved yet: nothing to read the holder's rights from, so only their list
        options, menu = staff_menu.offer([], case.reference, to.language, to.channel)
    return notify(case, to=to, key=key, now=now, menu=menu, options=options, **values)

"""Payment links and the provider's webhook.

A link is the payment's id and expiry signed with HMAC-SHA256 (`/pay/<id>.<expiry>.<signature>`),
so it cannot be forged or extended; a UPI intent link carries the same amount and reference. The
provider (backend/payment_providers/) takes the money and reports it by a signed webhook, the only
thing that marks a payment paid, and only when the event's status means money taken (a failed or
pending attempt pays nothing, and nothing turns a paid payment back): a forged one is refused, a
repeated one changes nothing, a second payment for a case already paid is kept as `duplicate` for a
refund."""

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import Case, Payment
from backend.services.citizens import normalise_phone
from backend.settings import Settings
from common.signatures import same_secret

logger = logging.getLogger(__name__)


class PaymentError(Exception):
    code = "payment_error"


class BadToken(PaymentError):
    code = "bad_link"


class Expired(PaymentError):
    code = "link_expired"


class AmountMismatch(PaymentError):
    code = "amount_mismatch"


@dataclass(frozen=True)
class Link:
    payment: Payment
    url: str
    upi: str


def _sign(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def token_for(settings: Settings, payment: Payment) -> str:
    body = f"{payment.id}.{int(payment.expires_at.timestamp())}"
    return f"{body}.{_sign(settings.payment_secret, body)}"


def create_link(session: Session, *, settings: Settings, case: Case, amount_paise: int, now: datetime) -> Link:
    payment = Payment(
        case_id=case.id,
        amount_paise=amount_paise,
        status="created",
        provider=settings.payment_provider,
        expires_at=now + timedelta(minutes=settings.payment_link_minutes),
        created_at=now,
    )
    session.add(payment)
    session.flush()
    return link_for(settings, case, payment)


def link_for(settings: Settings, case: Case, payment: Payment) -> Link:
    url = f"{settings.public_backend_url.rstrip('/')}/pay/{token_for(settings, payment)}"
    upi = "upi://pay?" + urlencode(
        {
            "pa": settings.upi_vpa,
            "pn": settings.upi_payee_name,
            "am": f"{payment.amount_paise / 100:.2f}",
            "cu": "INR",
            "tr": f"{case.reference}-{payment.id}",
            "tn": case.reference,
        },
        quote_via=quote,
    )
    return Link(payment, url, upi)


def current_link(session: Session, *, settings: Settings, case: Case, amount_paise: int, now: datetime) -> Link:
    """The case's newest link while it is still valid, else a new one: an expired link is never
    revived (its page says so), the citizen simply gets a fresh one."""
    latest = session.scalars(
        select(Payment).where(Payment.case_id == case.id, Payment.status == "created").order_by(Payment.id.desc())
    ).first()
    if latest is not None and latest.expires_at > now + timedelta(minutes=10) and latest.amount_paise == amount_paise:
        return link_for(settings, case, latest)
    return create_link(session, settings=settings, case=case, amount_paise=amount_paise, now=now)


def payment_for_token(session: Session, *, settings: Settings, token: str, now: datetime) -> Payment:
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise BadToken("malformed link")
    body = f"{parts[0]}.{parts[1]}"
    if not same_secret(parts[2], _sign(settings.payment_secret, body)):
        raise BadToken("signature does not match")
    payment = session.get(Payment, int(parts[0]))
    if payment is None or int(payment.expires_at.timestamp()) != int(parts[1]):
        raise BadToken("no such payment")
    if now > payment.expires_at and payment.status == "created":
        raise Expired("link expired")
    return payment


def record_capture(
    session: Session, *, payment_id: int, provider_payment_id: str, amount_paise: int, now: datetime
) -> tuple[Payment, bool]:
    """-> (payment, whether this capture newly paid the case). Idempotent on provider_payment_id."""
    earlier = session.scalar(select(Payment).where(Payment.provider_payment_id == provider_payment_id))
    if earlier is not None:
        return earlier, False  # the provider repeated its webhook
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise BadToken("no such payment")
    if amount_paise != payment.amount_paise:
        raise AmountMismatch(f"paid {amount_paise}, asked {payment.amount_paise}")
    already_paid = (
        session.scalar(
            select(Payment).where(Payment.case_id == payment.case_id, Payment.status == "paid", Payment.id != payment.id)
        )
        is not None
        or payment.status == "paid"
    )
    if payment.status == "paid":  # the same link paid twice: keep the second capture for a refund
        payment = Payment(
            case_id=payment.case_id,
            amount_paise=amount_paise,
            status="created",
            provider=payment.provider,
            expires_at=payment.expires_at,
            created_at=now,
        )
        session.add(payment)
    payment.provider_payment_id = provider_payment_id
    payment.paid_at = now
    payment.status = "duplicate" if already_paid else "paid"
    try:
        session.flush()
    except IntegrityError:  # two deliveries of one webhook at once: the other one recorded it
        session.rollback()
        return session.scalars(select(Payment).where(Payment.provider_payment_id == provider_payment_id)).one(), False
    if already_paid:
        logger.warning("case %s paid twice; payment %s kept for refund", payment.case_id, payment.id)
    return payment, not already_paid


def record_event(
    session: Session, *, payment_id: int, provider_payment_id: str, amount_paise: int, status: str, now: datetime
) -> tuple[Payment, bool]:
    """A provider's event, its status already ours (payment_providers.EVENT_STATUSES) -> (payment,
    whether it newly paid the case). Only "paid" pays; any other leaves the payment as it was (a
    failure that comes after the capture of the same provider payment changes nothing) and the
    link payable, and is logged for whoever answers the citizen's "I paid"."""
    if status == "paid":
        return record_capture(
            session, payment_id=payment_id, provider_payment_id=provider_payment_id, amount_paise=amount_paise, now=now
        )
    payment = session.scalar(select(Payment).where(Payment.provider_payment_id == provider_payment_id)) or session.get(
        Payment, payment_id
    )
    if payment is None:
        raise BadToken("no such payment")
    logger.info("payment %s: the provider reports %s for %s; nothing paid", payment.id, status, provider_payment_id)
    return payment, False


class NothingToPay(PaymentError):
    code = "nothing_to_pay"


def link_for_phone(
    session: Session, *, settings: Settings, phone: str, reference: str | None, now: datetime
) -> tuple[Case, Link]:
    """A valid payment link for the phone's request waiting for payment, of any service: the one
    named, else the newest."""
    query = select(Case).where(Case.citizen_phone == normalise_phone(phone), Case.state == "PENDING_PAYMENT")
    if reference:
        query = query.where(Case.reference == reference.strip().upper())
    case = session.scalars(query.order_by(Case.id.desc())).first()
    if case is None:
        raise NothingToPay("no request of this phone waits for payment")
    return case, current_link(session, settings=settings, case=case, amount_paise=case.details["fee_paise"], now=now)

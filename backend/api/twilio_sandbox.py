"""A built-in stand-in for Twilio's Messages API, so Sathi runs end to end without an account.

It speaks the same REST shape as api.twilio.com (basic auth with the account SID and auth token,
form-encoded POST, JSON answers, RFC 2822 dates), records each message, and reports delivery to the
message's StatusCallback signed exactly as Twilio signs it. The outbox settles a send in doubt by
that report, so the sandbox keeps it like Twilio does: a report the backend did not take (it was
down, or it died before the report went out: the sandbox runs inside it) is made again on the
sandbox's next requests. The phone simulator reads what it recorded. Mounted only while
SATHI_SANDBOX_ENABLED is true; turn it off in production."""

import asyncio
import base64
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Annotated
from urllib.parse import parse_qsl

import httpx
from fastapi import APIRouter, BackgroundTasks, Header, HTTPException, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from backend.api.deps import NowDep, RawBodyDep, SessionDep, SettingsDep
from backend.api.schemas import INT_COLUMN_MAX
from backend.db import get_session_factory
from backend.models import SandboxMessage
from backend.settings import Settings
from common.signatures import same_secret, sign

router = APIRouter(prefix="/sandbox/twilio", tags=["sandbox"])


def _check_basic_auth(settings: Settings, account_sid: str, authorization: str | None) -> None:
    expected = base64.b64encode(f"{settings.twilio_account_sid}:{settings.twilio_auth_token}".encode()).decode()
    if account_sid != settings.twilio_account_sid or not authorization or not same_secret(authorization, f"Basic {expected}"):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail={"code": 20003, "message": "Authenticate", "status": 401})


def _resource(message: SandboxMessage, account_sid: str) -> dict:
    return {
        "sid": message.sid,
        "account_sid": account_sid,
        "from": message.sender,
        "to": message.recipient,
        "body": message.body,
        "content_sid": message.content_sid,
        "status": "queued",
        "num_segments": "1",
        "num_media": "1" if message.media_url else "0",
        "direction": "outbound-api",
        "date_created": format_datetime(message.created_at),
        "date_sent": format_datetime(message.created_at),
        "error_code": None,
        "error_message": None,
        "api_version": "2010-04-01",
    }


REPORT_AGAIN_AFTER = timedelta(seconds=5)  # a report not taken by then is made again
_reporting: set[str] = set()  # sids whose reports are on their way from this process


def _mark_reported(database_url: str, sid: str) -> None:
    with get_session_factory(database_url)() as session:
        message = session.scalar(select(SandboxMessage).where(SandboxMessage.sid == sid))
        if message is not None:
            message.reported_at = datetime.now(UTC)
            session.commit()


# Twilio's answer for a WhatsApp message to a number that has no WhatsApp.
NOT_ON_WHATSAPP = "63003"


def _outcome(settings: Settings, to: str) -> tuple[str, str | None]:
    """How a message ends: delivered, or (a number with no WhatsApp) undelivered with 63003."""
    number = to.removeprefix("whatsapp:")
    if to.startswith("whatsapp:") and number in settings.sandbox_numbers_without_whatsapp:
        return "undelivered", NOT_ON_WHATSAPP
    return "delivered", None


async def _report_delivery(
    callback_url: str,
    sid: str,
    to: str,
    auth_token: str,
    database_url: str,
    outcome: tuple[str, str | None] = ("delivered", None),
) -> None:
    """sent, then delivered (or undelivered, with its error); done once the backend answered (a 5xx
    or no answer: made again later)."""
    if sid in _reporting:
        return
    _reporting.add(sid)
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            last, error = outcome
            for state in ("sent", last):
                params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": state, "SmsStatus": state, "To": to}
                if state == last and error:
                    params["ErrorCode"] = error
                try:
                    response = await client.post(
                        callback_url, data=params, headers={"X-Twilio-Signature": sign(auth_token, callback_url, params)}
                    )
                except httpx.HTTPError:
                    return
                if response.status_code >= 500:
                    return
                await asyncio.sleep(0.05)
        await asyncio.to_thread(_mark_reported, database_url, sid)
    finally:
        _reporting.discard(sid)


def _report_missed(session, background: BackgroundTasks, settings: Settings, now: datetime) -> None:  # noqa: ANN001
    missed = session.scalars(
        select(SandboxMessage)
        .where(
            SandboxMessage.status_callback.is_not(None),
            SandboxMessage.reported_at.is_(None),
            SandboxMessage.created_at < now - REPORT_AGAIN_AFTER,
        )
        .order_by(SandboxMessage.id)
        .limit(20)
    ).all()
    for message in missed:
        if message.sid not in _reporting:
            background.add_task(
                _report_delivery,
                message.status_callback,
                message.sid,
                message.recipient,
                settings.twilio_auth_token,
                settings.database_url,
                _outcome(settings, message.recipient),
            )


@router.post("/2010-04-01/Accounts/{account_sid}/Messages.json", status_code=status.HTTP_201_CREATED)
def create_message(
    account_sid: str,
    raw: RawBodyDep,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    authorization: Annotated[str | None, Header()] = None,
) -> dict:
    _check_basic_auth(settings, account_sid, authorization)
    form = dict(parse_qsl(raw.decode(), keep_blank_values=True))
    if not form.get("To") or not form.get("From") or not (form.get("Body") or form.get("ContentSid")):
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, detail={"code": 21602, "message": "Message body is required.", "status": 400}
        )
    body = form.get("Body") or f"[template {form['ContentSid']}] {form.get('ContentVariables', '')}"
    message = SandboxMessage(
        sid=f"SM{uuid.uuid4().hex}",
        sender=form["From"],
        recipient=form["To"],
        body=body,
        content_sid=form.get("ContentSid"),
        content_variables=form.get("ContentVariables"),
        media_url=form.get("MediaUrl"),
        created_at=now,
        status_callback=form.get("StatusCallback") or None,
    )
    session.add(message)
    session.commit()
    if message.status_callback:
        background.add_task(
            _report_delivery,
            message.status_callback,
            message.sid,
            message.recipient,
            settings.twilio_auth_token,
            settings.database_url,
            _outcome(settings, message.recipient),
        )
    _report_missed(session, background, settings, now)
    return _resource(message, account_sid)


@router.get("/2010-04-01/Accounts/{account_sid}/Messages.json")
def list_messages(
    account_sid: str,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    authorization: Annotated[str | None, Header()] = None,
) -> dict:
    _check_basic_auth(settings, account_sid, authorization)
    _report_missed(session, background, settings, now)
    page_size = request.query_params.get("PageSize", "50")
    query = (
        select(SandboxMessage).order_by(SandboxMessage.id.desc()).limit(min(int(page_size), 1000) if page_size.isdigit() else 50)
    )
    if request.query_params.get("To"):
        query = query.where(SandboxMessage.recipient == request.query_params["To"])
    since = request.query_params.get("DateSent>")
    if since:
        query = query.where(SandboxMessage.created_at >= datetime.fromisoformat(since).replace(tzinfo=UTC))
    return {"messages": [_resource(m, account_sid) for m in session.scalars(query)]}


# What the phone simulator's /photo sends: a small photo the sandbox serves where Twilio serves
# media (a 2x2 PNG), so a photo can be tried without the internet.
SAMPLE_PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a730000001049444154789c63b890a000440c"
    "100a00278e0541c12c95750000000049454e44ae426082"
)


@router.get("/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}/Media/{media_sid}")
def media(
    account_sid: str,
    message_sid: str,
    media_sid: str,
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    _check_basic_auth(settings, account_sid, authorization)  # Twilio's media, too, needs the account's auth
    return Response(SAMPLE_PHOTO, media_type="image/png")


class InboxIn(BaseModel):
    to: str = Field(min_length=1, max_length=48)  # as Twilio addresses it: whatsapp:+91... or +91...
    after: int = Field(default=0, ge=0, le=INT_COLUMN_MAX)  # a message id


@router.post("/inbox")
def inbox(
    body: InboxIn,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    authorization: Annotated[str | None, Header()] = None,
) -> list[dict]:
    """What a phone has received so far, for the simulator (in the body, so logs never hold numbers).
    Payment and certificate links are in there: the account's basic auth, as Twilio's own reads ask."""
    _check_basic_auth(settings, settings.twilio_account_sid, authorization)
    _report_missed(session, background, settings, now)
    rows = session.scalars(
        select(SandboxMessage)
        .where(SandboxMessage.recipient == body.to, SandboxMessage.id > body.after)
        .order_by(SandboxMessage.id)
    )
    return [{"id": m.id, "sid": m.sid, "body": m.body, "content_sid": m.content_sid, "media_url": m.media_url} for m in rows]

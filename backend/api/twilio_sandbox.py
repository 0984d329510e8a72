"""A built-in stand-in for Twilio's Messages API, so Sathi runs end to end without an account.

It speaks the same REST shape as api.twilio.com (basic auth with the account SID and auth token,
form-encoded POST, JSON answers, RFC 2822 dates), records each message, and reports delivery to the
message's StatusCallback signed exactly as Twilio signs it. The phone simulator reads what it
recorded. Mounted only while SATHI_SANDBOX_ENABLED is true; turn it off in production."""
import asyncio
import base64
import secrets
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated
from urllib.parse import parse_qsl

import httpx
from fastapi import APIRouter, BackgroundTasks, Header, HTTPException, Request, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from backend.api.deps import NowDep, RawBodyDep, SessionDep, SettingsDep
from backend.models import SandboxMessage
from backend.settings import Settings
from channels.signatures import sign

router = APIRouter(prefix="/sandbox/twilio", tags=["sandbox"])


def _check_basic_auth(settings: Settings, account_sid: str, authorization: str | None) -> None:
    expected = base64.b64encode(f"{settings.twilio_account_sid}:{settings.twilio_auth_token}".encode()).decode()
    if account_sid != settings.twilio_account_sid or not authorization or not secrets.compare_digest(authorization, f"Basic {expected}"):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail={"code": 20003, "message": "Authenticate", "status": 401})


def _resource(message: SandboxMessage, account_sid: str) -> dict:
    return {
        "sid": message.sid, "account_sid": account_sid, "from": message.sender, "to": message.recipient,
        "body": message.body, "content_sid": message.content_sid, "status": "queued",
        "num_segments": "1", "num_media": "1" if message.media_url else "0", "direction": "outbound-api",
        "date_created": format_datetime(message.created_at), "date_sent": format_datetime(message.created_at),
        "error_code": None, "error_message": None, "api_version": "2010-04-01",
    }


async def _report_delivery(callback_url: str, sid: str, to: str, auth_token: str) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        for state in ("sent", "delivered"):
            params = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": state, "SmsStatus": state, "To": to}
            try:
                await client.post(callback_url, data=params, headers={"X-Twilio-Signature": sign(auth_token, callback_url, params)})
            except httpx.HTTPError:
                return
            await asyncio.sleep(0.05)


@router.post("/2010-04-01/Accounts/{account_sid}/Messages.json", status_code=status.HTTP_201_CREATED)
def create_message(
    account_sid: str, raw: RawBodyDep, background: BackgroundTasks, session: SessionDep, settings: SettingsDep,
    now: NowDep, authorization: Annotated[str | None, Header()] = None,
) -> dict:
    _check_basic_auth(settings, account_sid, authorization)
    form = dict(parse_qsl(raw.decode(), keep_blank_values=True))
    if not form.get("To") or not form.get("From") or not (form.get("Body") or form.get("ContentSid")):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail={"code": 21602, "message": "Message body is required.", "status": 400})
    body = form.get("Body") or f"[template {form['ContentSid']}] {form.get('ContentVariables', '')}"
    message = SandboxMessage(
        sid=f"SM{uuid.uuid4().hex}", sender=form["From"], recipient=form["To"], body=body,
        content_sid=form.get("ContentSid"), content_variables=form.get("ContentVariables"),
        media_url=form.get("MediaUrl"), created_at=now,
    )
    session.add(message)
    session.commit()
    if form.get("StatusCallback"):
        background.add_task(_report_delivery, form["StatusCallback"], message.sid, message.recipient, settings.twilio_auth_token)
    return _resource(message, account_sid)


@router.get("/2010-04-01/Accounts/{account_sid}/Messages.json")
def list_messages(
    account_sid: str, request: Request, session: SessionDep, settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> dict:
    _check_basic_auth(settings, account_sid, authorization)
    query = select(SandboxMessage).order_by(SandboxMessage.id.desc()).limit(50)
    if request.query_params.get("To"):
        query = query.where(SandboxMessage.recipient == request.query_params["To"])
    since = request.query_params.get("DateSent>")
    if since:
        query = query.where(SandboxMessage.created_at >= datetime.fromisoformat(since).replace(tzinfo=UTC))
    return {"messages": [_resource(m, account_sid) for m in session.scalars(query)]}


class InboxIn(BaseModel):
    to: str = Field(min_length=1, max_length=48)  # as Twilio addresses it: whatsapp:+91... or +91...
    after: int = 0


@router.post("/inbox")
def inbox(body: InboxIn, session: SessionDep) -> list[dict]:
    """What a phone has received so far, for the simulator (in the body, so logs never hold numbers)."""
    rows = session.scalars(
        select(SandboxMessage).where(SandboxMessage.recipient == body.to, SandboxMessage.id > body.after).order_by(SandboxMessage.id)
    )
    return [
        {"id": m.id, "sid": m.sid, "body": m.body, "content_sid": m.content_sid, "media_url": m.media_url}
        for m in rows
    ]

"""Twilio's message status callbacks. No bearer token here: Twilio signs the request instead, and
an unsigned or wrongly signed one gets 403 and changes nothing."""

from urllib.parse import parse_qsl

from fastapi import APIRouter, HTTPException, Request, status

from backend.api.deps import NowDep, RawBodyDep, SessionDep, SettingsDep
from backend.senders import UNSUBSCRIBED_CODES
from backend.services import citizens, outbox
from common.signatures import is_valid, public_url

router = APIRouter(prefix="/api/v1/twilio", tags=["twilio"])


def signed_form(request: Request, body: bytes, auth_token: str, public_base_url: str) -> dict[str, str]:
    """The POSTed form, if X-Twilio-Signature matches it; 403 otherwise."""
    params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    url = public_url(public_base_url, request.url.path, request.url.query)
    if not is_valid(auth_token, url, params, request.headers.get("X-Twilio-Signature")):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": "bad_signature"})
    return params


@router.post("/status", status_code=status.HTTP_204_NO_CONTENT)
def status_callback(request: Request, body: RawBodyDep, session: SessionDep, settings: SettingsDep, now: NowDep) -> None:
    form = signed_form(request, body, settings.twilio_auth_token, settings.public_backend_url)
    sid = form.get("MessageSid") or form.get("SmsSid")
    if not sid:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail={"code": "missing_message_sid"})
    outbox_id = request.query_params.get("outbox_id")
    update = outbox.StatusUpdate(
        provider_sid=sid,
        provider_status=form.get("MessageStatus") or form.get("SmsStatus") or "unknown",
        error_code=form.get("ErrorCode") or None,
        outbox_id=int(outbox_id) if outbox_id and outbox_id.isdigit() else None,
    )
    message = outbox.record_status(session, update, now=now)
    if update.error_code in UNSUBSCRIBED_CODES and message is not None:
        citizens.set_opted_out(session, phone=message.recipient, opted_out=True, now=now)
        session.commit()

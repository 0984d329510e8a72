"""Payments: the provider's signed webhook, and the built-in sandbox provider's payment page, which
a person can open from the link Sathi sends and pay on in test mode (mounted with the sandbox)."""

import json
import uuid
from decimal import Decimal
from html import escape
from typing import Any

import httpx
from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, status
from fastapi.responses import HTMLResponse

import locales
from backend.api.callers import TurnDep, own_case, own_phone
from backend.api.deps import NowDep, RawBodyDep, SessionDep, SettingsDep, WorkflowsDep
from backend.api.schemas import PaymentLinkIn, PaymentLinkOut
from backend.models import Case
from backend.payment_providers import BadWebhook, get_provider, sandbox
from backend.services import payments
from backend.services.cases import find_case
from backend.services.hooks import hooks_for
from common.money import rupees

router = APIRouter(tags=["payments"])
sandbox_router = APIRouter(tags=["sandbox"])

PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 28rem; margin: 2rem auto; padding: 0 1rem">
<h1 style="font-size: 1.3rem">{title}</h1><p>{message}</p>{form}</body></html>"""


def _page(language: str, key: str, *, status_code: int = 200, form: str = "", **variables: Any) -> HTMLResponse:
    title = locales.render("payment_page.title", language, **variables)["text"]
    message = locales.render(key, language, **variables)["text"]
    return HTMLResponse(
        PAGE.format(lang=language, title=escape(title), message=escape(message), form=form), status_code=status_code
    )


@router.post("/api/v1/payments/webhook")
def webhook(
    request: Request, body: RawBodyDep, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep, now: NowDep
) -> dict:
    """The provider reports what became of a payment; only a capture pays. Signed by the provider;
    repeated deliveries change nothing."""
    try:
        event = get_provider(settings).verify_webhook(dict(request.headers), body)
    except BadWebhook as exc:
        code = status.HTTP_403_FORBIDDEN if exc.code == "bad_signature" else status.HTTP_422_UNPROCESSABLE_CONTENT
        raise HTTPException(code, detail={"code": exc.code}) from exc
    try:
        payment, newly_paid = payments.record_event(
            session,
            payment_id=event.payment_id,
            provider_payment_id=event.provider_payment_id,
            amount_paise=event.amount_paise,
            status=event.status,
            now=now,
        )
    except payments.PaymentError as exc:
        session.rollback()
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"code": exc.code}) from exc
    if newly_paid:
        case = session.get_one(Case, payment.case_id)
        hooks_for(workflows[case.service]).paid(case, workflow=workflows[case.service], settings=settings, now=now)
    session.commit()
    return {"status": payment.status, "case_paid": newly_paid}


@router.post("/api/v1/payments/link", response_model=PaymentLinkOut)
def payment_link(body: PaymentLinkIn, turn: TurnDep, session: SessionDep, settings: SettingsDep, now: NowDep) -> PaymentLinkOut:
    """A valid link for the turn's phone's request waiting for payment (a fresh one if the last expired)."""
    phone = own_phone(turn, body.phone)
    named = find_case(session, body.reference, phone=phone) if body.reference else None
    if named is not None:
        own_case(turn, named)
    try:
        case, link = payments.link_for_phone(session, settings=settings, phone=phone, reference=body.reference, now=now)
    except payments.PaymentError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": exc.code}) from exc
    session.commit()
    return PaymentLinkOut(
        reference=case.reference,
        fee_rupees=link.payment.amount_paise / 100,
        payment_url=link.url,
        upi_link=link.upi,
        expires_at=link.payment.expires_at,
    )


@sandbox_router.get("/pay/{token}", response_class=HTMLResponse)
def payment_page(token: str, session: SessionDep, settings: SettingsDep, now: NowDep) -> HTMLResponse:
    try:
        payment = payments.payment_for_token(session, settings=settings, token=token, now=now)
    except payments.Expired:
        return _page("en", "payment_page.expired", status_code=status.HTTP_410_GONE, reference="")
    except payments.BadToken:
        return _page("en", "payment_page.invalid", status_code=status.HTTP_404_NOT_FOUND, reference="")
    case = session.get_one(Case, payment.case_id)
    amount = rupees(Decimal(payment.amount_paise) / 100)
    if payment.status == "paid":
        return _page(case.language, "payment_page.already_paid", reference=case.reference, amount=amount)
    button = locales.render("payment_page.button", case.language, amount=amount)["text"]
    style = "font-size: 1.1rem; padding: .6rem 1rem"
    form = f'<form method="post"><button type="submit" style="{style}">{escape(button)}</button></form>'
    return _page(case.language, "payment_page.amount", form=form, reference=case.reference, amount=amount)


@sandbox_router.post("/pay/{token}", response_class=HTMLResponse)
def sandbox_pay(token: str, background: BackgroundTasks, session: SessionDep, settings: SettingsDep, now: NowDep) -> HTMLResponse:
    """Pays in test mode: the sandbox provider captures and then calls the webhook, signed, as a
    real provider would. Paying twice is possible, as it is with UPI; the webhook sorts it out."""
    try:
        payment = payments.payment_for_token(session, settings=settings, token=token, now=now)
    except payments.PaymentError:
        return _page("en", "payment_page.invalid", status_code=status.HTTP_404_NOT_FOUND, reference="")
    case = session.get_one(Case, payment.case_id)
    event = json.dumps(
        {
            "payment_id": payment.id,
            "provider_payment_id": f"pay_{uuid.uuid4().hex[:20]}",
            "amount_paise": payment.amount_paise,
            "status": "captured",
        }
    ).encode()
    background.add_task(_deliver_webhook, settings.public_backend_url, event, sandbox.sign(settings, event))
    return _page(case.language, "payment_page.paid", reference=case.reference, amount=rupees(Decimal(payment.amount_paise) / 100))


async def _deliver_webhook(base_url: str, event: bytes, signature: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        try:
            await client.post(
                f"{base_url.rstrip('/')}/api/v1/payments/webhook",
                content=event,
                headers={"X-Sandbox-Signature": signature, "Content-Type": "application/json"},
            )
        except httpx.HTTPError:
            pass  # a real provider retries; here the page can be submitted again

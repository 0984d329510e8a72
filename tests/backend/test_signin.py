"""Signing in with a one-time code: the code reaches the registered mobile through the outbox,
and every limit the console promises holds (on SQLite and PostgreSQL)."""
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.api.auth import COOKIE
from backend.api.deps import get_now
from backend.db import get_session_factory
from backend.models import AuditEntry, ConsoleSession, OutboxMessage, SignInCode
from tests.conftest import NOW

OFFICIAL = "+919437200101"  # BMC-SAN-N, alerts on WhatsApp in Odia


@pytest.fixture
def browser(app):
    """Over https, as a browser holding a Secure cookie talks to the console."""
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def _code_sent_to(settings, phone: str) -> str:
    with get_session_factory(settings.database_url)() as session:
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone)
                                  .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"\d{6}", message.body).group()


def test_the_code_goes_to_the_registered_mobile_and_signs_in_once(browser, settings):
    assert browser.post("/api/v1/auth/code", json={"phone": "94372 00101"}).status_code == 202
    with get_session_factory(settings.database_url)() as session:
        message = session.scalars(select(OutboxMessage)).one()
        row = session.scalars(select(SignInCode)).one()
    assert (message.recipient, message.channel, message.language, message.locale_key, message.kind) == (
        OFFICIAL, "whatsapp", "or", "console_signin_code", "signin_code")
    code = re.search(r"\d{6}", message.body).group()
    assert "ସାଥୀ" in message.body and code not in (row.code_hash or "")  # kept only as a hash
    signed_in = browser.post("/api/v1/auth/session", json={"phone": OFFICIAL, "code": code})
    assert signed_in.status_code == 200 and signed_in.json()["person"] == "BMC-SAN-N"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "Secure" in cookie and "samesite=lax" in cookie.lower()
    with get_session_factory(settings.database_url)() as session:
        stored = session.scalars(select(ConsoleSession)).one()
    assert browser.cookies[COOKIE] not in stored.token_hash  # the token is not kept, its hash is
    again = browser.post("/api/v1/auth/session", json={"phone": OFFICIAL, "code": code})
    assert again.status_code == 401 and again.json()["detail"]["code"] == "wrong_code"  # single use


def test_five_wrong_tries_and_the_sixth_is_refused_even_with_the_right_code(browser, settings):
    browser.post("/api/v1/auth/code", json={"phone": OFFICIAL})
    code = _code_sent_to(settings, OFFICIAL)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answers = [browser.post("/api/v1/auth/session", json={"phone": OFFICIAL, "code": wrong}).json()["detail"]["code"]
               for _ in range(5)]
    assert answers == ["wrong_code"] * 4 + ["too_many_tries"]
    sixth = browser.post("/api/v1/auth/session", json={"phone": OFFICIAL, "code": code})
    assert sixth.status_code == 429 and sixth.json()["detail"]["code"] == "too_many_tries"


def test_a_code_expires_after_five_minutes(browser, settings, app):
    browser.post("/api/v1/auth/code", json={"phone": OFFICIAL})
    code = _code_sent_to(settings, OFFICIAL)
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(minutes=5, seconds=1)
    late = browser.post("/api/v1/auth/session", json={"phone": OFFICIAL, "code": code})
    assert late.status_code == 401 and late.json()["detail"]["code"] == "expired"


def test_codes_are_limited_per_number_and_per_address(browser, settings, app):
    answers = [browser.post("/api/v1/auth/code", json={"phone": OFFICIAL}).status_code for _ in range(4)]
    assert answers == [202, 202, 202, 429]
    for n in range(7):  # other numbers from the same address, up to its limit of 10 codes in the window
        browser.post("/api/v1/auth/code", json={"phone": f"+91943720020{n}"})
    assert browser.post("/api/v1/auth/code", json={"phone": "+919437200106"}).status_code == 429
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(minutes=16)  # the window has passed
    assert browser.post("/api/v1/auth/code", json={"phone": OFFICIAL}).status_code == 202


def test_an_unknown_number_gets_the_same_answer_and_no_message(browser, settings):
    answer = browser.post("/api/v1/auth/code", json={"phone": "+919812345678"})
    assert answer.status_code == 202 and answer.json() == {"sent": True}
    with get_session_factory(settings.database_url)() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
    refused = browser.post("/api/v1/auth/session", json={"phone": "+919812345678", "code": "123456"})
    assert refused.json()["detail"]["code"] == "wrong_code"


def test_sign_out_and_expiry_end_the_session(browser, settings, app):
    browser.post("/api/v1/auth/code", json={"phone": OFFICIAL})
    session_answer = browser.post("/api/v1/auth/session", json={"phone": OFFICIAL, "code": _code_sent_to(settings, OFFICIAL)})
    csrf = {"X-CSRF-Token": session_answer.json()["csrf_token"]}
    assert browser.post("/api/v1/auth/sign-out").json()["detail"]["code"] == "csrf_token_missing_or_wrong"
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=12)
    assert browser.post("/api/v1/auth/sign-out", headers=csrf).status_code == 401  # expired after 12 h
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(hours=13)
    browser.post("/api/v1/auth/code", json={"phone": OFFICIAL})
    session_answer = browser.post("/api/v1/auth/session", json={"phone": OFFICIAL, "code": _code_sent_to(settings, OFFICIAL)})
    csrf = {"X-CSRF-Token": session_answer.json()["csrf_token"]}
    assert browser.post("/api/v1/auth/sign-out", headers=csrf).status_code == 204
    assert browser.post("/api/v1/auth/sign-out", headers=csrf).status_code == 401
    with get_session_factory(settings.database_url)() as session:
        trail = [(e.action, e.outcome, e.actor_id) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert trail == [("signin.code", "ok", "***0101"), ("signin.ok", "ok", "BMC-SAN-N"),
                     ("signin.code", "ok", "***0101"), ("signin.ok", "ok", "BMC-SAN-N"), ("signout", "ok", "BMC-SAN-N")]


def test_guesses_sent_together_spend_one_try_each(app, settings):
    """Twenty wrong guesses at once (threads, separate connections): at most five are weighed."""
    from concurrent.futures import ThreadPoolExecutor

    from backend.services import signin

    with get_session_factory(settings.database_url)() as session:
        signin.request_code(session, settings=settings, phone_text=OFFICIAL, address="10.0.0.1", now=NOW)
    code = _code_sent_to(settings, OFFICIAL)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    def guess(_: int) -> str:
        with get_session_factory(settings.database_url)() as session:
            try:
                signin.verify_code(session, settings=settings, phone_text=OFFICIAL, code=wrong, address="10.0.0.2", now=NOW)
            except signin.SignInRefused as exc:
                return exc.code
            return "signed_in"

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(guess, range(20)))
    assert answers.count("wrong_code") <= 4 and answers.count("too_many_tries") >= 16 and "signed_in" not in answers
    with get_session_factory(settings.database_url)() as session:
        assert session.scalars(select(SignInCode)).one().tries == 5

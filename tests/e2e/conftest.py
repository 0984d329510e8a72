"""Boots the real stack (backend, action server, Rasa with a model trained from this repo's data)
as processes, on ports of its own, with a fresh SQLite database and tracker store; when the
session ends, fails if any stack's log holds a whole phone number (tests/log_scan.py)."""
import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backend.db import get_session_factory
from backend.api.auth import COOKIE
from backend.models import Case, Person
from backend.services import turn_grants

from scripts.phone import TextPhone, TwilioSigner
from scripts.stack import ROOT, Stack, StackConfig
from tests import log_scan
from tests.conftest import PORT_BASE, SIGNIN_CODE

NO_WHATSAPP = "+919437799901"  # a mobile with no WhatsApp, as the sandbox answers for it


@pytest.fixture(scope="session", autouse=True)
def no_whole_numbers_in_logs(tmp_path_factory) -> Iterator[None]:
    """After the last end-to-end test (and after every stack stopped, since this is set up first
    and so torn down last): no phone number whole in any stack's logs, the session's or a test's own."""
    yield
    found = log_scan.scan(tmp_path_factory.getbasetemp())
    if found:
        pytest.fail(f"{len(found)} log lines hold a whole phone number:\n" + "\n".join(found[:30]), pytrace=False)


@pytest.fixture(scope="session")
def model() -> Path:
    result = subprocess.run(["scripts/train.sh"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return ROOT / result.stdout.strip()


@pytest.fixture(scope="session")
def stack(model: Path, tmp_path_factory) -> Iterator[Stack]:
    config = StackConfig(
        model=model,
        var_dir=tmp_path_factory.mktemp("var"),
        backend_port=PORT_BASE,
        actions_port=PORT_BASE + 55,
        rasa_port=PORT_BASE + 5,
        actions_token="e2e-actions-token",
        channels_token="e2e-channels-token",
        turn_secret="e2e-turn-secret",
        rasa_token="e2e-rasa-token",
        rest_channel=True,  # the Citizen below talks over it
        # Every official of the session signs in from 127.0.0.1: the per-address limit on sign-in
        # codes (10 in 15 minutes) is for the internet, and is tested in tests/backend/test_signin.py.
        extra_env={"SATHI_SIGNIN_CODES_PER_ADDRESS": "1000",
                   # a number the sandbox says has no WhatsApp (Twilio's 63003): the SMS fallback's
                   "SATHI_SANDBOX_NUMBERS_WITHOUT_WHATSAPP": json.dumps([NO_WHATSAPP])},
    )
    with Stack(config) as running:
        yield running


def grant(stack: Stack, phone: str) -> str:
    """The grant a channel would get for a message from `phone` now (signed with the stack's secret)."""
    with get_session_factory(stack.config.effective_database_url)() as session:
        agent = turn_grants.field_agent(session, phone)
    return turn_grants.issue(secret=stack.config.turn_secret, phone=phone, agent_id=agent.id if agent else None,
                             now=datetime.now(UTC), minutes=15)


def citizen_headers(stack: Stack, phone: str) -> dict[str, str]:
    """The action server's credentials in the turn of a message from `phone`."""
    return {"Authorization": f"Bearer {stack.config.actions_token}", "X-Sathi-Turn": grant(stack, phone)}


class Citizen:
    """One phone talking to Sathi over Rasa's REST channel (on in these stacks only), each message
    with the turn grant the phone's channel would have put in it."""

    def __init__(self, stack: Stack, sender: str) -> None:
        self.stack = stack
        self.sender = sender

    def say(self, text: str) -> list[str]:
        response = httpx.post(
            f"{self.stack.config.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text, "metadata": {"turn": grant(self.stack, self.sender)}},
            timeout=30,
        )
        response.raise_for_status()
        return [m.get("text", "") for m in response.json()]

    def slots(self) -> dict:
        response = httpx.get(
            f"{self.stack.config.rasa_url}/conversations/{self.sender}/tracker",
            params={"token": self.stack.config.rasa_token},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["slots"]


REFERENCE = re.compile(r"\b[A-Z]{3}-\d{4}-\d{6}\b")


@pytest.fixture
def twilio(stack: Stack):
    """Makes phones that reach the stack exactly as Twilio would: the phone simulator's own code."""
    from scripts.phone import TextPhone, TwilioSigner, VoicePhone

    signer = TwilioSigner(stack.config.rasa_url, stack.config.twilio_auth_token)

    class Phones:
        def __init__(self) -> None:
            self.signer = signer

        def text(self, channel: str, number: str) -> TextPhone:
            return TextPhone(signer, stack.config.backend_url, number, channel, quiet=0.6)

        def voice(self, number: str) -> VoicePhone:
            return VoicePhone(signer, number)

    return Phones()


_SIGNED_IN: dict[tuple[str, str], tuple[str, str]] = {}  # (backend, person) -> (session cookie, CSRF token)


@contextmanager
def official(stack: Stack, person_id: str) -> Iterator[httpx.Client]:
    """A client signed in as that person the way they sign in: a one-time code to their registered
    mobile, read from the sandbox like their phone would, typed back; once per person and stack,
    as an official stays signed in for the day. It carries the session cookie and the CSRF token
    every change needs."""
    with httpx.Client(base_url=stack.config.backend_url, timeout=30) as client:
        key = (stack.config.backend_url, person_id)
        if key not in _SIGNED_IN:
            _SIGNED_IN[key] = _sign_in(stack, client, person_id)
        cookie, csrf = _SIGNED_IN[key]
        # The cookie is Secure (browsers treat 127.0.0.1 as secure; httpx sends it only over https).
        client.cookies.set(COOKIE, cookie)
        client.headers["X-CSRF-Token"] = csrf
        yield client


def _sign_in(stack: Stack, client: httpx.Client, person_id: str) -> tuple[str, str]:
    with get_session_factory(stack.config.effective_database_url)() as session:
        person = session.get(Person, person_id)
        number, channel = person.phone, person.channel
    phone = TextPhone(TwilioSigner(stack.config.rasa_url, stack.config.twilio_auth_token), stack.config.backend_url,
                      number, channel, quiet=0.3)
    phone.inbox()  # what reached them before
    client.post("/api/v1/auth/code", json={"phone": number}).raise_for_status()
    # the code's message, whatever else reaches them meanwhile (an alert may hold six digits too)
    received = phone.wait_for_replies(until=lambda replies: any(map(SIGNIN_CODE.match, replies)))
    found = next(m for m in map(SIGNIN_CODE.match, received) if m)
    code = found.group(1) or found.group(2)
    signed_in = client.post("/api/v1/auth/session", json={"phone": number, "code": code})
    signed_in.raise_for_status()
    return signed_in.cookies[COOKIE], signed_in.json()["csrf_token"]


def act(stack: Stack, reference: str, action: str, reason: str | None = None, person_id: str | None = None) -> None:
    """An official acting on a case through the backend API, signed in: by default whoever holds it."""
    person_id = person_id or case_in_database(stack, reference).assignee_id
    with official(stack, person_id) as client:
        client.post(f"/api/v1/cases/{reference}/actions", json={"action": action, "reason": reason}).raise_for_status()


def filed(stack: Stack, path: str, body: dict) -> str:
    """A request filed through the backend's API in the citizen's own turn: its reference."""
    answer = httpx.post(f"{stack.config.backend_url}/api/v1/{path}", json=body,
                        headers=citizen_headers(stack, body["citizen_phone"].removeprefix("whatsapp:")), timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()["reference"]


def desludging_filed(stack: Stack, phone: str, language: str, **answers: str) -> str:
    """A septic tank request filed as the form files it (every catalog service's route, POST
    /api/v1/certificates), from the citizen's words per question (catalog/desludging.yml): its reference.
    By default a slum household's (free in a town: not asked how to pay), visited tomorrow."""
    words = {"property_type": "residential", "sanitation_type": "septic tank", "size": "2000", "trips": "1", "pin": "751007",
             "slum": "yes", "date": "tomorrow", **answers}
    return filed(stack, "certificates", {"certificate_type": "desludging", "answers": words, "citizen_phone": f"whatsapp:{phone}",
                                         "language": language, "channel": "twilio_whatsapp"})


def arrived(phone: TextPhone, wanted: Callable[[dict], object], timeout: float = 20) -> dict:
    """The first message to the phone (in the sandbox) that `wanted` accepts, waiting for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in phone.inbox() if wanted(m)]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError("not delivered")


def case_in_database(stack: Stack, reference: str) -> Case | None:
    with get_session_factory(stack.config.effective_database_url)() as session:
        return session.scalar(select(Case).where(Case.reference == reference))


def consent_code(citizen) -> str:  # noqa: ANN001
    """The code Sathi sent the citizen's phone (read before the agent gave its number) for a field
    agent's filing, as the citizen reads it out."""
    said = citizen.wait_for_replies(until=lambda received: any(CODE.search(m) for m in received))
    return [CODE.search(m).group() for m in said if CODE.search(m)][-1]


CODE = re.compile(r"\b\d{6}\b")

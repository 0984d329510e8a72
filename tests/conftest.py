"""Shared fixtures. Backend tests run against SQLite and against the local PostgreSQL, every run:
if PostgreSQL cannot be reached the run fails and says so, it never skips."""
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.api.auth import COOKIE
from backend.api.deps import get_now
from backend.db import get_session_factory
from backend.main import create_app
from backend.services import turn_grants
from backend.migrate import upgrade
from backend.models import Case, OutboxMessage, Person, RoleGrant
from backend.services import people, signin
from backend.services.citizens import normalise_phone
from backend.settings import Settings, get_settings

POSTGRES_ADMIN_URL = os.environ.get("SATHI_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
# A console sign-in code as the person's phone shows it: written ("123456 is your…", "Sathi: 123456…"),
# or, outside WhatsApp's 24 hours, its template with the code first; never an alert's six digits.
SIGNIN_CODE = re.compile(r'^(?:\S+: )?(\d{6})\b|^\[template \w+\] \{"1": "(\d{6})"')
ACTIONS_TOKEN, CHANNELS_TOKEN, TURN_SECRET = "test-actions-token", "test-channels-token", "test-turn-secret"
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
# The first port of the stacks the e2e and console tests start; each pytest-xdist worker ("gw0",
# "gw1", ...) gets its own thousand.
PORT_BASE = int(os.environ.get("SATHI_TEST_PORT_BASE", "17000")) + 1000 * int(
    os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0
)


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc}). Start it (see README, "
            "'Running the tests') or point SATHI_TEST_POSTGRES at one.",
            pytrace=False,
        )


def _postgres_url(name: str) -> str:
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def _postgres_database(template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database (a copy of `template` when given), dropped afterwards."""
    name = f"sathi_test_{uuid.uuid4().hex[:10]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield _postgres_url(name)
    finally:
        from backend.db import get_engine

        get_engine(_postgres_url(name)).dispose()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated_database(kind: str, directory: Path) -> Iterator[str]:
    """A new database of the kind ("sqlite" under directory, or "postgresql"), migrated to the
    newest revision; a PostgreSQL one is dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite:///{directory / 'sathi.db'}"
        _prepare(url)
        yield url
    else:
        for url in _postgres_database():
            _prepare(url)
            yield url


def _prepare(url: str) -> None:
    """Migrated, with the master data's people, as a backend leaves it on start."""
    upgrade(url)
    with get_session_factory(url)() as session:
        people.seed(session, masterdata_dir=Settings().masterdata_dir, now=NOW)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """Migrated once a run; each test copies the file (migrating per test cost most of the suite)."""
    directory = tmp_path_factory.mktemp("template")
    for url in migrated_database("sqlite", directory):
        from backend.db import get_engine

        get_engine(url).dispose()
    return directory / "sathi.db"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """Migrated once a run; each test's database is CREATE DATABASE … TEMPLATE it."""
    for url in _postgres_database():
        _prepare(url)
        from backend.db import get_engine

        get_engine(url).dispose()  # a template must have no connections while it is copied
        yield url.rsplit("/", 1)[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "sathi.db")
        yield f"sqlite:///{tmp_path / 'sathi.db'}"
    else:
        yield from _postgres_database(template=request.getfixturevalue("postgres_template"))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, actions_token=ACTIONS_TOKEN, channels_token=CHANNELS_TOKEN, turn_secret=TURN_SECRET,
        run_migrations_on_start=False, outbox_worker_in_process=False, sweep_in_process=False,
        public_backend_url="http://testserver", sandbox_enabled=True,
    )


@pytest.fixture
def app(settings: Settings):
    app = create_app(settings)
    app.dependency_overrides[get_settings] = lambda: settings
    app.dependency_overrides[get_now] = lambda: NOW
    return app


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def auth() -> dict[str, str]:
    """An official's credentials. Neither caller's token is one (backend/api/callers.py); the
    console's signed-in session is what admits an official."""
    return {}


@pytest.fixture
def actions_auth() -> dict[str, str]:
    """The action server, acting for nobody: the helper routes only."""
    return {"Authorization": f"Bearer {ACTIONS_TOKEN}"}


@pytest.fixture
def channels_auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {CHANNELS_TOKEN}"}


def turn_headers(phone: str, *, settings: Settings | None = None, now: datetime = NOW, minutes: float | None = None,
                 secret: str = TURN_SECRET) -> dict[str, str]:
    """The action server acting for `phone` in the turn of a message from it, with the grant the
    channel would have got (a field agent's phone is granted as that agent, as the backend does)."""
    settings = settings or Settings(database_url="sqlite://")
    agent_id = next((item["id"] for item, grants in people.roster(settings.masterdata_dir)  # who the seed makes agents
                     if any(g["role"] == "FIELD_AGENT" for g in grants) and normalise_phone(item["phone"]) == normalise_phone(phone)), None)
    grant = turn_grants.issue(secret=secret, phone=phone, agent_id=agent_id, now=now,
                              minutes=settings.turn_grant_minutes if minutes is None else minutes)
    return {"Authorization": f"Bearer {ACTIONS_TOKEN}", "X-Sathi-Turn": grant}


def complaint_body(category: str, description: str, ward: str, citizen_phone: str, language: str = "en",
                   channel: str = "rest", photo_url: str | None = None) -> dict:
    """A complaint as POST /api/v1/certificates files it: the citizen's words per field of
    catalog/grievance.yml (the problem: a category's code, number or words, its subcategory guessed
    from them; the ward: its code or words), the photo as the description's document."""
    return {"certificate_type": "grievance", "answers": {"problem": category, "description": description, "ward": ward},
            "documents": {"description": photo_url} if photo_url else {}, "citizen_phone": citizen_phone,
            "language": language, "channel": channel}


def refused_to_callers(client: TestClient, method: str, url: str, **kwargs) -> bool:
    """An officials' route: neither the action server (in a turn or not) nor the channels get in."""
    callers = ({"Authorization": f"Bearer {ACTIONS_TOKEN}"}, {"Authorization": f"Bearer {CHANNELS_TOKEN}"},
               turn_headers("+919812345678"))
    return all(client.request(method, url, headers=caller, **kwargs).status_code in (401, 403) for caller in callers)


def in_turn(client: TestClient, phone: str) -> dict[str, str]:
    """turn_headers as of the time the client's app now sees (tests move its clock)."""
    return turn_headers(phone, now=client.app.dependency_overrides.get(get_now, get_now)())


@pytest.fixture
def turn(settings: Settings):
    """turn(phone) -> the headers of the action server acting in that phone's turn."""
    return lambda phone, **kwargs: turn_headers(phone, settings=settings, **kwargs)


def sign_in_staff(client: TestClient, settings: Settings, person_id: str) -> dict[str, str]:
    """Signs that person in on the test client (the session cookie, as the console sets it after a
    good code, opened at the test's clock) and returns the headers a change needs (CSRF token)."""
    with get_session_factory(settings.database_url)() as session:
        person = session.get(Person, person_id)
        now = client.app.dependency_overrides.get(get_now, get_now)()
        console, token = signin.open_session(session, settings=settings, person=person, now=now)
        session.commit()
        csrf = console.csrf_token
    client.cookies.set(COOKIE, token)
    return {"X-CSRF-Token": csrf}


def staff_of_office(settings: Settings, reference: str, role: str) -> str:
    """The id of the person with this role at the office whose queue holds the case."""
    with get_session_factory(settings.database_url)() as session:
        office = session.scalar(select(Case.office).where(Case.reference == reference))
        return session.scalar(select(RoleGrant.person_id).where(RoleGrant.office == office, RoleGrant.role == role))


@pytest.fixture
def staff(client, settings) -> Callable[[str], dict[str, str]]:
    """staff("BMC-SAN-N") signs that person in on the test client; returns the CSRF header."""
    return lambda person_id: sign_in_staff(client, settings, person_id)


def kept_and_started(client: TestClient, channels_auth: dict[str, str], sid: str, text: str, phone: str,
                     media: list | None = None, channel: str = "whatsapp") -> dict:
    """A message as a text channel keeps and starts it (claimant rasa-a): the start says where it
    goes (to a person, to the staff's chat, or to the bot)."""
    metadata = {"channel": channel, **({"media": media} if media else {})}
    claimed = client.post("/api/v1/channels/inbound", headers=channels_auth, json={
        "provider": "twilio", "external_id": sid, "channel": channel, "phone": phone, "claimant": "rasa-a",
        "payload": {"sender": phone, "text": text, "metadata": metadata}}).json()
    started = client.post(f"/api/v1/channels/inbound/{claimed['inbound_id']}/start", json={"claimant": "rasa-a"},
                          headers=channels_auth).json()
    return {"inbound_id": claimed["inbound_id"], **started}


def consent_of(client: TestClient, agent: str, citizen_phone: str, purpose: str = "grievance") -> None:
    """A field agent gets the citizen's consent: the code sent to the citizen's phone, read out, typed."""
    asked = client.post("/api/v1/doorstep/consent", json={"phone": agent, "citizen_phone": citizen_phone, "purpose": purpose},
                        headers=in_turn(client, agent))
    assert asked.status_code == 202, asked.text
    settings = client.app.state.settings
    with get_session_factory(settings.database_url)() as session:
        sms = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "utter_doorstep_consent_code")
                              .order_by(OutboxMessage.id.desc())).first()
        code = re.search(r"\b\d{6}\b", sms.body).group()
    confirmed = client.post("/api/v1/doorstep/consent/confirm", json={"phone": agent, "citizen_phone": citizen_phone,
                            "code": code}, headers=in_turn(client, agent))
    assert confirmed.json() == {"confirmed": True}, confirmed.text

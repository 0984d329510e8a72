"""Fault tests: real processes killed (kill -9) at chosen points of a turn, and the database cut,
while citizens talk over WhatsApp through the phone simulator's Twilio code. A proxy the test
controls (tests/e2e/fault_proxy.py) stops a turn exactly where the test wants it. Each test asserts
that every message Twilio was told 200 for is answered exactly once and nothing is filed twice.

Two stacks of their own: one on SQLite with proxies in front of the action server and the backend
(as Rasa sees them), one on PostgreSQL reached through a proxy that can cut the database.
The outbox worker killed mid-send is tests/backend/test_outbox_crash.py."""
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

import locales
from backend.db import get_session_factory
from backend.models import Case
from scripts.phone import TextPhone, TwilioSigner
from scripts.stack import Stack, StackConfig
from tests.conftest import POSTGRES_ADMIN_URL, _postgres_database
from tests.e2e.conftest import PORT_BASE, REFERENCE
from tests.e2e.fault_proxy import FaultProxy

LEASE_SECONDS = "6"  # how soon a turn whose process died is taken up again (production: 60)
HOLD_TIMEOUT = 30


def reply(key: str, language: str = "en", **variables: object) -> str:
    return locales.render(key, language, "twilio_whatsapp", **variables)["text"]


class Faults:
    def __init__(self, stack: Stack, to_actions: FaultProxy | None, to_backend: FaultProxy | None, to_database: FaultProxy | None) -> None:
        self.stack, self.to_actions, self.to_backend, self.to_database = stack, to_actions, to_backend, to_database
        self.signer = TwilioSigner(stack.config.rasa_url, stack.config.twilio_auth_token)

    def phone(self, number: str, channel: str = "whatsapp") -> TextPhone:
        return TextPhone(self.signer, self.stack.config.backend_url, number, channel, quiet=0.8)

    def restart(self, name: str) -> None:
        self.stack.start(name)

    def cases_of(self, number: str) -> list[Case]:
        with get_session_factory(self.stack.config.effective_database_url)() as session:
            return list(session.scalars(select(Case).where(Case.citizen_phone == number)))


def action_call(action: str, number: str) -> bytes:
    """The start of Rasa's request to the action server for this action and this sender."""
    return f'"next_action": "{action}", "sender_id": "whatsapp:{number}"'.encode()


def settled(phone: TextPhone, seconds: float) -> list[str]:
    """Everything that arrives in the next `seconds` (a duplicate would show up here)."""
    return phone.wait_for_replies(timeout=seconds, at_least=10_000)


def to_description(phone: TextPhone) -> None:
    assert phone.say("hello")[0].startswith(reply("utter_greet").split("\n")[0][:40])
    assert phone.say("I want to file a complaint")
    assert phone.say("2") == [reply("utter_ask_grievance_description")]


def _config(model, var_dir, base: int, **kwargs) -> StackConfig:
    return StackConfig(
        model=model, var_dir=var_dir, backend_port=base, actions_port=base + 55, rasa_port=base + 5,
        actions_token="fault-actions-token", channels_token="fault-channels-token", turn_secret="fault-turn-secret",
        rasa_token="fault-rasa-token",
        extra_env={"SATHI_INBOUND_LEASE_SECONDS": LEASE_SECONDS}, **kwargs,
    )


@pytest.fixture(scope="module")
def sqlite_faults(model, tmp_path_factory) -> Iterator[Faults]:
    base = PORT_BASE + 300
    with FaultProxy(base + 55) as to_actions, FaultProxy(base) as to_backend:
        config = _config(model, tmp_path_factory.mktemp("faults-sqlite"), base, process_env={
            "rasa": {"SATHI_BACKEND_URL": to_backend.url, "SATHI_ACTION_ENDPOINT_URL": f"{to_actions.url}/webhook"},
        })
        with Stack(config) as stack:
            yield Faults(stack, to_actions, to_backend, None)


@pytest.fixture(scope="module")
def postgres_faults(model, tmp_path_factory) -> Iterator[Faults]:
    base = PORT_BASE + 400
    pg_port = int(POSTGRES_ADMIN_URL.rsplit(":", 1)[1].split("/")[0])
    for url in _postgres_database():
        with FaultProxy(pg_port) as to_database:
            through_proxy = url.replace(f":{pg_port}/", f":{to_database.port}/")
            config = _config(model, tmp_path_factory.mktemp("faults-pg"), base, database_url=url,
                             process_env={"backend": {"SATHI_DATABASE_URL": through_proxy}})
            with Stack(config) as stack:
                yield Faults(stack, None, None, to_database)


def test_rasa_killed_mid_turn_and_before_its_replies_were_queued(sqlite_faults):
    """A: Rasa dies while an action runs (nothing of the turn saved). B: Rasa dies after the turn
    was saved, while its replies are on their way to the outbox. Both are answered once, after
    Rasa returns."""
    f = sqlite_faults
    a, b = f.phone("+919437200001"), f.phone("+919437200002")
    to_description(a)
    to_description(b)

    mid_action = f.to_actions.hold(action_call("validate_service_form", "+919437200001"))
    assert a.send_and_read("Water stopped coming since Monday near the bus stop") == []
    assert mid_action.reached.wait(HOLD_TIMEOUT)
    before_replies = f.to_backend.hold(b"POST /api/v1/outbox/replies")
    assert b.send_and_read("The streetlight in front of house 22 is off for a week") == []
    assert before_replies.reached.wait(HOLD_TIMEOUT)

    f.stack.kill("rasa")
    f.to_actions.release(mid_action)
    f.to_backend.release(before_replies)
    f.restart("rasa")

    ward_question = reply("utter_ask_grievance_ward")
    assert a.wait_for_replies(timeout=60) == [ward_question]
    assert b.wait_for_replies(timeout=60) == [ward_question]
    assert settled(a, 8) == [] and settled(b, 0.1) == []  # two resume passes later: still once
    filed = a.say("Saheed Nagar")
    assert len(filed) == 1 and REFERENCE.search(filed[0])
    assert len(f.cases_of("+919437200001")) == 1


def test_action_server_killed_after_filing_before_it_answered(sqlite_faults):
    """The case is filed, the action server dies before Rasa hears the reference: Rasa tries the
    action again when the server is back, the filing is recognised, the reference sent once."""
    f = sqlite_faults
    c = f.phone("+919437200003")
    to_description(c)
    assert c.say("The drain near the school is blocked and overflowing") == [reply("utter_ask_grievance_ward")]

    filing_answer = f.to_actions.hold(action_call("action_submit_service", "+919437200003"), on_response=True)
    assert c.send_and_read("Saheed Nagar") == []
    assert filing_answer.reached.wait(HOLD_TIMEOUT)
    assert len(f.cases_of("+919437200003")) == 1  # filed; its answer is held
    f.stack.kill("actions")
    f.to_actions.release(filing_answer)  # the answer is lost with the connection
    time.sleep(2)
    f.restart("actions")

    filed = c.wait_for_replies(timeout=60)
    assert len(filed) == 1 and REFERENCE.search(filed[0]), filed
    assert settled(c, 5) == []
    cases = f.cases_of("+919437200003")
    assert [case.reference for case in cases] == [REFERENCE.search(filed[0]).group()]


def test_backend_killed_while_a_turn_queues_its_replies(sqlite_faults):
    f = sqlite_faults
    d = f.phone("+919437200004")
    to_description(d)
    held = f.to_backend.hold(b"POST /api/v1/outbox/replies")
    assert d.send_and_read("Garbage has not been collected in our lane for three days") == []
    assert held.reached.wait(HOLD_TIMEOUT)
    f.stack.kill("backend")
    f.restart("backend")
    f.to_backend.release(held)  # that connection died with the backend: the channel tries again
    assert d.wait_for_replies(timeout=60) == [reply("utter_ask_grievance_ward")]
    assert settled(d, 8) == []


@pytest.mark.parametrize("channel, number, language, text, latin", [
    ("whatsapp", "+919437200011", "en", "hello", False),
    ("whatsapp", "+919437200012", "hi", "नमस्ते", False),
    ("sms", "+919437200013", "hi", "namaste ji, mujhe madad chahiye", True),  # SMS has two inputs sharing the spool
])
def test_backend_down_the_citizen_is_told_the_message_is_kept_then_answered(sqlite_faults, channel, number, language, text, latin):
    f = sqlite_faults
    e = f.phone(number, channel)
    f.stack.stop("backend")
    try:
        kept = locales.render("utter_message_kept", language, f"twilio_{channel}", latin_sms=latin)["text"]
        assert e.send_and_read(text) == [kept]
        assert e.send_and_read("help") == []  # told once per outage, not for every message
    finally:
        f.restart("backend")
    answered = e.wait_for_replies(timeout=60, at_least=2)
    assert len(answered) == 2, answered
    assert settled(e, 8) == []


def test_postgres_cut_for_a_minute_nothing_acknowledged_is_lost(postgres_faults):
    f = postgres_faults
    phones = [f.phone(f"+91943720002{i}") for i in range(3)]
    for phone in phones:
        assert phone.say("hello")
    f.to_database.cut()
    try:
        kept = [phone.send_and_read(text) for phone, text in zip(phones, ("help", "मदद", "ସାହାଯ୍ୟ"))]
        assert kept == [[reply("utter_message_kept", language)] for language in ("en", "hi", "or")]
        time.sleep(60)
    finally:
        f.to_database.restore()
    for phone, language in zip(phones, ("en", "hi", "or")):
        answered = phone.wait_for_replies(timeout=60)
        assert len(answered) == 1, answered
        assert settled(phone, 0.1) == []
    assert all(settled(phone, 6) == [] for phone in phones[:1])


def test_postgres_backend_killed_between_two_answers(postgres_faults):
    f = postgres_faults
    g = f.phone("+919437200031")
    to_description(g)
    f.stack.kill("backend")
    assert g.send_and_read("Street dogs are attacking children near the park")  # kept: the backend is gone
    f.restart("backend")
    assert g.wait_for_replies(timeout=60) == [reply("utter_ask_grievance_ward")]
    assert settled(g, 8) == []
    g.say("Saheed Nagar")
    assert len(f.cases_of("+919437200031")) == 1
    with get_session_factory(f.stack.config.effective_database_url)() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1

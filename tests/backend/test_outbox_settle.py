"""Sends in doubt, on SQLite and PostgreSQL: identical texts to one number through crashes, answers
that never come and lost requests are each delivered exactly once, in order; a provider id another
row already owns does not stop a pass; a status never moves back. Twilio is faked at the HTTP level
(tests/backend/twilio_fake.py) and its status callbacks go through the signed endpoint."""
import random
from datetime import timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from backend.db import get_session_factory
from backend.models import OutboxMessage
from backend.outbox_worker import OutboxWorker
from backend.senders.twilio import TwilioSender
from backend.services import outbox
from common.signatures import sign
from tests.backend.twilio_fake import (
    LOST_BEFORE_TWILIO, NO_CONNECTION, SAME_SID_AGAIN, TOOK_IT_NO_ANSWER, TOOK_IT_THEN_CRASH, FakeTwilio, WorkerCrash,
)
from tests.conftest import NOW

PHONES = ["+919876543210", "+919876543211", "+919876543212"]
TEXT = "Sathi: your complaint is registered."


@pytest.fixture
def fake(clock) -> FakeTwilio:
    return FakeTwilio(clock=clock)


@pytest.fixture
def sender(settings, fake) -> TwilioSender:
    return TwilioSender(settings, transport=fake.transport)


@pytest.fixture
def worker(settings, sender, clock) -> OutboxWorker:
    return OutboxWorker(settings, senders={"whatsapp": sender, "sms": sender}, clock=clock)


def queue(session, body: str = TEXT, to: str = PHONES[0]) -> int:
    message = outbox.new_message(channel="sms", recipient=to, body=body, kind="reply", now=NOW)
    session.add(message)
    session.commit()
    return message.id


def rows(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.query(OutboxMessage).order_by(OutboxMessage.id))


def report(client, settings, message: dict, state: str) -> int:
    """Twilio's signed status callback for a message it took, to the URL the sender gave it."""
    url = message["status_callback"]
    params = {"MessageSid": message["sid"], "MessageStatus": state, "To": message["to"]}
    path = urlsplit(url)
    response = client.post(f"{path.path}?{path.query}", data=params,
                           headers={"X-Twilio-Signature": sign(settings.twilio_auth_token, url, params)})
    return response.status_code


def outbox_id_of(message: dict) -> int:
    return int(parse_qs(urlsplit(message["status_callback"]).query)["outbox_id"][0])


def run(worker) -> None:
    try:
        worker.run_once()
    except WorkerCrash:
        pass  # the process died; the next run is the restarted worker


def test_the_marker_is_the_status_callback_and_messages_expire_in_twilios_queue(worker, fake, session):
    message_id = queue(session)
    worker.run_once()
    assert outbox_id_of(fake.sent[0]) == message_id and fake.sent[0]["validity_period"] == "300"


def test_a_slow_provider_that_took_the_message_delivers_it_once(worker, fake, session, clock, client, settings):
    first, second = queue(session), queue(session)
    fake.fault_next(TOOK_IT_NO_ANSWER)  # accepted; its answer comes after our 10 s timeout
    worker.run_once()
    assert [r.status for r in rows(session)] == ["in_doubt", "pending"]  # not retried, and holds the next
    for seconds in (1, 30, 90, 200):  # before and after the lookup: Twilio has a message, whose is unknown
        clock.now = NOW + timedelta(seconds=seconds)
        worker.run_once()
        assert len(fake.sent) == 1
    assert report(client, settings, fake.sent[0], "sent") == 204  # the callback names the row
    worker.run_once()
    assert [outbox_id_of(m) for m in fake.sent] == [first, second]
    assert [r.status for r in rows(session)] == ["sent", "sent"]
    assert rows(session)[0].provider_sid == fake.sent[0]["sid"]


def test_a_request_lost_on_the_way_is_sent_again_once_twilio_surely_has_nothing(worker, fake, session, clock):
    message_id = queue(session)
    fake.fault_next(LOST_BEFORE_TWILIO)
    worker.run_once()
    assert rows(session)[0].status == "in_doubt" and fake.sent == []
    clock.now = NOW + timedelta(seconds=30)  # it may still be on its way: no lookup yet
    worker.run_once()
    assert rows(session)[0].status == "in_doubt"
    clock.now = NOW + timedelta(seconds=61)
    worker.run_once()
    assert [outbox_id_of(m) for m in fake.sent] == [message_id] and rows(session)[0].status == "sent"


def test_a_lost_request_after_other_replies_is_sent_again_when_all_twilio_has_is_accounted_for(worker, fake, session, clock):
    """A chat: the reply before is at Twilio, owned (by its id) by its row; nothing else is there."""
    before = queue(session, "the reply before")
    lost = queue(session)
    fake.fault_next("none", LOST_BEFORE_TWILIO)
    worker.run_once()
    clock.now = NOW + timedelta(seconds=61)
    worker.run_once()
    assert [outbox_id_of(m) for m in fake.sent] == [before, lost] and rows(session)[-1].status == "sent"


def test_silence_past_settle_after_sends_again(worker, fake, session, clock, sender):
    message_id = queue(session)
    # A message to the same number that no row owns (another system's): it might be this one.
    fake.sent.append({"sid": "SMelsewhere", "to": PHONES[0], "date_created": format_datetime(NOW), "status_callback": None})
    fake.fault_next(LOST_BEFORE_TWILIO)
    worker.run_once()
    clock.now = NOW + sender.settle_after - timedelta(seconds=1)
    worker.run_once()
    assert rows(session)[0].status == "in_doubt" and len(fake.sent) == 1
    clock.now = NOW + sender.settle_after
    worker.run_once()
    assert outbox_id_of(fake.sent[-1]) == message_id and rows(session)[0].status == "sent"


def test_no_connection_is_retried_at_once_with_backoff(worker, fake, session, clock):
    queue(session)
    fake.fault_next(NO_CONNECTION)
    worker.run_once()
    row = rows(session)[0]
    assert (row.status, row.error_code) == ("pending", "network")
    clock.now = NOW + timedelta(seconds=2)
    worker.run_once()
    assert len(fake.sent) == 1 and rows(session)[0].status == "sent"


@pytest.mark.parametrize("seed", [1, 2])
def test_identical_texts_through_crashes_and_timeouts_are_each_delivered_once_in_order(
    worker, fake, session, clock, client, settings, seed,
):
    """20 copies of one text to each of three numbers; every kind of fault on a third of the sends;
    Twilio's callbacks arrive late and out of order. 0 lost, 0 doubled, order kept."""
    chance = random.Random(seed)
    expected = {phone: [] for phone in PHONES}
    for _ in range(20):
        for phone in PHONES:
            expected[phone].append(queue(session, TEXT, to=phone))
    faults = [TOOK_IT_THEN_CRASH, TOOK_IT_NO_ANSWER, LOST_BEFORE_TWILIO, NO_CONNECTION]
    fake.fault_next(*[chance.choice(faults) if chance.random() < 0.35 else "none" for _ in range(60)])
    reported: set[str] = set()
    for step in range(400):
        run(worker)
        waiting = [m for m in fake.sent if m["sid"] not in reported]
        chance.shuffle(waiting)
        for message in waiting[: chance.randint(0, len(waiting))]:  # some now, the rest later
            assert report(client, settings, message, chance.choice(["sent", "delivered"])) == 204
            reported.add(message["sid"])
        clock.now += timedelta(seconds=chance.choice([1, 5, 31, 61]))
        if all(r.status in ("sent", "delivered") for r in rows(session)):
            break
    assert all(r.status in ("sent", "delivered") for r in rows(session)), [(r.id, r.status) for r in rows(session)]
    for phone in PHONES:
        delivered = [outbox_id_of(m) for m in fake.sent if m["to"] == phone]
        assert delivered == expected[phone]  # each once, in order
    sids = [r.provider_sid for r in rows(session)]
    assert len(set(sids)) == 60 and set(sids) == {m["sid"] for m in fake.sent}


def test_a_provider_id_another_row_owns_does_not_stop_the_pass(worker, fake, session, client, settings):
    first, second = queue(session), queue(session)
    newcomer = queue(session, "hello", to=PHONES[1])
    fake.fault_next("none", SAME_SID_AGAIN)  # Twilio hands out the first message's id again
    assert worker.run_once() == 3
    by_id = {r.id: r for r in rows(session)}
    assert by_id[first].provider_sid == fake.sent[0]["sid"]
    assert (by_id[second].status, by_id[second].provider_sid, by_id[second].error_code) == ("sent", None, "provider_sid_taken")
    assert by_id[newcomer].status == "sent" and fake.sent[-1]["to"] == PHONES[1]
    # A callback for the second row carrying the first row's id: recorded, nothing raised.
    assert report(client, settings, fake.sent[1], "delivered") == 204
    by_id = {r.id: r for r in rows(session)}
    assert by_id[second].status == "delivered" and by_id[first].provider_sid == fake.sent[0]["sid"]


def test_an_error_on_one_row_is_that_rows_alone(worker, fake, session, sender, monkeypatch):
    broken, other = queue(session, "breaks"), queue(session, "fine", to=PHONES[1])
    real_send = sender.send

    def send(message):
        if message.outbox_id == broken:
            raise RuntimeError("a bug in one row")
        return real_send(message)

    monkeypatch.setattr(sender, "send", send)
    worker.run_once()
    assert [outbox_id_of(m) for m in fake.sent] == [other]
    assert {r.id: r.status for r in rows(session)} == {broken: "sending", other: "sent"}  # settled after its lease


def test_a_message_that_outlived_its_validity_in_twilios_queue_is_sent_again_once(worker, fake, session, client, settings):
    queue(session)
    worker.run_once()
    expired = fake.sent[-1]
    url = expired["status_callback"]
    params = {"MessageSid": expired["sid"], "MessageStatus": "failed", "ErrorCode": "30036", "To": expired["to"]}
    path = urlsplit(url)
    assert client.post(f"{path.path}?{path.query}", data=params,
                       headers={"X-Twilio-Signature": sign(settings.twilio_auth_token, url, params)}).status_code == 204
    assert [r.status for r in rows(session)] == ["pending"]  # never sent: not a failure
    worker.run_once()
    assert len(fake.sent) == 2 and fake.sent[-1]["sid"] != expired["sid"]
    assert [r.status for r in rows(session)] == ["sent"]


def test_status_never_moves_back(worker, fake, session, client, settings):
    delivered, failed_late = queue(session), queue(session, to=PHONES[1])
    worker.run_once()
    first, second = fake.sent
    assert report(client, settings, first, "delivered") == 204
    assert report(client, settings, first, "failed") == 204  # late and out of order
    assert report(client, settings, first, "undelivered") == 204
    assert report(client, settings, second, "undelivered") == 204  # sent may still fail
    assert report(client, settings, second, "sent") == 204
    by_id = {r.id: r for r in rows(session)}
    assert by_id[delivered].status == "delivered" and by_id[failed_late].status == "failed"
    assert report(client, settings, first, "read") == 204
    assert rows(session)[0].status == "read"


def test_a_delivery_report_that_overtakes_the_providers_answer_stays(worker, fake, session, sender, client, settings, monkeypatch):
    """A slow provider: its 'delivered' report arrives before the answer to the send itself."""
    queue(session)
    send = sender.send

    def slow_answer(message):  # noqa: ANN001, ANN202
        sid = send(message)
        assert report(client, settings, fake.sent[-1], "delivered") == 204
        return sid

    monkeypatch.setattr(sender, "send", slow_answer)
    worker.run_once()
    assert [r.status for r in rows(session)] == ["delivered"]


def test_the_sandbox_reports_again_what_the_backend_did_not_take(app, client, settings, monkeypatch):
    """The sandbox runs inside the backend: a report lost with a dying backend is made again on the
    sandbox's next requests, until the backend has taken it, as Twilio does."""
    from backend.api import twilio_sandbox
    from backend.api.deps import get_now

    reports: list[str] = []

    async def report_fails(callback_url, sid, to, auth_token, database_url, outcome=None):  # noqa: ANN001
        reports.append(sid)  # the backend was down: nothing marked

    monkeypatch.setattr(twilio_sandbox, "_report_delivery", report_fails)
    path = f"/sandbox/twilio/2010-04-01/Accounts/{settings.twilio_account_sid}/Messages.json"
    form = {"To": PHONES[0], "From": settings.twilio_sms_from, "Body": TEXT,
            "StatusCallback": "http://testserver/api/v1/twilio/status?outbox_id=7"}
    account = (settings.twilio_account_sid, settings.twilio_auth_token)
    sid = client.post(path, data=form, auth=account).json()["sid"]
    assert reports == [sid]
    client.post("/sandbox/twilio/inbox", json={"to": PHONES[1]}, auth=account)
    assert reports == [sid]  # not yet: the first report may still be on its way
    app.dependency_overrides[get_now] = lambda: NOW + timedelta(seconds=10)
    client.post("/sandbox/twilio/inbox", json={"to": PHONES[1]}, auth=account)
    assert reports == [sid, sid]
    twilio_sandbox._mark_reported(settings.database_url, sid)
    client.post("/sandbox/twilio/inbox", json={"to": PHONES[1]}, auth=account)
    assert reports == [sid, sid]  # taken: never again


def test_a_claim_finds_the_sendable_message_behind_hundreds_blocked_by_one_in_flight(settings, session):
    in_flight = queue(session)
    for _ in range(250):  # more than the first look reads
        queue(session)
    other = queue(session, "hello", to=PHONES[1])
    factory = get_session_factory(settings.database_url)
    with factory() as one, factory() as two:
        assert outbox.claim_next(one, now=NOW, lease_seconds=30).id == in_flight
        assert outbox.claim_next(two, now=NOW, lease_seconds=30).id == other
        assert outbox.claim_next(one, now=NOW, lease_seconds=30) is None  # the rest wait their turn

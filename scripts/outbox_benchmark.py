"""What one outbox claim costs as messages pile up, on SQLite and on PostgreSQL:

    .venv/bin/python -m scripts.outbox_benchmark [--postgres postgresql://postgres@127.0.0.1:5432/test]

Prints claim time (p50/p95 ms) with 20, 1,000 and 5,000 messages waiting (spread over many phones,
as after a provider outage), with 5,000 waiting behind one phone whose message is in flight (the
claim must still find the one sendable message after them), and for an official with 112,000 past
alerts. Each database is a throwaway one (a temporary SQLite file; a new PostgreSQL database,
dropped at the end, like tests/conftest.py). A claim is the whole step: finding the row, the
conditional UPDATE, the commit. `before` is the claim this project used until migration 0006 (NOT
EXISTS over every earlier row of the recipient, no partial indexes), on the same rows."""
import argparse
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import and_, exists, insert, select, update
from sqlalchemy.orm import aliased

from backend.db import get_engine, get_session_factory
from backend.migrate import upgrade
from backend.models import OutboxMessage
from backend.services import outbox

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CLAIMS = 40
PARTIAL = ("ix_outbox_unfinished_recipient", "ix_outbox_pending_id")


def _row(recipient: str, status: str, at: datetime) -> dict:
    return {"channel": "sms", "recipient": recipient, "kind": "notification", "body": "Sathi: new complaint GRV-2026-000001.",
            "language": "en", "variables": {}, "status": status, "attempts": 0, "next_attempt_at": at,
            "created_at": at, "updated_at": at, "provider_sid": f"SM{uuid.uuid4().hex}" if status == "sent" else None}


def _fill(url: str, rows: list[dict]) -> None:
    engine = get_engine(url)
    with engine.begin() as connection:
        connection.execute(OutboxMessage.__table__.delete())
        for start in range(0, len(rows), 5000):
            connection.execute(insert(OutboxMessage), rows[start:start + 5000])
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE outbox")
        else:
            connection.exec_driver_sql("ANALYZE")


def _candidates_before(session, *, now: datetime, after: int = 0) -> list[int]:  # noqa: ANN001, ARG001
    earlier = aliased(OutboxMessage)
    blocked = exists().where(and_(earlier.recipient == OutboxMessage.recipient, earlier.id < OutboxMessage.id,
                                  earlier.status.in_(outbox.UNFINISHED)))
    return session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now, ~blocked)
                           .order_by(OutboxMessage.id).limit(20)).all()


def _claim_before(session, *, now: datetime, lease_seconds: float):  # noqa: ANN001, ANN202
    """The claim before this change, for comparison."""
    candidates = _candidates_before(session, now=now)
    for message_id in candidates:
        claimed = session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
            .values(status="sending", attempts=OutboxMessage.attempts + 1, claimed_at=now,
                    lease_until=now + timedelta(seconds=lease_seconds), updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        if claimed == 1:
            return session.get(OutboxMessage, message_id)
    return None


def _time_claims(url: str, claims: int, claim, find) -> tuple[list[float], list[float]]:  # noqa: ANN001
    """Claims `claims` messages, each then marked sent as a worker would; times each claim, and the
    read that finds the candidates alone (the part that grew with the backlog: no commit in it)."""
    times, reads = [], []
    with get_session_factory(url)() as session:
        for _ in range(claims):
            started = time.perf_counter()
            find(session, now=NOW, after=0)
            reads.append(time.perf_counter() - started)
            session.rollback()
            started = time.perf_counter()
            message = claim(session, now=NOW, lease_seconds=30)
            times.append(time.perf_counter() - started)
            assert message is not None, "a sendable message was not found"
            session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id).values(status="sent"))
            session.commit()
    return times, reads


def _partial_indexes(url: str, present: bool) -> None:
    engine = get_engine(url)
    for index in OutboxMessage.__table__.indexes:
        if index.name in PARTIAL:
            (index.create if present else index.drop)(engine, checkfirst=True)


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:7.1f} p95 {p95 * 1000:7.1f} ms"


def scenarios() -> list[tuple[str, list[dict], int]]:
    past = NOW - timedelta(days=1)
    result = []
    for waiting in (20, 1000, 5000):
        for phones in (10, waiting // 4):  # a few busy numbers (20 copies to each of 10), or many
            rows = [_row(f"+9194370{i % phones:05d}", "pending", past) for i in range(waiting)]
            result.append((f"{waiting:>5} waiting, {phones:>4} phones", rows, min(CLAIMS, phones)))
    stuck = [_row("+919437000001", "sending", past)] + [_row("+919437000001", "pending", past) for _ in range(5000)]
    stuck += [_row(f"+9194371{i:05d}", "pending", past) for i in range(CLAIMS)]
    result.append((" 5000 behind one phone in flight", stuck, CLAIMS))
    official = [_row("+919437200101", "sent", past) for _ in range(112_000)]
    official += [_row("+919437200101", "pending", past) for _ in range(CLAIMS)]
    result.append(("112k past alerts to one official", official, CLAIMS))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test", help="admin URL; '' to skip PostgreSQL")
    args = parser.parse_args()
    databases = []
    with tempfile.TemporaryDirectory() as tmp:
        databases.append(("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", None))
        if args.postgres:
            name = f"sathi_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.postgres, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            base = args.postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
            databases.append(("PostgreSQL", f"{base}/{name}", name))
        try:
            for label, url, _ in databases:
                upgrade(url)
                print(f"{label}: one claim (read + conditional UPDATE + commit), and its read alone; now | before 0006")
                results = {}
                _partial_indexes(url, present=False)
                for title, rows, claims in scenarios():
                    _fill(url, rows)
                    results[title] = _time_claims(url, min(claims, 10 if len(rows) > 100_000 else claims), _claim_before, _candidates_before)
                _partial_indexes(url, present=True)
                for title, rows, claims in scenarios():
                    _fill(url, rows)
                    now_claims, now_reads = _time_claims(url, claims, outbox.claim_next, outbox._candidates)
                    before_claims, before_reads = results[title]
                    print(f"  {title:<34} claim now {_ms(now_claims)} | before {_ms(before_claims)}")
                    print(f"  {'':<34}  read now {_ms(now_reads)} | before {_ms(before_reads)}")
        finally:
            for _, url, name in databases:
                get_engine(url).dispose()
                if name:
                    with psycopg.connect(args.postgres, autocommit=True) as admin:
                        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

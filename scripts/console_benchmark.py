"""Console page times with 100,000 cases on PostgreSQL:

    .venv/bin/python -m scripts.console_benchmark [--cases 100000] [--postgres postgresql://postgres@127.0.0.1:5432/test]

Fills a throwaway PostgreSQL database (dropped at the end) with cases of every service spread
over three towns, their wards, departments and offices, in open and closed states, a fifth of the
open ones overdue; then, for an official (one department, a third of a town's wards), a supervisor
(a department of the whole town), a certificate verifier and a nodal officer (every open case of
the town), times the whole request of the inbox (first page, tenth page, overdue only, search by
the mobile's last 4 digits) and of a case page, through the application with a signed-in session.
Prints p50/p95 in ms and how many cases each person's inbox holds."""
import argparse
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from backend.api.auth import COOKIE
from backend.console.inbox import PAGE_SIZE
from backend.db import get_engine, get_session_factory
from backend.main import create_app
from backend.migrate import upgrade
from backend.models import Case, Person
from backend.services import people, signin
from backend.services.access import inbox_condition
from backend.settings import Settings, get_settings
from backend.workflow import load_workflows

RUNS = 20
PEOPLE = ("BMC-ENG-N", "BMC-ENG-SUP", "BMC-CRT-VER", "BMC-NODAL")
TOWNS = {"BMC": 67, "CMC": 59, "PURI": 32}
DEPARTMENTS = ("SANITATION", "ELECTRICAL", "ENGINEERING", "WATER")


def _rows(count: int, now: datetime) -> list[dict]:
    rng = random.Random(14)
    rows = []
    for n in range(count):
        ulb = rng.choice(list(TOWNS))
        ward = rng.randint(1, TOWNS[ulb])
        kind = rng.random()
        if kind < 0.7:
            service, prefix, department, office = "grievance", "GRV", rng.choice(DEPARTMENTS), None
            state = rng.choice(("PENDING_AT_OFFICIAL",) * 3 + ("RESOLVED", "CLOSED", "CLOSED"))
        elif kind < 0.85:
            service, prefix, department, office = "desludging", "FSM", "SANITATION", None
            state = rng.choice(("PENDING_OPERATOR_ACCEPT", "IN_PROGRESS", "COMPLETED", "COMPLETED"))
        else:
            service, prefix, department, office = "certificate", "CRT", None, f"ULB-{ulb}"
            state = rng.choice(("PENDING_VERIFICATION", "PENDING_APPROVAL", "ISSUED", "ISSUED"))
        filed = now - timedelta(hours=rng.uniform(1, 24 * 30))
        due = now + timedelta(hours=rng.uniform(-24, 96))  # a fifth overdue
        rows.append({
            "reference": f"{prefix}-2026-{n + 1:06d}", "service": service, "state": state, "version": 1,
            "citizen_phone": f"+9198{rng.randint(0, 99_999_999):08d}", "language": "en", "channel": "twilio_whatsapp",
            "details": {"ward": f"{ulb}-W{ward:03d}", "description": "Benchmark case"}, "created_at": filed,
            "updated_at": filed, "sla_due_at": due, "assignee_id": None, "escalations": 0, "ulb": ulb,
            "ward_number": ward, "department": department, "office": office,
        })
    return rows


def _percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    return f"p50 {statistics.median(ordered) * 1000:6.1f} ms   p95 {ordered[int(len(ordered) * 0.95) - 1] * 1000:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    name = f"sathi_console_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.postgres, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = args.postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    try:
        upgrade(url)
        now = datetime.now(UTC)
        started = time.monotonic()
        rows = _rows(args.cases, now)
        with get_engine(url).begin() as connection:
            for start in range(0, len(rows), 5000):
                connection.execute(insert(Case), rows[start:start + 5000])
            connection.exec_driver_sql("ANALYZE cases")
        print(f"{args.cases:,} cases in {time.monotonic() - started:.0f} s")
        settings = Settings(database_url=url, run_migrations_on_start=False, outbox_worker_in_process=False,
                            sweep_in_process=False)
        app = create_app(settings)
        app.dependency_overrides[get_settings] = lambda: settings
        workflows = load_workflows(settings.workflows_dir)
        with get_session_factory(url)() as session, TestClient(app, base_url="https://testserver") as client:
            people.seed(session, masterdata_dir=settings.masterdata_dir, now=now)
            for person_id in PEOPLE:
                person = session.get(Person, person_id)
                _, token = signin.open_session(session, settings=settings, person=person, now=now)
                session.commit()
                held = session.scalar(select(func.count()).select_from(Case).where(inbox_condition(person, workflows)))
                tail = session.scalar(select(Case.citizen_phone).where(inbox_condition(person, workflows)).limit(1))[-4:]
                reference = session.scalar(select(Case.reference).where(inbox_condition(person, workflows)).limit(1))
                client.cookies.set(COOKIE, token, domain="testserver")
                print(f"\n{person_id}: {held:,} cases in the inbox")
                for label, path in (("inbox, page 1", "/console/inbox"), ("inbox, page 10", "/console/inbox?page=10"),
                                    ("inbox, overdue", "/console/inbox?overdue=1"),
                                    ("inbox, mobile's last 4", f"/console/inbox?q={tail}"),
                                    ("case page", f"/console/cases/{reference}"),
                                    *((("certificate queue", "/console/queue"),) if person_id.endswith("VER") else ())):
                    times = []
                    for _ in range(RUNS):
                        begun = time.perf_counter()
                        response = client.get(path)
                        times.append(time.perf_counter() - begun)
                        assert response.status_code == 200, (path, response.status_code)
                    print(f"  {label:24} {_percentiles(times)}")
                client.cookies.clear()
        print(f"\n(a page holds {PAGE_SIZE} cases; {RUNS} requests each)")
    finally:
        get_engine(url).dispose()
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

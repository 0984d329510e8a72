"""Runs the SLA escalation sweep periodically: `python -m backend.sweeper`, or inside the backend
process (the default). Safe to run in several places at once; see backend/services/escalation.py."""

import logging
import signal
import threading
from datetime import UTC, datetime

from backend import logging_setup
from backend.db import get_session_factory
from backend.services.escalation import remind_holders, sweep, take_overdue_steps
from backend.settings import Settings, get_settings
from backend.workflow import load_workflows

logger = logging.getLogger("sathi.sweeper")


def sweep_once(settings: Settings, now: datetime | None = None) -> list[str]:
    workflows = load_workflows(settings.workflows_dir)
    escalated = []
    with get_session_factory(settings.database_url)() as session:
        for workflow in workflows.values():
            if any(a.name == "ESCALATE" for a in workflow.actions):
                escalated += sweep(
                    session, workflow=workflow, masterdata_dir=settings.masterdata_dir, now=now or datetime.now(UTC)
                )
            escalated += take_overdue_steps(session, workflow=workflow, settings=settings, now=now or datetime.now(UTC))
            remind_holders(session, workflow=workflow, now=now or datetime.now(UTC))
    return escalated


def run_forever(settings: Settings, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            sweep_once(settings)
        except Exception:  # the next pass retries; a database blip must not end the sweeper
            logger.exception("escalation sweep failed")
        stop.wait(settings.sweep_interval_seconds)


def start_in_background(settings: Settings) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(settings, stop), name="sla-sweeper", daemon=True)
    thread.start()
    return thread, stop


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging_setup.install()  # no whole numbers in what this process prints
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    settings = get_settings()
    settings.refuse_published_defaults()
    run_forever(settings, stop)


if __name__ == "__main__":
    main()

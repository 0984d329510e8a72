"""The FastAPI application: `uvicorn backend.main:app --port 8000` (OpenAPI at /docs)."""

import logging
import os
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from backend import logging_setup
from backend.api import (
    auth,
    cases,
    certificates,
    channels,
    citizens,
    doorstep,
    feedback,
    grievance,
    handoff,
    payments,
    proofs,
    twilio_sandbox,
    twilio_status,
)
from backend.api.deps import SessionDep
from backend.api.edge import CleanInput
from backend.console.router import router as console_router
from backend.db import get_engine, get_session_factory
from backend.migrate import upgrade
from backend.outbox_worker import check_templates
from backend.outbox_worker import start_in_background as start_outbox_worker
from backend.services import hooks, people
from backend.services.catalog import check_workflow_words
from backend.services.certificates import catalog as load_catalog
from backend.services.desludging import load_masterdata as load_operators_and_plants
from backend.services.grievance import uncovered_wards
from backend.settings import Settings, get_settings
from backend.sweeper import start_in_background as start_sweeper
from backend.workflow import load_workflows
from common.clock import TIME_ZONE_VARIABLE

logger = logging.getLogger("sathi.backend")


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = app.state.settings
    # A broken workflow or catalog file stops the start, naming the file and the mistake.
    workflows = load_workflows(settings.workflows_dir)
    hooks.check(workflows)
    load_catalog(settings, workflows)
    check_workflow_words(workflows)
    load_operators_and_plants(settings.masterdata_dir)  # checked: operators moved to operators.yml, each serving something
    check_templates(workflows, settings.masterdata_dir)  # every notice can reach a phone outside the chat window
    uncovered = uncovered_wards(settings.masterdata_dir)
    if uncovered:  # a complaint from there would reach nobody
        raise RuntimeError(f"officials.yml: no official for {'; '.join(uncovered)}")
    if settings.run_migrations_on_start:
        upgrade(settings.database_url)
    seed_people(settings)
    jobs = []
    if settings.outbox_worker_in_process:
        thread, stop, app.state.wake_outbox = start_outbox_worker(settings)
        jobs.append((thread, stop))
    if settings.sweep_in_process:
        jobs.append(start_sweeper(settings))
    yield
    for _, stop in jobs:
        stop.set()
    for thread, _ in jobs:
        thread.join(timeout=15)


def seed_people(settings: Settings) -> None:
    """The master data's people, added once (several workers may start at once: one wins). A
    database not migrated yet (migrations run as their own step) is seeded on the next start."""
    if not inspect(get_engine(settings.database_url)).has_table("people"):
        logger.warning("the database has no people table yet: run the migrations, then start again")
        return
    with get_session_factory(settings.database_url)() as session:
        try:
            added = people.seed(session, masterdata_dir=settings.masterdata_dir, now=datetime.now(UTC))
        except IntegrityError:
            session.rollback()
            return
    if added:
        logger.info("added %d people from the master data", added)


def create_app(settings: Settings | None = None) -> FastAPI:
    """settings: what start-up (migrations, background jobs, the sandbox) uses; tests pass theirs
    and override get_settings for the routes."""
    settings = settings or get_settings()
    # One time zone: common.clock (the notices' dates, the promised day) reads the process
    # environment, which gets the settings' own (SATHI_TIMEZONE may be set in .env only).
    os.environ[TIME_ZONE_VARIABLE] = settings.timezone
    settings.refuse_published_defaults()  # SATHI_ENV=production: never on a published secret or the sandbox
    logging_setup.install()  # before the first request is logged
    app = FastAPI(title="Sathi backend", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.add_middleware(CleanInput)
    app.include_router(auth.router)
    app.include_router(grievance.router)
    app.include_router(cases.router)
    app.include_router(citizens.router)
    app.include_router(channels.router)
    app.include_router(feedback.router)
    app.include_router(handoff.router)
    app.include_router(certificates.router)
    app.include_router(certificates.public_router)
    app.include_router(payments.router)
    app.include_router(proofs.router)
    app.include_router(doorstep.router)
    app.include_router(twilio_status.router)
    app.include_router(console_router)
    if settings.sandbox_enabled:
        app.include_router(twilio_sandbox.router)
        app.include_router(payments.sandbox_router)

    @app.get("/health", tags=["health"])
    def health(session: SessionDep) -> dict[str, str]:
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app


app = create_app()

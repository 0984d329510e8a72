"""The FastAPI application: `uvicorn backend.main:app --port 8000` (OpenAPI at /docs)."""
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from backend.api import cases, channels, citizens, grievance, places, twilio_sandbox, twilio_status
from backend.api.deps import SessionDep
from backend.migrate import upgrade
from backend.outbox_worker import start_in_background
from backend.settings import get_settings

logger = logging.getLogger("sathi.backend")


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    if settings.run_migrations_on_start:
        upgrade(settings.database_url)
    worker = start_in_background(settings) if settings.outbox_worker_in_process else None
    yield
    if worker is not None:
        thread, stop = worker
        stop.set()
        thread.join(timeout=15)


def create_app() -> FastAPI:
    app = FastAPI(title="Sathi backend", version="0.1.0", lifespan=lifespan)
    app.include_router(grievance.router)
    app.include_router(places.router)
    app.include_router(cases.router)
    app.include_router(citizens.router)
    app.include_router(channels.router)
    app.include_router(twilio_status.router)
    if get_settings().sandbox_enabled:
        app.include_router(twilio_sandbox.router)

    @app.get("/health", tags=["health"])
    def health(session: SessionDep) -> dict[str, str]:
        session.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app


app = create_app()

"""Dependencies shared by the routes, as Annotated aliases that tests override through app.dependency_overrides."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backend.db import get_session_factory
from backend.services.access import Refused
from backend.settings import Settings, get_settings
from backend.workflow import WorkflowDef, WorkflowError, load_workflows

SettingsDep = Annotated[Settings, Depends(get_settings)]


def _nothing() -> None:
    pass


def get_outbox_wake(request: Request) -> Callable[[], None]:
    """Wakes this process's outbox worker (main.py puts it in app.state) after a commit that queued
    messages, so replies leave now rather than at the next poll; nothing where it runs elsewhere."""
    return getattr(request.app.state, "wake_outbox", _nothing)


def get_session(settings: SettingsDep) -> Iterator[Session]:
    session = get_session_factory(settings.database_url)()
    try:
        yield session
    finally:
        session.close()


def get_workflows(settings: SettingsDep) -> dict[str, WorkflowDef]:
    return load_workflows(settings.workflows_dir)


def get_now() -> datetime:
    return datetime.now(UTC)


async def read_body(request: Request) -> bytes:
    """The raw body, read on the event loop, so routes that touch the database can be plain `def`
    and run in the thread pool: a database call inside an `async def` route would stall every
    other request while SQLite waits for a lock."""
    return await request.body()


@contextmanager
def committed(session: Session, refused: Callable[[WorkflowError], HTTPException]) -> Iterator[None]:
    """Commits what the block did to a case, or rolls it back and answers why: the workflow's
    refusal as `refused` maps it, or 409 when someone else changed the case first."""
    try:
        yield
        session.commit()
    except Refused as exc:  # this actor may not: 403 naming why, whatever the route
        session.rollback()
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": exc.code}) from exc
    except WorkflowError as exc:
        session.rollback()
        raise refused(exc) from exc
    except StaleDataError as exc:
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, detail={"code": "version_conflict"}) from exc


SessionDep = Annotated[Session, Depends(get_session)]
RawBodyDep = Annotated[bytes, Depends(read_body)]
WorkflowsDep = Annotated[dict[str, WorkflowDef], Depends(get_workflows)]
NowDep = Annotated[datetime, Depends(get_now)]
WakeOutboxDep = Annotated[Callable[[], None], Depends(get_outbox_wake)]

"""Grievance routes: parse, authorise, call the service, return."""

import re
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header, HTTPException, Response, status
from fastapi.responses import FileResponse

from backend.api.auth import SignedInDep, case_file
from backend.api.callers import TurnDep, filer
from backend.api.deps import NowDep, SessionDep, SettingsDep, WorkflowsDep
from backend.api.schemas import CaseOut, CategoryOut, GrievanceIn
from backend.db import get_session_factory
from backend.services import categories
from backend.services import grievance as grievance_service
from backend.settings import Settings

router = APIRouter(prefix="/api/v1/grievances", tags=["grievances"])
_PHOTO_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(settings: SettingsDep) -> list[categories.Category]:
    """The complaint categories in their order (what a citizen's words mean: the catalog's engine,
    /api/v1/certificates/services/grievance/answers/problem)."""
    return list(categories.load_categories(settings.masterdata_dir))


@router.post("", response_model=CaseOut, status_code=status.HTTP_201_CREATED)
def file_grievance(
    body: GrievanceIn,
    turn: TurnDep,
    response: Response,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
):
    actor = filer(turn, body.citizen_phone, session, now, "grievance")  # the citizen, or a field agent with their consent
    try:
        case, created = grievance_service.file_grievance(
            session,
            workflow=workflows["grievance"],
            masterdata_dir=settings.masterdata_dir,
            category_code=body.category,
            subcategory_code=body.subcategory,
            description=body.description,
            ward_code=body.ward,
            citizen_phone=body.citizen_phone,
            language=body.language,
            channel=actor.channel(body.channel),
            actor_role=actor.actor_role,
            actor_id=actor.actor_id,
            idempotency_key=idempotency_key,
            now=now,
            timezone=settings.timezone,
        )
    except grievance_service.InvalidGrievance as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"code": exc.code, "field": exc.field}) from exc
    if created:
        actor.filed(session, case, now)
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    elif body.photo_url:  # fetched after the answer, so filing never waits on a slow media host
        background.add_task(_attach_photo, settings, case.id, body.photo_url, now)
    return case


def _attach_photo(settings: Settings, case_id: int, url: str, now: datetime) -> None:
    with get_session_factory(settings.database_url)() as session:
        grievance_service.attach_photo(session, settings=settings, case_id=case_id, url=url, now=now)


@router.get("/photos/{name}")
def photo(
    name: str, actor: SignedInDep, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep, now: NowDep
) -> FileResponse:
    """A complaint's photo, for whoever serves the case (signed in; the view is audited)."""
    path = Path(settings.media_dir) / name
    if not _PHOTO_NAME.match(name) or not path.exists():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_photo"})
    case_file(name, actor, session, workflows, now)
    return FileResponse(path)

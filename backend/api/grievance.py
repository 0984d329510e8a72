"""Grievance routes: the complaint categories, and a complaint's photo. A complaint is filed as
every catalog service is, through POST /api/v1/certificates (catalog/grievance.yml, its hooks)."""

import re
from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from backend.api.auth import SignedInDep, case_file
from backend.api.deps import NowDep, SessionDep, SettingsDep, WorkflowsDep
from backend.api.schemas import CategoryOut
from backend.services import categories

router = APIRouter(prefix="/api/v1/grievances", tags=["grievances"])
_PHOTO_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(settings: SettingsDep) -> list[categories.Category]:
    """The complaint categories in their order (what a citizen's words mean: the catalog's engine,
    /api/v1/certificates/services/grievance/answers/problem)."""
    return list(categories.load_categories(settings.masterdata_dir))


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

"""Grievance routes: parse, authorise, call the service, return."""
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response, status

from backend.api.deps import Authorised, NowDep, SessionDep, SettingsDep, WorkflowsDep
from backend.api.schemas import CaseStatusOut, CategoryMatchOut, CategoryOut, GrievanceIn
from backend.services import grievance as grievance_service

router = APIRouter(prefix="/api/v1/grievances", tags=["grievances"])


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(settings: SettingsDep) -> list[grievance_service.Category]:
    return list(grievance_service.load_categories(settings.masterdata_dir))


@router.get("/categories/match", response_model=CategoryMatchOut)
def match_category(settings: SettingsDep, q: Annotated[str, Query(max_length=200)]) -> CategoryMatchOut:
    category = grievance_service.match_category(settings.masterdata_dir, q)
    if category is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "no_matching_category"})
    return CategoryMatchOut(code=category.code)


@router.post("", response_model=CaseStatusOut, status_code=status.HTTP_201_CREATED, dependencies=[Authorised])
def file_grievance(
    body: GrievanceIn,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
):
    try:
        case, created = grievance_service.file_grievance(
            session,
            workflow=workflows["grievance"],
            masterdata_dir=settings.masterdata_dir,
            category_code=body.category,
            description=body.description,
            ward_code=body.ward,
            citizen_phone=body.citizen_phone,
            language=body.language,
            channel=body.channel,
            actor_role=body.actor_role,
            actor_id=body.actor_id or body.citizen_phone,
            idempotency_key=idempotency_key,
            now=now,
            timezone=settings.timezone,
        )
    except grievance_service.InvalidGrievance as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"code": exc.code, "field": exc.field}
        ) from exc
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return case

"""Place routes: matching what a citizen typed to master data."""
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from backend.api.deps import SettingsDep
from backend.api.schemas import WardOut
from backend.services.places import match_ward

router = APIRouter(prefix="/api/v1/places", tags=["places"])


@router.get("/wards/match", response_model=WardOut)
def match(settings: SettingsDep, q: Annotated[str, Query(max_length=200)], ulb: str | None = None) -> WardOut:
    ward = match_ward(settings.masterdata_dir, q, ulb=ulb)
    if ward is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "no_matching_ward"})
    return WardOut(ulb=ward.ulb, number=ward.number, code=ward.code)

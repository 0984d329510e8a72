"""Place routes: matching what a citizen typed to master data."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from backend.api.deps import SettingsDep
from backend.api.schemas import WardOut
from backend.services.places import locate_ward, match_ward

router = APIRouter(prefix="/api/v1/places", tags=["places"])


@router.get("/wards/match", response_model=WardOut)
def match(settings: SettingsDep, q: Annotated[str, Query(max_length=200)], ulb: str | None = None) -> WardOut:
    ward = match_ward(settings.masterdata_dir, q, ulb=ulb)
    if ward is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "no_matching_ward"})
    return WardOut(ulb=ward.ulb, number=ward.number, code=ward.code)


@router.get("/wards/locate", response_model=WardOut)
def locate(
    settings: SettingsDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
) -> WardOut:
    """The ward a WhatsApp location pin falls in."""
    ward = locate_ward(settings.masterdata_dir, lat, lon)
    if ward is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "outside_known_wards"})
    return WardOut(ulb=ward.ulb, number=ward.number, code=ward.code)

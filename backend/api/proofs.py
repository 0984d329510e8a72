"""The photo of the work an official sent from chat, behind an unguessable link: the citizen's
resolution notice carries it (Twilio fetches it from here)."""

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from backend.api.deps import NowDep, SettingsDep
from backend.services import media

router = APIRouter(tags=["channels"])


@router.get("/p/{token}")
def proof_photo(token: str, settings: SettingsDep, now: NowDep) -> FileResponse:
    path = media.linked_file(settings, token, now)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_photo"})
    return FileResponse(path, headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"})

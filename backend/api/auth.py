"""Who is calling, for the routes people use: the console session's cookie, and its CSRF token on
every request that changes something. The actor is whoever signed in; nothing in a request body
says who acts."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status

from backend.api.deps import NowDep, SessionDep, SettingsDep
from backend.api.schemas import SignInCodeIn, SignInIn
from backend.models import Case, ConsoleSession
from backend.services import audit, signin
from backend.services.access import Actor, Refused, is_admin, sees_personal_data
from backend.services.cases import case_with_file
from backend.settings import Settings
from common.signatures import same_secret

COOKIE = "sathi_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def console_session(request: Request, session: SessionDep, now: NowDep) -> ConsoleSession:
    found = signin.session_for_token(session, request.cookies.get(COOKIE), now)
    if found is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail={"code": "not_signed_in"})
    return found


ConsoleSessionDep = Annotated[ConsoleSession, Depends(console_session)]


async def csrf_token_given(request: Request) -> str:
    """The token the request carries: the header (scripts, fetch) or the form field (pages)."""
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        given = str((await request.form()).get(CSRF_FIELD) or "")
    return given


def signed_in(
    request: Request,
    current: ConsoleSessionDep,
    given: Annotated[str, Depends(csrf_token_given)],
) -> Actor:
    if request.method not in SAFE_METHODS and not (given and same_secret(given, current.csrf_token)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": "csrf_token_missing_or_wrong"})
    return Actor.of_person(current.person)


SignedInDep = Annotated[Actor, Depends(signed_in)]


def refused(exc: Refused) -> HTTPException:
    """A refusal as the API answers it: 403 naming why."""
    return HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": exc.code})


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        # max_age, not an absolute time: a browser whose clock is off still keeps it as long as the session.
        COOKIE,
        token,
        max_age=int(settings.console_session_hours * 3600),
        httponly=True,
        secure=settings.console_cookie_secure,
        samesite="lax",
        path="/",
    )


router = APIRouter(prefix="/api/v1/auth", tags=["sign-in"])


def _sign_in_refused(exc: signin.SignInRefused) -> HTTPException:
    code = status.HTTP_429_TOO_MANY_REQUESTS if exc.code in ("rate_limited", "too_many_tries") else status.HTTP_401_UNAUTHORIZED
    return HTTPException(code, detail={"code": exc.code})


@router.post("/code", status_code=status.HTTP_202_ACCEPTED)
def request_code(body: SignInCodeIn, request: Request, session: SessionDep, settings: SettingsDep, now: NowDep) -> dict:
    """Sends a one-time code to the registered mobile; the same answer whoever the number is."""
    try:
        signin.request_code(session, settings=settings, phone_text=body.phone, address=client_address(request), now=now)
    except signin.SignInRefused as exc:
        raise _sign_in_refused(exc) from exc
    return {"sent": True}


@router.post("/session")
def create_session(
    body: SignInIn, request: Request, response: Response, session: SessionDep, settings: SettingsDep, now: NowDep
) -> dict:
    """Signs in with the code: the session cookie is set; the answer carries the CSRF token every
    later request that changes something must send (header X-CSRF-Token)."""
    try:
        console, token = signin.verify_code(
            session, settings=settings, phone_text=body.phone, code=body.code, address=client_address(request), now=now
        )
    except signin.SignInRefused as exc:
        raise _sign_in_refused(exc) from exc
    set_session_cookie(response, token, settings)
    return {"person": console.person_id, "csrf_token": console.csrf_token, "expires_at": console.expires_at}


@router.post("/sign-out", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(actor: SignedInDep, current: ConsoleSessionDep, response: Response, session: SessionDep, now: NowDep) -> None:
    signin.end_session(session, current, now)
    response.delete_cookie(COOKIE, path="/")


def case_file(name: str, actor: Actor, session, workflows: dict, now) -> Case:  # noqa: ANN001
    """The case a stored file belongs to, for a signed-in person who may see its personal data
    (404 otherwise: whether a file exists is not told); the view is audited."""
    case = case_with_file(session, name)
    if case is None or not sees_personal_data(actor, case, workflows[case.service]):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_file"})
    audit.record(session, actor=actor, action="case.view", now=now, case=case, detail={"file": name})
    session.commit()
    return case


def administrator(actor: SignedInDep) -> Actor:
    if not is_admin(actor.person):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": "wrong_role"})
    return actor


AdministratorDep = Annotated[Actor, Depends(administrator)]

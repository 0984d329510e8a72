"""The console's routes, under /console. Every page needs a signed-in person (else it sends them to
sign in); every POST carries its form's CSRF token (the session's; before sign-in, a token in a
cookie of its own), checked before anything else. What a person may do is decided by the services
(access.py, through cases.act_on_case, certificates.act, desludging.operator_step); a refusal is
shown in the person's words, with what they typed kept in the form."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

import locales
from backend.api.auth import COOKIE, client_address, set_session_cookie
from backend.api.deps import NowDep, SessionDep, SettingsDep, WorkflowsDep
from backend.console import case_view, inbox
from backend.console.pages import LANGUAGE_COOKIE, STYLESHEET, Words, language_for, page, refused_key
from backend.models import STAFF_ROLES, AuditEntry, Case, ConsoleSession, OutboxMessage, Person
from backend.privacy import mask_phone
from backend.services import access, audit, certificates, people, signin, staff_menu
from backend.services.access import Actor, Refused
from backend.services.cases import VersionConflict
from backend.services.hooks import Act, operator_dispatch, perform
from backend.settings import Settings
from backend.workflow import WorkflowDef, WorkflowError
from common.clock import local_day
from common.references import normalise_reference
from common.signatures import same_secret

router = APIRouter(prefix="/console", include_in_schema=False)

SIGNIN_COOKIE = "sathi_console_signin"  # the sign-in forms' CSRF token, before there is a session
QUEUE_ACTIONS = ("VERIFY", "APPROVE")  # the queue page's own buttons; the rest are on the case page
NO_REASON_ACTIONS = ("ACCEPT", "DISPOSE", "DELIVER", "CLOSE")  # an operator's steps, and closing a conversation: no words
RETURN_PAGES = {"case": None, "queue": "/console/queue", "operator": "/console/operator"}
QUEUE_SHOWN = 50  # the head of each office's queue: what is worked next (the queue is worked in order)
PEOPLE_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 50
EMPTY_GRANTS = 2  # blank role rows on the person form, for adding roles


@dataclass
class Reader:
    """The signed-in person reading a page, and what the page needs of them."""

    console: ConsoleSession
    words: Words
    actor: Actor = field(init=False)

    def __post_init__(self) -> None:
        self.actor = Actor.of_person(self.console.person)

    @property
    def person(self) -> Person:
        return self.console.person

    def context(self) -> dict:
        roles = {g.role for g in self.person.grants}
        return {
            "person": self.person,
            "csrf": self.console.csrf_token,
            "nav": {
                "queue": bool(roles & {"VERIFIER", "APPROVER"}),
                "operator": "OPERATOR" in roles,
                "admin": access.is_admin(self.person),
            },
        }


def signed_in(request: Request, session: SessionDep, settings: SettingsDep, now: NowDep) -> Reader:
    token = request.cookies.get(COOKIE)
    console = signin.session_for_token(session, token, now)
    if console is None:  # a cookie whose session expired, ended or was ended for them is told so
        target = "/console/sign-in?ended=1" if token else "/console/sign-in"
        raise HTTPException(status.HTTP_303_SEE_OTHER, headers={"Location": target})
    return Reader(console, Words(language_for(request, console.person.language), settings.timezone))


ReaderDep = Annotated[Reader, Depends(signed_in)]
FormText = Annotated[str, Form(max_length=2000)]


def _csrf_ok(given: str, expected: str | None) -> bool:
    return bool(given and expected and same_secret(given, expected))


def _show(request: Request, template: str, reader: Reader, *, status_code: int = 200, **context: object) -> HTMLResponse:
    return page(request, template, words=reader.words, status_code=status_code, **reader.context(), **context)


def _refusal(request: Request, reader: Reader, key: str, status_code: int, **variables: object) -> HTMLResponse:
    return _show(
        request, "message.html", reader, status_code=status_code, message=reader.words(key, **variables), back="/console/inbox"
    )


# --- Pages that need no sign-in ---------------------------------------------------------------


@router.get("")
def home() -> RedirectResponse:
    return RedirectResponse("/console/inbox", status.HTTP_303_SEE_OTHER)


@router.get("/static/console.css")
def stylesheet() -> FileResponse:
    return FileResponse(STYLESHEET, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/language/{code}")
def choose_language(code: str, settings: SettingsDep, next: str = "/console/inbox") -> RedirectResponse:
    """The language switch: a preference cookie, then back to the page it was chosen on."""
    target = next if next.startswith("/console") and "//" not in next and "\\" not in next else "/console/inbox"
    response = RedirectResponse(target, status.HTTP_303_SEE_OTHER)
    if code in locales.LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            code,
            max_age=365 * 24 * 3600,
            httponly=True,
            secure=settings.console_cookie_secure,
            samesite="lax",
            path="/console",
        )
    return response


def _signin_page(
    request: Request,
    settings: Settings,
    *,
    step: str,
    status_code: int = 200,
    message_key: str | None = None,
    message_kind: str = "error",
    mobile: str = "",
) -> HTMLResponse:
    words = Words(language_for(request), settings.timezone)
    token = request.cookies.get(SIGNIN_COOKIE) or secrets.token_urlsafe(32)
    response = page(
        request,
        "signin.html",
        words=words,
        status_code=status_code,
        step=step,
        csrf=token,
        mobile=mobile,
        minutes=f"{settings.signin_code_minutes:g}",
        person=None,
        message=words(message_key) if message_key else None,
        message_kind=message_kind,
    )
    response.set_cookie(
        SIGNIN_COOKIE, token, httponly=True, secure=settings.console_cookie_secure, samesite="strict", path="/console"
    )
    return response


def _signin_refused_key(exc: signin.SignInRefused) -> str:
    return f"signin_refused.{exc.code}" if Words.known(f"signin_refused.{exc.code}") else "signin_refused.other"


@router.get("/sign-in")
def sign_in_page(
    request: Request, settings: SettingsDep, session: SessionDep, now: NowDep, signed_out: str = "", ended: str = ""
) -> Response:
    if signin.session_for_token(session, request.cookies.get(COOKIE), now) is not None:
        return RedirectResponse("/console/inbox", status.HTTP_303_SEE_OTHER)
    key = "signin.signed_out" if signed_out else "signin.session_ended" if ended else None
    response = _signin_page(request, settings, step="mobile", message_key=key, message_kind="ok")
    if ended:
        response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/sign-in")
def send_code(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    now: NowDep,
    mobile: Annotated[str, Form(max_length=40)] = "",
    csrf_token: FormText = "",
) -> HTMLResponse:
    if not _csrf_ok(csrf_token, request.cookies.get(SIGNIN_COOKIE)):
        return _signin_page(request, settings, step="mobile", status_code=403, message_key="refused.csrf", mobile=mobile)
    try:
        signin.request_code(session, settings=settings, phone_text=mobile, address=client_address(request), now=now)
    except signin.SignInRefused as exc:
        return _signin_page(
            request, settings, step="mobile", status_code=429, mobile=mobile, message_key=_signin_refused_key(exc)
        )
    return _signin_page(request, settings, step="code", mobile=mobile)


@router.post("/sign-in/code")
def check_code(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    now: NowDep,
    mobile: Annotated[str, Form(max_length=40)] = "",
    code: Annotated[str, Form(max_length=20)] = "",
    csrf_token: FormText = "",
) -> Response:
    if not _csrf_ok(csrf_token, request.cookies.get(SIGNIN_COOKIE)):
        return _signin_page(request, settings, step="code", status_code=403, message_key="refused.csrf", mobile=mobile)
    try:
        _, token = signin.verify_code(
            session, settings=settings, phone_text=mobile, code=code, address=client_address(request), now=now
        )
    except signin.SignInRefused as exc:
        key = _signin_refused_key(exc)
        again = exc.code in ("expired", "too_many_tries")  # this code is spent: ask for another
        return _signin_page(
            request,
            settings,
            step="mobile" if again else "code",
            mobile=mobile,
            message_key=key,
            status_code=429 if exc.code in ("rate_limited", "too_many_tries") else 401,
        )
    response = RedirectResponse("/console/inbox", status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, token, settings)
    response.delete_cookie(SIGNIN_COOKIE, path="/console")
    return response


@router.post("/sign-out")
def sign_out(request: Request, reader: ReaderDep, session: SessionDep, now: NowDep, csrf_token: FormText = "") -> Response:
    if not _csrf_ok(csrf_token, reader.console.csrf_token):
        return _refusal(request, reader, "refused.csrf", status.HTTP_403_FORBIDDEN)
    signin.end_session(session, reader.console, now)
    response = RedirectResponse("/console/sign-in?signed_out=1", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/")
    return response


# --- The inbox and the case page ---------------------------------------------------------------


@router.get("/inbox")
def inbox_page(
    request: Request, reader: ReaderDep, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep, now: NowDep
) -> HTMLResponse:
    departments = case_view.departments(settings.masterdata_dir, workflows)
    filters = inbox.Filters.from_query(dict(request.query_params), workflows=workflows, departments=departments)
    cases, more = inbox.page_of(session, person=reader.person, workflows=workflows, filters=filters, now=now)
    rows = [
        {
            "case": c,
            "overdue": bool(c.sla_due_at and c.sla_due_at < now),
            "place": case_view.place(c, reader.words, settings.masterdata_dir),
        }
        for c in cases
    ]
    pager = {
        "page": filters.page,
        "previous": filters.link(filters.page - 1) if filters.page > 1 else None,
        "next": filters.link(filters.page + 1) if more else None,
    }
    choices = {"services": list(workflows), "states": inbox.states(workflows), "departments": departments}
    return _show(request, "inbox.html", reader, rows=rows, filters=filters, choices=choices, pager=pager)


def _case(session: Session, reference: str) -> Case | None:
    normalised = normalise_reference(reference)
    if normalised is None:
        return None
    return session.scalar(select(Case).where(Case.reference == normalised).options(selectinload(Case.history)))


@dataclass
class ActionForm:
    name: str
    reason_required: bool
    asks_reason: bool
    reason_label: str = ""  # the console key naming its text box
    out_of_order: bool = False
    assignees: list[tuple[str, str]] = field(default_factory=list)
    plants: list[tuple[str, str]] = field(default_factory=list)


def _ahead_of(session: Session, case: Case) -> str | None:
    """The application ahead of this one in its office's queue, if it is not at the head."""
    if case.state not in certificates.QUEUED_STATES or not case.assignee_id or not case.details.get("certificate_type"):
        return None
    head = certificates.queue(session, office=case.assignee_id, state=case.state, service=case.details["certificate_type"])
    return head[0].reference if head and head[0].id != case.id else None


def _action_forms(
    session: Session,
    case: Case,
    reader: Reader,
    workflow: WorkflowDef,
    settings: Settings,
    only: tuple[str, ...] | None = None,
    ahead: str | None | bool = False,
) -> list[ActionForm]:
    """The forms for the actions the workflow allows this person on the case now. ahead: what is
    ahead of it in its queue when the caller knows (the queue page), else it is looked up."""
    forms = []
    if ahead is False:
        ahead = _ahead_of(session, case)
    by_hand = workflow.assigns_by_hand
    for action in staff_menu.offered(reader.person, case, workflow):
        if only is not None and action.name not in only:
            continue
        forms.append(
            ActionForm(
                name=action.name,
                reason_required=action.reason_required,
                asks_reason=action.reason_required or action.name not in NO_REASON_ACTIONS,
                reason_label="case.message_to_citizen"
                if action.message
                else ("case.reason_required" if action.reason_required else "case.reason_optional"),
                out_of_order=bool(ahead) and action.name in certificates.IN_ORDER_ACTIONS,
                assignees=case_view.assignees(session, case) if by_hand and action.name in staff_menu.HANDS_OVER else [],
                plants=case_view.plants(case, reader.words, settings.masterdata_dir)
                if action.name == staff_menu.DISPOSAL
                else [],
            )
        )
    return forms


def _case_page(
    request: Request,
    reader: Reader,
    session: Session,
    settings: Settings,
    workflows: dict[str, WorkflowDef],
    now: datetime,
    case: Case,
    *,
    status_code: int = 200,
    message: str | None = None,
    message_kind: str = "error",
    form: dict | None = None,
) -> HTMLResponse:
    workflow = workflows[case.service]
    personal = access.sees_personal_data(reader.actor, case, workflow)
    shown = case_view.view(
        session, case, workflow=workflow, words=reader.words, masterdata_dir=settings.masterdata_dir, personal=personal, now=now
    )
    return _show(
        request,
        "case.html",
        reader,
        status_code=status_code,
        case=case,
        view=shown,
        actions=_action_forms(session, case, reader, workflow, settings),
        message=message,
        message_kind=message_kind,
        form=form or {},
    )


@router.get("/cases/{reference}")
def case_page(
    reference: str,
    request: Request,
    reader: ReaderDep,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
    done: str = "",
) -> HTMLResponse:
    case = _case(session, reference)
    if case is None:
        return _refusal(request, reader, "not_found", status.HTTP_404_NOT_FOUND)
    workflow = workflows[case.service]
    address = client_address(request)
    if not access.may_view(reader.actor, case, workflow):
        code = access.why_refused(reader.actor, case, workflow)
        audit.record(
            session,
            actor=reader.actor,
            action="case.view",
            now=now,
            case=case,
            outcome="refused",
            detail={"code": code},
            address=address,
        )
        session.commit()
        return _refusal(request, reader, f"refused.{code}", status.HTTP_403_FORBIDDEN)
    personal = access.sees_personal_data(reader.actor, case, workflow)
    audit.record(
        session, actor=reader.actor, action="case.view", now=now, case=case, detail={"personal_data": personal}, address=address
    )
    session.commit()
    message = (
        reader.words("done", action=reader.words.label("action", done)) if done in {a.name for a in workflow.actions} else None
    )
    return _case_page(request, reader, session, settings, workflows, now, case, message=message, message_kind="ok")


@router.get("/cases/{reference}/files/{name}")
def case_file(
    reference: str,
    name: str,
    request: Request,
    reader: ReaderDep,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
) -> Response:
    """A photo or document of the case, for those who see its personal data; only the case's own files."""
    case = _case(session, reference)
    if case is None or name not in case_view.files_of(case) or "/" in name or name.startswith("."):
        return _refusal(request, reader, "not_found", status.HTTP_404_NOT_FOUND)
    if not access.sees_personal_data(reader.actor, case, workflows[case.service]):
        return _refusal(request, reader, "forbidden", status.HTTP_403_FORBIDDEN)
    path = settings.media_dir / name
    if not path.is_file():
        return _refusal(request, reader, "not_found", status.HTTP_404_NOT_FOUND)
    return FileResponse(
        path,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def _perform(
    session: Session, case: Case, workflow: WorkflowDef, reader: Reader, settings: Settings, now: datetime, form: dict
) -> None:
    """The action through the service that owns it: the certificate office's queue, the
    desludging operator's steps, or the general case workflow."""
    action, reason = form["action"], form["reason"].strip() or None
    # A reply to a citizen stands whatever they wrote meanwhile (each message is a new version).
    replies = any(a.name == action and a.message for a in workflow.actions)
    if not replies and (not form["version"].isdigit() or int(form["version"]) != case.version):
        raise VersionConflict(f"{case.reference} is at version {case.version}")
    litres = form["litres"].strip()
    assignee = (form["assignee"] or None) if action in staff_menu.HANDS_OVER else None
    out_of_order = form["out_of_order_reason"].strip() or None
    volume = int(litres) if litres.isdigit() else None
    act = Act(
        settings, workflow, case, reader.actor, action, now, reason=reason, out_of_order_reason=out_of_order,
        assignee_id=assignee, plant_code=form["plant"] or None, volume_litres=volume, expected_version=case.version,
    )  # fmt: skip
    perform(session, act)


@router.post("/cases/{reference}/act")
def act(
    reference: str,
    request: Request,
    reader: ReaderDep,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
    csrf_token: FormText = "",
    action: Annotated[str, Form(max_length=40)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    reason: FormText = "",
    out_of_order_reason: FormText = "",
    assignee: Annotated[str, Form(max_length=40)] = "",
    plant: Annotated[str, Form(max_length=48)] = "",
    litres: Annotated[str, Form(max_length=12)] = "",
    return_to: Annotated[str, Form(max_length=20)] = "case",
) -> Response:
    form = {
        "reference": reference,
        "action": action,
        "version": version,
        "reason": reason,
        "out_of_order_reason": out_of_order_reason,
        "assignee": assignee,
        "plant": plant,
        "litres": litres,
    }
    case = _case(session, reference)
    if case is None:
        return _refusal(request, reader, "not_found", status.HTTP_404_NOT_FOUND)
    workflow = workflows[case.service]

    def refused(key: str, code: int, **variables: object) -> HTMLResponse:
        if access.may_view(reader.actor, case, workflow):
            return _case_page(
                request,
                reader,
                session,
                settings,
                workflows,
                now,
                case,
                status_code=code,
                message=reader.words(key, **variables),
                form=form,
            )
        return _refusal(request, reader, key, code, **variables)

    if not _csrf_ok(csrf_token, reader.console.csrf_token):
        return refused("refused.csrf", status.HTTP_403_FORBIDDEN)
    try:
        _perform(session, case, workflow, reader, settings, now, form)
        session.commit()
    except (VersionConflict, StaleDataError):
        session.rollback()
        return refused("refused.version_conflict", status.HTTP_409_CONFLICT)
    except WorkflowError as exc:  # access.Refused is one: the actor may not
        session.rollback()
        key, variables = refused_key(exc)
        forbidden = isinstance(exc, Refused)
        audit.record(
            session,
            actor=reader.actor,
            action="case.act",
            now=now,
            case=case,
            outcome="refused",
            detail={"action": action[:40], "code": getattr(exc, "code", "other")},
            address=client_address(request),
        )
        session.commit()
        return refused(key, status.HTTP_403_FORBIDDEN if forbidden else status.HTTP_409_CONFLICT, **variables)
    back = RETURN_PAGES.get(return_to) or f"/console/cases/{case.reference}"
    return RedirectResponse(f"{back}?{urlencode({'done': action})}", status.HTTP_303_SEE_OTHER)


# --- The certificate office's queue and the operator's jobs ---------------------------------------


@router.get("/queue")
def queue_page(
    request: Request,
    reader: ReaderDep,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
    done: str = "",
) -> HTMLResponse:
    offices = sorted({g.office for g in reader.person.grants if g.role in ("VERIFIER", "APPROVER") and g.office})
    queues = []
    for office in offices:
        items: list[dict[str, Any]] = []
        heads: dict[tuple[str | None, str], str] = {}
        for case in certificates.queue(session, office=office)[:QUEUE_SHOWN]:
            # the order is per state, and each service is its own queue (certificates.queue)
            head = heads.setdefault((case.state, case.details["certificate_type"]), case.reference)
            promised = certificates.promised_by(case)
            items.append(
                {
                    "case": case,
                    "head": head == case.reference,
                    "overdue": bool(case.sla_due_at and case.sla_due_at < now),
                    "promised": local_day(promised),
                    "actions": _action_forms(
                        session,
                        case,
                        reader,
                        workflows[case.service],
                        settings,
                        only=QUEUE_ACTIONS,
                        ahead=None if head == case.reference else head,
                    ),
                }
            )
        label = next((i["case"].details.get("office_label") for i in items if i["case"].details.get("office_label")), office)
        queues.append({"office": office, "label": label, "entries": items})
    message = reader.words("done", action=reader.words.label("action", done)) if done in QUEUE_ACTIONS else None
    return _show(request, "queue.html", reader, queues=queues, message=message, message_kind="ok")


@router.get("/operator")
def operator_page(
    request: Request,
    reader: ReaderDep,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
    done: str = "",
) -> HTMLResponse:
    # every service an operator serves: the workflows whose steps wait on an operator
    open_states = {
        name: [s for s in workflow.states if workflow.states[s].holder == "operator"] for name, workflow in workflows.items()
    }
    served = {name: states for name, states in open_states.items() if states}
    cases = session.scalars(
        select(Case)
        .where(
            Case.service.in_(served),
            Case.assignee_id == reader.person.id,
            Case.state.in_({state for states in served.values() for state in states}),
        )
        .order_by(Case.id)
        .limit(100)
    ).all()
    jobs = []
    for case in cases:
        workflow = workflows[case.service]
        personal = access.sees_personal_data(reader.actor, case, workflow)
        facts = [
            (reader.words("case.place"), case_view.place(case, reader.words, settings.masterdata_dir)),
            *case_view.facts(case, workflow, reader.words, settings.masterdata_dir, personal),
        ]
        if personal:
            facts.append((reader.words("case.citizen"), case.citizen_phone))
        jobs.append(
            {
                "case": case,
                "facts": facts,
                "actions": _action_forms(
                    session, case, reader, workflow, settings, only=operator_dispatch.operator_actions(workflow)
                ),
            }
        )
    operator_steps = {a for w in workflows.values() for a in operator_dispatch.operator_actions(w)}
    message = reader.words("done", action=reader.words.label("action", done)) if done in operator_steps else None
    return _show(request, "operator.html", reader, jobs=jobs, message=message, message_kind="ok")


# --- Administrators: people and the audit log -----------------------------------------------------


def _admin_only(request: Request, reader: Reader) -> HTMLResponse | None:
    return None if access.is_admin(reader.person) else _refusal(request, reader, "forbidden", status.HTTP_403_FORBIDDEN)


def _pager(path: str, number: int, *, more: bool) -> dict:
    """A numbered page's links to the pages either side (pager.html)."""
    return {
        "page": number,
        "previous": f"{path}?page={number - 1}" if number > 1 else None,
        "next": f"{path}?page={number + 1}" if more else None,
    }


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and 0 < int(text) <= 100_000 else 1


@router.get("/people")
def people_page(request: Request, reader: ReaderDep, session: SessionDep, page: str = "1") -> HTMLResponse:
    if (refusal := _admin_only(request, reader)) is not None:
        return refusal
    number = _page_number(page)
    rows = list(
        session.scalars(select(Person).order_by(Person.id).offset((number - 1) * PEOPLE_PAGE_SIZE).limit(PEOPLE_PAGE_SIZE + 1))
    )
    pager = _pager("/console/people", number, more=len(rows) > PEOPLE_PAGE_SIZE)
    return _show(request, "people.html", reader, people=rows[:PEOPLE_PAGE_SIZE], pager=pager)


def _person_form(
    request: Request,
    reader: Reader,
    settings: Settings,
    workflows: dict[str, WorkflowDef],
    editing: dict,
    *,
    status_code: int = 200,
    message: str | None = None,
    message_kind: str = "error",
) -> HTMLResponse:
    editing = {**editing, "grants": [*editing["grants"], *({} for _ in range(EMPTY_GRANTS))]}
    return _show(
        request,
        "person.html",
        reader,
        status_code=status_code,
        editing=editing,
        roles=STAFF_ROLES,
        departments=case_view.departments(settings.masterdata_dir, workflows),
        message=message,
        message_kind=message_kind,
    )


@router.get("/people/new")
def new_person(request: Request, reader: ReaderDep, settings: SettingsDep, workflows: WorkflowsDep) -> HTMLResponse:
    if (refusal := _admin_only(request, reader)) is not None:
        return refusal
    return _person_form(
        request,
        reader,
        settings,
        workflows,
        {"exists": False, "language": reader.words.language, "channel": "whatsapp", "grants": [{}]},
    )


def _editing(person: Person) -> dict:
    return {
        "exists": True,
        "id": person.id,
        "name": person.name,
        "phone": person.phone,
        "language": person.language,
        "channel": person.channel,
        "active": person.active,
        "grants": [{k: getattr(g, k) for k in people.GRANT_FIELDS} for g in person.grants],
    }


@router.get("/people/{person_id}")
def person_page(
    person_id: str,
    request: Request,
    reader: ReaderDep,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    saved: str = "",
    deactivated: str = "",
) -> HTMLResponse:
    if (refusal := _admin_only(request, reader)) is not None:
        return refusal
    person = session.get(Person, person_id)
    if person is None:
        return _refusal(request, reader, "not_found", status.HTTP_404_NOT_FOUND)
    message = reader.words("people.saved") if saved else reader.words("people.deactivated") if deactivated else None
    return _person_form(request, reader, settings, workflows, _editing(person), message=message, message_kind="ok")


@router.post("/people")
def save_person(
    request: Request,
    reader: ReaderDep,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
    csrf_token: FormText = "",
    existing: Annotated[str, Form(max_length=40)] = "",
    person_id: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=120)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    language: Annotated[str, Form(max_length=8)] = "en",
    channel: Annotated[str, Form(max_length=16)] = "whatsapp",
    role: Annotated[list[str], Form()] = [],
    ulb: Annotated[list[str], Form()] = [],
    department: Annotated[list[str], Form()] = [],
    first_ward: Annotated[list[str], Form()] = [],
    last_ward: Annotated[list[str], Form()] = [],
    office: Annotated[list[str], Form()] = [],
    gram_panchayat: Annotated[list[str], Form()] = [],
) -> Response:
    if (refusal := _admin_only(request, reader)) is not None:
        return refusal
    columns = {
        "role": role,
        "ulb": ulb,
        "department": department,
        "first_ward": first_ward,
        "last_ward": last_ward,
        "office": office,
        "gram_panchayat": gram_panchayat,
    }
    rows = [{k: (v[i].strip()[:48] if i < len(v) else "") for k, v in columns.items()} for i in range(min(len(role), 20))]
    grants = [r for r in rows if r["role"]]  # a row left without a role is a blank one
    editing = {
        "exists": bool(existing),
        "id": existing or person_id,
        "name": name,
        "phone": phone,
        "language": language,
        "channel": channel,
        "active": True,
        "grants": grants,
    }
    if not _csrf_ok(csrf_token, reader.console.csrf_token):
        return _person_form(request, reader, settings, workflows, editing, status_code=403, message=reader.words("refused.csrf"))
    try:
        saved = people.save_person(
            session,
            actor=reader.actor,
            person_id=existing or person_id,
            name=name,
            phone=phone,
            language=language,
            channel=channel,
            grants=grants,
            now=now,
            new=not existing,
        )
        session.commit()
    except people.InvalidPerson as exc:
        session.rollback()
        key = f"person_invalid.{exc.code}" if Words.known(f"person_invalid.{exc.code}") else "refused.other"
        return _person_form(request, reader, settings, workflows, editing, status_code=422, message=reader.words(key))
    except Refused as exc:
        session.rollback()
        return _person_form(
            request, reader, settings, workflows, editing, status_code=403, message=reader.words(refused_key(exc)[0])
        )
    return RedirectResponse(f"/console/people/{saved.id}?saved=1", status.HTTP_303_SEE_OTHER)


@router.post("/people/{person_id}/deactivate")
def deactivate_person(
    person_id: str, request: Request, reader: ReaderDep, session: SessionDep, now: NowDep, csrf_token: FormText = ""
) -> Response:
    if (refusal := _admin_only(request, reader)) is not None:
        return refusal
    if not _csrf_ok(csrf_token, reader.console.csrf_token):
        return _refusal(request, reader, "refused.csrf", status.HTTP_403_FORBIDDEN)
    try:
        people.deactivate(session, actor=reader.actor, person_id=person_id, now=now)
        session.commit()
    except people.InvalidPerson:
        session.rollback()
        return _refusal(request, reader, "not_found", status.HTTP_404_NOT_FOUND)
    return RedirectResponse(f"/console/people/{person_id}?deactivated=1", status.HTTP_303_SEE_OTHER)


@router.get("/audit")
def audit_page(request: Request, reader: ReaderDep, session: SessionDep, page: str = "1") -> HTMLResponse:
    if (refusal := _admin_only(request, reader)) is not None:
        return refusal
    number = _page_number(page)
    entries = list(
        session.execute(
            select(AuditEntry, Case.reference)
            .outerjoin(Case, Case.id == AuditEntry.case_id)
            .order_by(AuditEntry.id.desc())
            .offset((number - 1) * AUDIT_PAGE_SIZE)
            .limit(AUDIT_PAGE_SIZE + 1)
        ).all()
    )
    pager = _pager("/console/audit", number, more=len(entries) > AUDIT_PAGE_SIZE)
    return _show(request, "audit.html", reader, entries=entries[:AUDIT_PAGE_SIZE], pager=pager)


@router.get("/deliveries")
def deliveries_page(request: Request, reader: ReaderDep, session: SessionDep, page: str = "1") -> HTMLResponse:
    """Messages that reached no one, newest first (a WhatsApp one has gone again by SMS): the
    recipient masked, why, and the case it was about."""
    if (refusal := _admin_only(request, reader)) is not None:
        return refusal
    number = _page_number(page)
    failed = list(
        session.execute(
            select(OutboxMessage, Case.reference)
            .outerjoin(Case, Case.id == OutboxMessage.case_id)
            .where(OutboxMessage.status == "failed")
            .order_by(OutboxMessage.id.desc())
            .offset((number - 1) * AUDIT_PAGE_SIZE)
            .limit(AUDIT_PAGE_SIZE + 1)
        ).all()
    )
    rows = [(m.updated_at, m.channel, mask_phone(m.recipient), m.locale_key or m.kind, m.error_code, ref) for m, ref in failed]
    pager = _pager("/console/deliveries", number, more=len(rows) > AUDIT_PAGE_SIZE)
    return _show(request, "deliveries.html", reader, rows=rows[:AUDIT_PAGE_SIZE], pager=pager)

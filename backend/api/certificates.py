"""Certificate routes: the services and their forms, applying, the office's queue and its steps,
the certificate PDF, the public key and the public check (API and page)."""

import re
from dataclasses import asdict
from datetime import datetime
from html import escape
from pathlib import Path as FsPath
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Header, HTTPException, Path, Query, Response, status
from fastapi.responses import FileResponse, HTMLResponse

import locales
from backend.api.auth import SignedInDep, case_file
from backend.api.callers import MaybeTurnDep, TurnDep, filer, own_case, own_phone
from backend.api.deps import NowDep, SessionDep, SettingsDep, WorkflowsDep, committed
from backend.api.schemas import (
    AnswerIn,
    AnswerOut,
    CaseOut,
    CaseStatusOut,
    CertificateActionIn,
    CertificateIn,
    CertificateOut,
    CertificateServiceOut,
    CitizenIn,
    CorrectionIn,
    CorrectionOut,
    FieldAgentOut,
    LabelsIn,
    OpenVerdictOut,
    QueueItemOut,
    ServiceChoiceIn,
    ServiceChoiceOut,
    VerificationOut,
)
from backend.db import get_session_factory
from backend.services import certificate_signing, certificates, feedback, turn_grants
from backend.services.access import works_at
from backend.services.answers import Answer, check_in_form, labels_in, too_long
from backend.services.cases import find_case
from backend.services.catalog import ServiceDef
from backend.services.hooks import Filing, Hooks, hooks_for
from backend.settings import Settings
from backend.workflow import WorkflowError
from common.languages import LANGUAGE_PATTERN
from common.phones import indian_mobile

router = APIRouter(prefix="/api/v1/certificates", tags=["certificates"])
_DOCUMENT_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|pdf)$")
public_router = APIRouter(tags=["certificates"])
_STATUS = {
    "wrong_role": 403,
    "not_owner": 403,
    "unknown_action": 404,
    "reason_required": 422,
    "invalid_application": 422,
    "no_match": 422,
    "no_tatkal": 422,
    "no_rate": 422,
    "unknown_service": 404,
    # a request of a service that files its own cases (desludging), refused by its own rules
    "not_allowed": 422,
    "unknown_ward": 422,
    "unknown_village": 422,
    "no_tariff": 422,
}


def _refused(exc: WorkflowError) -> HTTPException:
    detail = {"code": exc.code, **{k: v for k, v in exc.context.items() if k == "head"}}
    field = getattr(exc, "field", None)  # an answer refused (an application's, or a request's)
    if isinstance(field, str):
        detail["field"] = field
    return HTTPException(_STATUS.get(exc.code, status.HTTP_409_CONFLICT), detail=detail)


def _an_application(workflows, case) -> bool:  # noqa: ANN001
    """A case these routes serve: an application that ends in a signed document (a certificate, a licence)."""
    return workflows[case.service].issues_document and bool(case.details.get("certificate_type"))


def _service(settings, workflows, code: str):  # noqa: ANN001, ANN202
    definition = certificates.definitions(settings, workflows).get(code)
    if definition is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_service"})
    return definition


@router.get("/services", response_model=list[CertificateServiceOut])
def services(settings: SettingsDep, workflows: WorkflowsDep) -> list[dict]:
    return [
        d.model_dump(
            include={
                "code",
                "number",
                "fee_rupees",
                "tatkal_fee_rupees",
                "sla_days",
                "tatkal_sla_days",
                "fields",
                "documents",
                "fee_set_by",
                "replies",
            }  # fmt: skip
        )
        for d in certificates.definitions(settings, workflows).values()
    ]


@router.post("/services/choose", response_model=ServiceChoiceOut)
def choose_service(
    body: ServiceChoiceIn, turn: MaybeTurnDep, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep, now: NowDep
) -> ServiceChoiceOut:
    """The form's "which application?" turn in one call: the service the answer names, with its
    definition (the form's later turns read it from the conversation), and whether the turn's phone
    (the one in the body) is a Panchayat Swayam Sewak's, who files for others."""
    definitions = certificates.definitions(settings, workflows)
    # a service reached by its own intent is chosen by its code (request_desludging -> "desludging"),
    # where this form can file it
    own = certificates.catalog(settings, workflows).get(body.q.strip())
    files = own is not None and (isinstance(own, ServiceDef) or hooks_for(workflows[own.workflow]).files_forms)
    definition = own if files else certificates.match_service(definitions, body.q)
    last = max((d.number for d in definitions.values()), default=1)
    if definition is None:
        return ServiceChoiceOut(service=None, last=last)
    agent = turn_grants.field_agent(session, body.phone) if turn and turn.agent_id and turn.owns(body.phone) else None
    found = FieldAgentOut(id=agent.id, name=agent.name) if agent is not None and turn and agent.id == turn.agent_id else None
    chosen = ServiceChoiceOut(service=CertificateServiceOut.model_validate(definition.model_dump()), last=last, agent=found)
    said = body.opening if definition.opened_by_words else None
    if said:  # the first question's answer, and their case it may reopen: the opening turn's one call
        today = now.astimezone(ZoneInfo(settings.timezone)).date()
        first = definition.fields[0]
        checked = check_in_form(
            definition, first.name, said, {}, language=body.language, today=today, masterdata_dir=settings.masterdata_dir
        )
        chosen.first_answer = _answer_out(*checked) if checked else None
        if definition.reopens and found is None and turn and turn.owns(body.phone):
            about = (settings.masterdata_dir, said)
            offer = feedback.open_verdict(session, workflows=workflows, phone=body.phone, about=about)
            chosen.reopen = OpenVerdictOut(**asdict(offer)) if offer else None
    return chosen


def _answer_out(answer: Answer, fee: int | None) -> AnswerOut:
    return AnswerOut(value=answer.value, label=answer.label, key=answer.key, guessed=answer.guessed, fee_rupees=fee)


@router.get("/services/{code}", response_model=CertificateServiceOut)
def service(code: str, settings: SettingsDep, workflows: WorkflowsDep) -> dict:
    definition = certificates.catalog(settings, workflows).get(code)
    if definition is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_service"})
    return definition.model_dump()


@router.post("/services/{code}/answers/{field}", response_model=AnswerOut)
def check_answer(code: str, field: str, body: AnswerIn, settings: SettingsDep, workflows: WorkflowsDep, now: NowDep) -> AnswerOut:
    """What an answer to one question of any service's form means (an application's, or desludging's)."""
    definition = certificates.catalog(settings, workflows).get(code)
    if definition is None or field not in {f.name for f in definition.fields}:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_field" if definition else "unknown_service"})
    if too_long(definition.field(field), body.q):  # said so, with the limit (a text's own)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"code": "too_long", "field": field})
    checked = check_in_form(
        definition,
        field,
        body.q,
        body.answers,
        language=body.language,
        today=now.astimezone(ZoneInfo(settings.timezone)).date(),
        masterdata_dir=settings.masterdata_dir,
    )
    if checked is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"code": "no_match", "field": field})
    answer, fee = checked
    return _answer_out(answer, fee)


@router.post("/services/{code}/labels")
def labels(code: str, body: LabelsIn, settings: SettingsDep, workflows: WorkflowsDep, now: NowDep) -> dict[str, str]:
    """The summary's words for a form's answers in the language asked: a citizen who changed language
    mid-form reads every answer in the new one."""
    definition = certificates.catalog(settings, workflows).get(code)
    if definition is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_service"})
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    return labels_in(definition, body.answers, language=body.language, today=today, masterdata_dir=settings.masterdata_dir)


@router.post("/answers/{kind}", response_model=AnswerOut)
def other_answer(kind: Annotated[str, Path(pattern="^(lane|later)$")], body: AnswerIn, settings: SettingsDep) -> AnswerOut:
    """The lane asked for ("2", "tatkal", "तत्काल" -> tatkal), or whether a document comes later (a
    field agent's citizen's mobile is checked where the code goes to it: /api/v1/doorstep/consent)."""
    directory, q = settings.masterdata_dir, body.q
    value = (
        certificates.lane_for(directory, q) if kind == "lane" else ("later" if certificates.means_later(directory, q) else None)
    )
    if value is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"code": "no_match", "field": kind})
    return AnswerOut(value=value)


@router.post("/field-agent", response_model=FieldAgentOut)
def field_agent(body: CitizenIn, turn: TurnDep, session: SessionDep) -> FieldAgentOut:
    """Whether the turn's phone is a Panchayat Swayam Sewak's, who files for others (the phone in the body)."""
    own_phone(turn, body.phone)
    agent = turn_grants.field_agent(session, body.phone) if turn and turn.agent_id and turn.owns(body.phone) else None
    if agent is None or agent.id != turn.agent_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "not_a_field_agent"})
    return FieldAgentOut(id=agent.id, name=agent.name)


@router.post("", response_model=CertificateOut, status_code=status.HTTP_201_CREATED)
def apply(
    body: CertificateIn,
    turn: TurnDep,
    response: Response,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> CertificateOut:
    """Any service of the catalog, filed from the citizen's words per field: an application to its
    office (or its operators), or a service whose case is its own (desludging: its hooks file it)."""
    definition = certificates.catalog(settings, workflows).get(body.certificate_type)
    if definition is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_service"})
    # Filed by a Panchayat Swayam Sewak at the doorstep (the turn's phone is on the roster): the
    # citizen, who is not in this chat, hears of each step by SMS.
    actor = filer(turn, body.citizen_phone, session, now, definition.workflow)  # consent is to this kind of filing
    citizen_phone = indian_mobile(body.citizen_phone) if actor.for_someone_else else body.citizen_phone
    if not citizen_phone:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"code": "no_match", "field": "citizen_phone"})
    workflow = workflows[definition.workflow]
    filing = Filing(
        settings=settings,
        workflow=workflow,
        definition=definition,
        answers=body.answers,
        documents=body.documents,
        tatkal=body.tatkal,
        phone=citizen_phone,
        language=body.language,
        channel=actor.channel(body.channel),
        actor_role=actor.actor_role,
        actor_id=actor.actor_id,
        idempotency_key=idempotency_key,
        now=now,
    )
    hooks = hooks_for(workflow)
    try:
        case, created, link = hooks.file(session, filing)
    except WorkflowError as exc:
        session.rollback()
        raise _refused(exc) from exc
    if created:
        actor.filed(session, case, now)
    session.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    elif filing.documents:  # fetched after the answer, so filing never waits on a slow media host
        background.add_task(_attach_media, hooks, settings, case.id, filing.documents, now)
    return CertificateOut(
        reference=case.reference,
        state=case.state,
        fee_rupees=case.details.get("fee_paise", 0) / 100,
        office=case.details.get("office", ""),
        office_label=case.details.get("office_label", ""),
        payment_url=link.url if link else None,
        upi_link=link.upi if link else None,
        payment_expires_at=link.payment.expires_at if link else None,
    )


def _attach_media(hooks: Hooks, settings: Settings, case_id: int, documents: dict[str, str], now: datetime) -> None:
    with get_session_factory(settings.database_url)() as session:
        hooks.attach_media(session, settings=settings, case_id=case_id, documents=documents, now=now)


@router.get("/documents/{name}")
def document(
    name: str, actor: SignedInDep, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep, now: NowDep
) -> FileResponse:
    """A document sent with an application, for the office working it (signed in; audited)."""
    path = FsPath(settings.media_dir) / name
    if not _DOCUMENT_NAME.match(name) or not path.exists():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_document"})
    case_file(name, actor, session, workflows, now)
    return FileResponse(path)


@router.post("/{reference}/correction", response_model=CorrectionOut)
def correction(
    reference: str, body: CitizenIn, turn: TurnDep, session: SessionDep, settings: SettingsDep, workflows: WorkflowsDep
) -> CorrectionOut:
    """What the office sent back for correction, for the applicant only (the phone in the body),
    with the service's definition for the form that follows."""
    case = _own_returned(session, workflows, reference, turn, body.phone)
    reason = next((h.reason for h in reversed(case.history) if h.action == "SEND_BACK"), "") or ""
    code = case.details["certificate_type"]
    definition = certificates.definitions(settings, workflows).get(code)
    service = CertificateServiceOut.model_validate(definition.model_dump()) if definition else None
    return CorrectionOut(reference=case.reference, certificate_type=code, reason=reason, service=service)


@router.post("/{reference}/resubmit", response_model=CaseStatusOut)
def resubmit(
    reference: str,
    body: CorrectionIn,
    turn: TurnDep,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
):  # noqa: ANN201
    case = _own_returned(session, workflows, reference, turn, body.phone)
    definition = _service(settings, workflows, case.details["certificate_type"])
    with committed(session, _refused):
        certificates.resubmit(
            session,
            settings=settings,
            workflow=workflows[case.service],
            definition=definition,
            case=case,
            phone=body.phone,
            answers=body.answers,
            documents=body.documents,
            now=now,
        )
    if body.documents:
        background.add_task(_attach_media, hooks_for(workflows[case.service]), settings, case.id, body.documents, now)
    return case


def _own_returned(session, workflows, reference: str, turn, phone: str):  # noqa: ANN001, ANN202
    case = find_case(session, reference, phone=own_phone(turn, phone))
    if case is None or not _an_application(workflows, case):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_reference"})
    own_case(turn, case)
    if case.state != "RETURNED":
        raise HTTPException(status.HTTP_409_CONFLICT, detail={"code": "nothing_to_correct"})
    return case


@router.get("/queue", response_model=list[QueueItemOut])
def office_queue(
    actor: SignedInDep,
    session: SessionDep,
    office: Annotated[str, Query(max_length=60)],
    state: str | None = None,
    service: Annotated[str | None, Query(max_length=40)] = None,
) -> list[QueueItemOut]:
    """The office's work in the order it must be done: Tatkal first, then first in, first out,
    each service its own queue (`service`: one of them; without it, all, each in its order);
    for the office's own staff."""
    if not works_at(actor, office):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": "not_your_office"})
    return [
        QueueItemOut(
            reference=c.reference,
            certificate_type=c.details["certificate_type"],
            state=c.state,
            lane=c.details["lane"],
            queued_at=c.details["queued_at"],
        )
        for c in certificates.queue(session, office=office, state=state, service=service)
    ]


@router.post("/{reference}/actions", response_model=CaseOut)
def act(
    reference: str,
    body: CertificateActionIn,
    actor: SignedInDep,
    session: SessionDep,
    settings: SettingsDep,
    workflows: WorkflowsDep,
    now: NowDep,
):  # noqa: ANN201
    """A step by the signed-in office staff member, as their role and office allow."""
    case = find_case(session, reference)
    if case is None or not _an_application(workflows, case):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_reference"})
    with committed(session, _refused):
        certificates.act(
            session,
            settings=settings,
            workflow=workflows[case.service],
            case=case,
            action=body.action,
            actor=actor,
            now=now,
            reason=body.reason,
            out_of_order_reason=body.out_of_order_reason,
        )
    return case


@router.get("/public-key")
def public_key(settings: SettingsDep) -> dict[str, str]:
    """The key that checks every certificate's signature, for anyone who wants to verify offline."""
    return {
        "algorithm": "Ed25519",
        "format": "SATHI1.<base64url claims JSON>.<base64url signature>",
        "public_key_pem": certificate_signing.public_key_pem(settings.certificate_key_file),
    }


@router.get("/verify", response_model=VerificationOut)
def verify(
    session: SessionDep,
    settings: SettingsDep,
    payload: Annotated[str | None, Query(max_length=2000)] = None,
    reference: Annotated[str | None, Query(max_length=40)] = None,
) -> VerificationOut:
    """Public: genuine, tampered (altered, or not signed by this office), revoked, or unknown. What
    the certificate says (the holder's name) only for the signed payload of its QR code: numbers
    are sequential, so a bare number tells only whether it exists and its status."""
    if not payload and not reference:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail={"code": "payload_or_reference"})
    verdict = certificates.verify(session, settings=settings, payload=payload, reference=None if payload else reference)
    return VerificationOut(status=verdict.status, reference=verdict.reference, **(_shown(verdict) if payload else {}))


def _shown(verdict: certificates.Verdict) -> dict:
    """What someone holding the certificate's signed payload may see of it: what it says, nothing more."""
    if verdict.case is None:
        return {}
    details = verdict.case.details
    return {
        "certificate_type": details["certificate_type"],
        "name": next(iter(details["answers"].values())),
        "issued_on": details["certificate"]["issued_on"],
        "office": details["office_label"],
    }


PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem">
<h1 style="font-size: 1.3rem">{title}</h1><p style="font-size: 1.1rem; padding: 1rem; border-radius: .5rem;
background: {colour}">{message}</p></body></html>"""


@public_router.get("/verify", response_class=HTMLResponse)
def verify_page(
    session: SessionDep,
    settings: SettingsDep,
    c: Annotated[str, Query(max_length=2000)] = "",
    lang: Annotated[str, Query(pattern=LANGUAGE_PATTERN)] = "en",
) -> HTMLResponse:
    """Where a certificate's QR code leads: the check in words anyone can read."""
    verdict = certificates.verify(session, settings=settings, payload=c)
    shown = _shown(verdict)
    variables = {
        "reference": verdict.reference,
        "name": shown.get("name", ""),
        "office": shown.get("office", ""),
        "date": shown.get("issued_on", ""),
        "certificate_key": f"certificate.{shown['certificate_type']}" if shown else None,
    }
    message = locales.render(f"verify_page.{verdict.status}", lang, **variables)["text"]
    colour = "#d9f2dd" if verdict.status == "genuine" else "#f8d7d7"
    title = locales.render("verify_page.title", lang)["text"]
    return HTMLResponse(PAGE.format(lang=lang, title=escape(title), message=escape(message), colour=colour))


@public_router.get("/c/{token}")
def certificate_pdf(token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The certificate itself, behind an unguessable link (sent to the citizen; Twilio fetches it)."""
    case = certificates.case_for_token(session, settings, token)
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail={"code": "unknown_certificate"})
    body = certificates.pdf(case, settings=settings, verify_url=f"{settings.public_backend_url.rstrip('/')}/verify")
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{case.reference}.pdf"'}
    )

"""Certificate applications (JharSewa on ServicePlus): answers checked against the service's
definition, routing to the processing office by place, the fee (Tatkal or normal) and payment,
the office's queue worked strictly in order, issue with a signed payload, revocation, and the
public check. Every state change goes through the workflow (backend/workflows/certificate.yml)."""

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

import locales
from backend.models import Case
from backend.privacy import mask_phone
from backend.references import next_reference
from backend.services import audit, certificate_signing, fees, media, payments, places
from backend.services.access import Actor, role_for
from backend.services.answers import check_answer
from backend.services.cases import earlier_filing
from backend.services.catalog import Application, ServiceDef, ServiceForm, load_catalog
from backend.services.citizens import normalise_phone
from backend.settings import Settings
from backend.workflow import WorkflowDef, WorkflowError, apply_action
from common.clock import local_day, local_zone
from common.recordings import recording_url
from common.signatures import same_secret
from locales.script import longest_named, match_key, native_digits_to_ascii

logger = logging.getLogger(__name__)
QUEUED_STATES = ("PENDING_VERIFICATION", "PENDING_APPROVAL")
IN_ORDER_ACTIONS = ("VERIFY", "APPROVE", "REJECT", "SEND_BACK")


class InvalidApplication(WorkflowError):
    code = "invalid_application"

    def __init__(self, field_name: str, code: str = "no_match") -> None:
        super().__init__(f"{field_name}: {code}")
        self.field = field_name
        self.code = code


class OutOfOrder(WorkflowError):
    code = "out_of_order"


class SpokenAnswers(WorkflowError):
    """An answer given as a call's recording would be printed on the document: the office sends
    the application back for the applicant to give it in writing."""

    code = "spoken_answers"


class NotOwner(WorkflowError):
    code = "not_owner"


class NothingToCorrect(WorkflowError):
    code = "nothing_to_correct"


def catalog(settings: Settings, workflows: dict[str, WorkflowDef]) -> dict[str, ServiceForm]:
    """Every service of the catalog (checked whole: the backend does not start on a broken file)."""
    documented = frozenset(name for name, workflow in workflows.items() if workflow.issues_document)
    return load_catalog(settings.catalog_dir, frozenset(workflows), documented)


def definitions(settings: Settings, workflows: dict[str, WorkflowDef]) -> dict[str, ServiceDef]:
    """The applications, in menu order."""
    return {c: d for c, d in catalog(settings, workflows).items() if isinstance(d, ServiceDef)}


def match_service(defs: dict[str, ServiceDef], text: str) -> ServiceDef | None:
    """By its number in the list, its code, or a word for it in any script."""
    cleaned = native_digits_to_ascii(text or "").strip().rstrip(".").lower()
    if cleaned.isdigit():
        return next((d for d in defs.values() if d.number == int(cleaned)), None)
    if cleaned in defs:
        return defs[cleaned]
    return longest_named(cleaned, ((w, d) for d in defs.values() for w in d.words))


@lru_cache
def _extra_answers(masterdata_dir: Path) -> dict:
    return yaml.safe_load((masterdata_dir / "answer_words.yml").read_text(encoding="utf-8"))


def lane_for(masterdata_dir: Path, text: str) -> str | None:
    """ "1"/"2" as offered, or a word for the normal or the Tatkal lane."""
    cleaned = native_digits_to_ascii(text or "").strip().rstrip(".")
    if cleaned in ("1", "2"):
        return "normal" if cleaned == "1" else "tatkal"
    words = _extra_answers(masterdata_dir)["lane"]
    return longest_named(cleaned, ((w, lane) for lane, names in words.items() for w in names))


def means_later(masterdata_dir: Path, text: str) -> bool:
    """A document the citizen will bring to the office instead of sending it now."""
    key = match_key(" ".join((text or "").split()))
    return bool(key) and key in {match_key(w) for w in _extra_answers(masterdata_dir)["later"]}


def office_for(definition: ServiceDef, place: dict, masterdata_dir: Path, language: str) -> tuple[str, str]:
    """-> (office code, its name in words): village → gram panchayat → block (or district);
    ward → ULB (or district)."""
    rural = place["kind"] == "village"
    level = definition.processed_at.rural if rural else definition.processed_at.urban
    if level == "block":
        code, names = place["block"], places.area_names(masterdata_dir).get(place["block"], {})
    elif level == "district":
        code, names = place["district"], places.area_names(masterdata_dir).get(place["district"], {})
    else:
        code, names = place["ulb"], places.ulb_names(masterdata_dir).get(place["ulb"], {})
    name = names.get(language) or names.get("en") or code
    return f"{level.upper()}-{code}", locales.render(f"office.{level}", language, name=name)["text"]


def apply(
    session: Session,
    *,
    settings: Settings,
    workflow: WorkflowDef,
    definition: ServiceDef,
    answers: dict[str, str],
    documents: dict[str, str],
    tatkal: bool,
    phone: str,
    language: str,
    channel: str,
    actor_role: str,
    actor_id: str,
    idempotency_key: str | None,
    now: datetime,
    submit: Callable[[Case], None],
) -> tuple[Case, bool, payments.Link | None]:
    """Files an application from the citizen's own answers, each checked again here. With a fee
    it waits for payment; without, `submit` sends it on (its workflow's hooks: the office's
    queue, or an operator)."""
    earlier = earlier_filing(session, idempotency_key)
    if earlier is not None:
        return earlier, False, None
    zone = ZoneInfo(settings.timezone)
    values, labels = check_answers(definition, answers, settings=settings, language=language, now=now)
    if tatkal and not definition.has_tatkal:
        raise InvalidApplication("tatkal", "no_tatkal")
    place = next(values[f.name] for f in definition.fields if f.type == "place")
    office, office_label = office_for(definition, place, settings.masterdata_dir, language)
    try:
        fee = fees.fee_paise(definition, values, settings.masterdata_dir, tatkal=tatkal) or 0
    except fees.NoRate as exc:
        raise InvalidApplication(exc.field, "no_rate") from exc
    known_documents = {d.code for d in definition.documents}
    case = Case(
        reference=next_reference(session, prefix=definition.reference_prefix, year=now.astimezone(zone).year),
        service=workflow.service,
        state=None,
        citizen_phone=normalise_phone(phone),
        language=language,
        channel=channel,
        idempotency_key=idempotency_key,
        assignee_id=office,
        created_at=now,
        updated_at=now,
        details=Application.checked(
            definition,
            {
                "certificate_type": definition.code,
                "answers": values,
                "labels": labels,
                "office": office,
                "office_label": office_label,
                # a visit: the town whose operators serve it, and the ward, are the case's area (its
                # supervisors); an application stays its office's alone
                **(_visit_area(place, definition, values) if not workflow.issues_document else {}),
                **({"department": d} if (d := definition.department or workflow.department) else {}),
                "lane": "tatkal" if tatkal else "normal",
                "fee_paise": fee,
                "sla_days": definition.tatkal_sla_days if tatkal else definition.sla_days,
                # A document is a photo or PDF sent on WhatsApp (its URL), or to be brought to the office.
                "documents": {code: (documents.get(code) or "to_bring")[:500] for code in known_documents},
                "filed_by": actor_role,
            },
        ),
    )
    apply_action(workflow=workflow, case=case, action="APPLY", actor_role=actor_role, actor_id=actor_id, now=now)
    session.add(case)
    session.flush()
    link = None
    if fee:
        apply_action(workflow=workflow, case=case, action="REQUEST_PAYMENT", actor_role="SYSTEM", actor_id="billing", now=now)
        link = payments.create_link(session, settings=settings, case=case, amount_paise=fee, now=now)
    else:
        submit(case)
    session.flush()
    logger.info("application %s (%s) filed for %s at %s", case.reference, definition.code, mask_phone(phone), office)
    return case, True, link


def _visit_area(place: dict, definition: ServiceDef, values: dict) -> dict:
    """Where a visit goes (town and ward, for its supervisors and operators) and how much it
    carries (a chosen option's litres: the vehicle must hold it)."""
    litres = [
        o.litres for f in definition.fields if f.type == "choice" for o in f.options if o.litres and o.code == values[f.name]
    ]
    return {
        "ulb": place["ulb"],
        **({"ward": place["ward"]} if place.get("kind") == "ward" else {}),
        **({"size_litres": litres[0]} if litres else {}),
    }


def attach_documents(session: Session, *, settings: Settings, case_id: int) -> None:
    """Fetches the photos and PDFs sent on WhatsApp and keeps them with the application, for the
    office; one that cannot be fetched is marked so, to be brought instead."""
    case = session.get_one(Case, case_id)
    documents = dict(case.details["documents"])
    for code, sent in documents.items():
        if isinstance(sent, str) and sent.startswith(("http://", "https://")):
            fetched = media.fetch_photo(settings, sent, types=media.DOCUMENT_TYPES)
            documents[code] = {"file": fetched.name} if fetched.name else {"error": fetched.error, "to_bring": True}
    _store(case, documents=documents)
    session.commit()


def check_answers(
    definition: ServiceForm, answers: dict[str, str], *, settings: Settings, language: str, now: datetime
) -> tuple[dict, dict]:
    """-> (values, labels) of every field, each answer checked by the definition."""
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    values: dict[str, Any] = {}
    labels: dict[str, str] = {}
    for field in definition.fields:
        if field.ask_when == "fee" and not answers.get(field.name) and _free(definition, values, settings):
            continue  # not asked: there is nothing to pay
        answer = check_answer(
            field, answers.get(field.name, ""), language=language, today=today, masterdata_dir=settings.masterdata_dir
        )
        if answer is None:
            raise InvalidApplication(field.name)
        values[field.name], labels[field.name] = answer.value, answer.label
    return values, labels


def _free(definition: ServiceForm, values: dict, settings: Settings) -> bool:
    try:
        return fees.fee_paise(definition, values, settings.masterdata_dir) == 0
    except fees.NoRate:
        return False  # refused where the fee is worked out


def resubmit(
    session: Session,
    *,
    settings: Settings,
    workflow: WorkflowDef,
    definition: ServiceDef,
    case: Case,
    phone: str,
    answers: dict[str, str],
    documents: dict[str, str],
    now: datetime,
) -> None:
    """The citizen's corrected application, after the office sent it back: every answer checked
    again, routed again (the place may have changed), and back in the queue as a new arrival."""
    if normalise_phone(phone) != case.citizen_phone:
        raise NotOwner("only the applicant may correct the application")
    if case.state != "RETURNED":
        raise NothingToCorrect(f"{case.reference} is not waiting for a correction")
    values, labels = check_answers(definition, answers, settings=settings, language=case.language, now=now)
    place = next(values[f.name] for f in definition.fields if f.type == "place")
    office, office_label = office_for(definition, place, settings.masterdata_dir, case.language)
    kept = dict(case.details["documents"])
    kept.update({code: url[:500] for code, url in documents.items() if code in kept})
    corrected = {"answers": values, "labels": labels, "office": office, "office_label": office_label, "documents": kept}
    case.details = Application.checked(
        definition, {**case.details, **corrected, "corrections": case.details.get("corrections", 0) + 1}
    )
    case.assignee_id = office
    act(
        session,
        settings=settings,
        workflow=workflow,
        case=case,
        action="RESUBMIT",
        actor=Actor.citizen(case.citizen_phone),
        now=now,
    )


def _store(case: Case, **changes: object) -> None:
    """A step's additions to the application's details, checked against their type (catalog.Application)."""
    details = {**case.details, **changes}
    Application.model_validate(details)
    case.details = details


def _queue(
    case: Case, *, workflow: WorkflowDef, action: str, now: datetime, actor_role: str = "SYSTEM", actor_id: str = "queue"
) -> None:
    """Into the office's queue: its place is the time it got there (first in, first out), and the
    service's promise (its SLA days, Tatkal or normal) runs from then."""
    due = (now + timedelta(days=case.details["sla_days"])).astimezone(local_zone()).date()
    _store(case, queued_at=now.isoformat(), due_on=due.isoformat())
    apply_action(
        workflow=workflow,
        case=case,
        action=action,
        actor_role=actor_role,
        actor_id=actor_id,
        now=now,
        variables={"due": local_day(due)},
    )


def submit(case: Case, *, workflow: WorkflowDef, now: datetime) -> None:
    """Nothing to pay: into the office's queue."""
    _queue(case, workflow=workflow, action="SUBMIT", now=now)


def paid(case: Case, *, workflow: WorkflowDef, now: datetime) -> None:
    if case.state == "PENDING_PAYMENT":
        _queue(case, workflow=workflow, action="PAY", now=now)
    _store(case, paid=True)


def queue(session: Session, *, office: str, state: str | None = None, service: str | None = None) -> list[Case]:
    """The office's applications in the order they must be worked: the Tatkal lane first, then
    first in, first out within each lane. Each service is its own queue (a trade licence does not
    wait behind caste certificates at the town's office); without `service`, all of them. What
    waits in these states with an office as its holder is an office's work, whatever its workflow."""
    rows = session.scalars(
        select(Case).where(Case.assignee_id == office, Case.state.in_([state] if state else QUEUED_STATES))
    ).all()
    rows = [c for c in rows if service is None or c.details.get("certificate_type") == service]
    return sorted(rows, key=lambda c: (c.details.get("lane") != "tatkal", c.details.get("queued_at", ""), c.id))


def act(
    session: Session,
    *,
    settings: Settings,
    workflow: WorkflowDef,
    case: Case,
    action: str,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    out_of_order_reason: str | None = None,
) -> None:
    """A step by office staff (or the citizen's RESUBMIT), as access.role_for allows it; audited.
    Applications are taken in queue order; taking another first needs a reason, kept with the case."""
    actor_role, actor_id = role_for(actor, case, workflow.action(action)), actor.id
    audit.record(
        session,
        actor=actor,
        action="case.act",
        now=now,
        case=case,
        detail={"action": action, "role": actor_role, **({"out_of_order": True} if out_of_order_reason else {})},
    )
    if action in IN_ORDER_ACTIONS and case.state in QUEUED_STATES:
        # a queued case is at an office, in its service's queue
        head = queue(session, office=case.assignee_id or "", state=case.state, service=case.details["certificate_type"])[0]
        if head.id != case.id:
            if not (out_of_order_reason and out_of_order_reason.strip()):
                raise OutOfOrder(f"{head.reference} is ahead of {case.reference}", head=head.reference)
            skipped = {
                "action": action,
                "ahead": head.reference,
                "reason": out_of_order_reason.strip()[:500],
                "by": actor_id,
                "at": now.isoformat(),
            }
            _store(case, out_of_order=[*case.details.get("out_of_order", []), skipped])
    variables: dict[str, str] = {}
    media = None
    if action == "APPROVE":
        spoken = [name for name, value in case.details["answers"].items() if isinstance(value, str) and recording_url(value)]
        if spoken:
            raise SpokenAnswers(f"{case.reference}: {', '.join(spoken)} given as a voice message")
        media = _issue(case, settings=settings, now=now)
        variables["certificate_url"] = media
    if action == "RESUBMIT":  # back of the queue, as a new arrival, with the promise running again
        _queue(case, workflow=workflow, action=action, now=now, actor_role=actor_role, actor_id=actor_id)
        return
    apply_action(
        workflow=workflow,
        case=case,
        action=action,
        actor_role=actor_role,
        actor_id=actor_id,
        now=now,
        reason=reason,
        variables=variables,
        media_url=media,
    )


def _claims(case: Case) -> dict:
    """What the QR code says. No name or other personal data: the code travels in URLs (and so in
    logs); a digest of everything certified ties it to the record, which the check looks up."""
    details = case.details
    certified = json.dumps(details["answers"], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return {
        "v": 1,
        "r": case.reference,
        "t": details["certificate_type"],
        "d": details["certificate"]["issued_on"],
        "o": details["office"],
        "a": hashlib.sha256(certified.encode()).hexdigest()[:32],
    }


def _issue(case: Case, *, settings: Settings, now: datetime) -> str:
    issued_on = now.astimezone(ZoneInfo(settings.timezone)).date().isoformat()
    _store(case, certificate={"issued_on": issued_on})
    payload = certificate_signing.sign(settings.certificate_key_file, _claims(case))
    _store(case, certificate={"issued_on": issued_on, "payload": payload})
    return download_url(settings, case.reference)


def download_token(settings: Settings, reference: str) -> str:
    """Short, unguessable, and good for this certificate only: the link the citizen gets."""
    mac = hmac.new(settings.certificate_link_secret.encode(), f"certificate:{reference}".encode(), hashlib.sha256).hexdigest()
    return f"{reference}.{mac[:20]}"


def download_url(settings: Settings, reference: str) -> str:
    return f"{settings.public_backend_url.rstrip('/')}/c/{download_token(settings, reference)}"


def case_for_token(session: Session, settings: Settings, token: str) -> Case | None:
    reference = token.rsplit(".", 1)[0]
    if not same_secret(token, download_token(settings, reference)):
        return None
    case = session.scalar(select(Case).where(Case.reference == reference))
    return case if case is not None and case.details.get("certificate") else None  # issued documents only


@dataclass(frozen=True)
class Verdict:
    status: str  # genuine | tampered | revoked | unknown
    reference: str = ""
    case: Case | None = None


def verify(session: Session, *, settings: Settings, payload: str | None = None, reference: str | None = None) -> Verdict:
    """Whether a certificate is genuine: by the signed payload of its QR code, or by its number."""
    if payload is not None:
        try:
            claims = certificate_signing.verify(settings.certificate_key_file, payload)
        except certificate_signing.BadPayload:
            return Verdict("tampered")
        reference = claims["r"]
    case = session.scalar(select(Case).where(Case.reference == (reference or "").strip().upper()))
    if case is None or not case.details.get("certificate"):  # only an issued document has an issue
        return Verdict("unknown", reference or "")
    if payload is not None and claims != _claims(case):
        return Verdict("tampered", case.reference)  # signed by us, but not what we issued (an old key's copy?)
    if case.state == "REVOKED":
        return Verdict("revoked", case.reference, case)
    return Verdict("genuine", case.reference, case)


def office_above(masterdata_dir: Path, office: str) -> str | None:
    """The district office over a block's or a town's office; None for a district's own."""
    level, _, code = office.partition("-")
    if level == "BLOCK":
        district = next((v.district for v in places.villages(masterdata_dir) if v.block == code), "")
    elif level == "ULB":
        district = places.ulb_districts(masterdata_dir).get(code, "")
    else:
        return None
    return f"DISTRICT-{district}" if district else None


def escalate(case: Case, *, workflow: WorkflowDef, masterdata_dir: Path, action: str, now: datetime) -> bool:
    """A step the office let wait past its deadline goes up to the district office, in the queue
    order it had (first in, first out from when it was filed), and the citizen is told the new
    date; a district's own late step is marked, for no one is above it."""
    above = office_above(masterdata_dir, case.assignee_id or "")
    if above is None:
        case.escalation_blocked_at = now
        return False
    district = above.partition("-")[2]
    names = places.area_names(masterdata_dir).get(district, {})
    label = locales.render("office.district", case.language, name=names.get(case.language) or names.get("en") or district)
    step_hours = workflow.states[case.state].sla_hours or workflow.business_sla_hours
    step_done = (now + timedelta(hours=step_hours)).astimezone(local_zone()).date()
    promised = date.fromisoformat(case.details["due_on"]) if case.details.get("due_on") else step_done
    due = max(promised, step_done)  # the service's promise stands unless the district cannot keep it
    _store(case, office=above, office_label=label["text"], due_on=due.isoformat())
    case.assignee_id = above
    case.escalations += 1
    apply_action(
        workflow=workflow, case=case, action=action, actor_role="SYSTEM", actor_id="sla-sweep", now=now,
        variables={"office": label["text"], "due": local_day(due)},
    )  # fmt: skip
    return True


def promised_by(case: Case) -> datetime | None:
    """When the citizen was promised the certificate (the service's SLA days from reaching the
    office), for the status they are told; None before it reached the office or once done."""
    due_on = case.details.get("due_on")
    if not due_on or case.state not in (*QUEUED_STATES, "CREATED"):
        return None
    return datetime.combine(date.fromisoformat(due_on), datetime.min.time(), local_zone()).replace(hour=18)


def pdf(case: Case, *, settings: Settings, verify_url: str) -> bytes:
    from backend.services import certificate_pdf  # fonts and shaping load only when a PDF is asked for

    details = case.details
    values = {**details["labels"]}
    return certificate_pdf.render(
        reference=case.reference,
        certificate_key=f"certificate.{details['certificate_type']}",
        body_key=f"certificate_pdf.{details['certificate_type']}",
        values=values,
        office=details["office_label"],
        issued_on=local_day(details["certificate"]["issued_on"]),
        payload=details["certificate"]["payload"],
        verify_url=verify_url,
        language=case.language,
    )


def payment_link(session: Session, *, settings: Settings, case: Case, phone: str, now: datetime) -> payments.Link:
    if normalise_phone(phone) != case.citizen_phone:
        raise NotOwner("only the applicant may pay")
    return payments.current_link(session, settings=settings, case=case, amount_paise=case.details["fee_paise"], now=now)

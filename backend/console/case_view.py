"""What a case page shows, from the case and the master data, in the reader's language; the
citizen's personal data (mobile, name, address, words, photo, documents) only to those who may
see it (access.sees_personal_data), otherwise masked or left out."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import locales
from backend.console.pages import Words
from backend.models import Case, Feedback, Person, RoleGrant
from backend.privacy import mask_phone
from backend.services import desludging, places
from backend.services.access import may_hold
from backend.services.grievance import load_categories
from backend.services.hooks import hooks_for
from backend.workflow import WorkflowDef
from common.money import rupees
from common.recordings import recording_url
from locales import catalog_words


def _name(names: dict[str, str], language: str) -> str:
    return names.get(language) or names.get("en") or ""


def place(case: Case, words: Words, masterdata_dir: Path) -> str:
    """Ward and town, else the office, else the village."""
    if case.ulb and case.ward_number is not None:
        town = _name(places.ulb_names(masterdata_dir).get(case.ulb, {"en": case.ulb}), words.language)
        return words("case.ward", number=case.ward_number, ulb=town)
    details = case.details or {}
    if details.get("office_label"):
        return details["office_label"]
    if details.get("village"):
        return f"{details['village']}, {details.get('gram_panchayat', '')}".strip(", ")
    if case.ulb:
        return _name(places.ulb_names(masterdata_dir).get(case.ulb, {"en": case.ulb}), words.language)
    return case.office or ""


def departments(masterdata_dir: Path, workflows: dict[str, WorkflowDef]) -> list[str]:
    """Every department cases are routed to: the grievance categories' and the services' own."""
    found = [c.department for c in load_categories(masterdata_dir)]
    found += [s.department for c in load_categories(masterdata_dir) for s in c.subcategories]
    found += [w.department for w in workflows.values() if w.department]
    return sorted(set(found))


def plants(case: Case, words: Words, masterdata_dir: Path) -> list[tuple[str, str]]:
    """The treatment plants of the request's town, for the operator's disposal form."""
    return [
        (p.code, _name(p.name, words.language))
        for p in desludging.load_masterdata(masterdata_dir).plants
        if p.ulb == (case.details or {}).get("ulb", case.ulb)
    ]


def assignees(session: Session, case: Case) -> list[tuple[str, str]]:
    """Who the case may be handed to (access.may_hold), for ASSIGN and REASSIGN: (id, name), but
    whoever holds it now."""
    candidates = session.scalars(
        select(Person)
        .join(RoleGrant)
        .where(Person.active.is_(True), RoleGrant.ulb == case.ulb, RoleGrant.department == case.department)
        .distinct()
    )
    return [
        (p.id, p.id if p.name == p.id else f"{p.name} ({p.id})")
        for p in sorted(candidates, key=lambda p: p.id)
        if may_hold(p, case) and p.id != case.assignee_id  # handing it to whoever holds it changes nothing
    ]


@dataclass
class HistoryRow:
    at: datetime
    action: str
    from_state: str | None
    to_state: str
    actor_role: str
    actor: str
    reason: str | None
    reason_label: str = "case.reason"  # or case.message: words between the citizen and a person


@dataclass
class CaseView:
    personal: bool
    phone: str
    language_name: str
    place: str
    overdue: bool
    facts: list[tuple[str, str]] = field(default_factory=list)
    photo: str | None = None
    photos: list[str] = field(default_factory=list)
    proof: str | None = None  # the photo of the work done an official sent from chat
    documents: list[tuple[str, str | None]] = field(default_factory=list)
    payment: str = ""
    rating: str = ""
    history: list[HistoryRow] = field(default_factory=list)
    out_of_order: list[dict] = field(default_factory=list)


def _is_message(workflow: WorkflowDef, action: str) -> bool:
    return any(a.name == action and a.message for a in workflow.actions)


def facts(case: Case, workflow: WorkflowDef, words: Words, masterdata_dir: Path, personal: bool) -> list[tuple[str, str]]:
    """A catalog service's name and answers under their labels; what else its service shows comes
    from its workflow's hooks (a complaint's category, a tank's size, a certificate's lane)."""
    details, lang = case.details or {}, words.language
    kind = details.get("certificate_type")  # a catalog service's application or booking
    rows: list[tuple[str, str]] = [(words("case.service"), catalog_words(f"certificate.{kind}", lang) or kind)] if kind else []
    rows += hooks_for(workflow).facts(case, words=words, masterdata_dir=masterdata_dir, personal=personal)
    if kind and personal:
        answers = details.get("answers") or {}
        for name, label in (details.get("labels") or {}).items():
            heard = recording_url(str(answers.get(name) or ""))  # a call's answer: where to listen to it
            shown = f"{catalog_words('answer.voice_message', lang)} {heard}" if heard else str(label)
            rows.append((catalog_words(f"cert_label.{name}", lang) or name, shown))
    return rows


def _documents(case: Case, words: Words) -> list[tuple[str, str | None]]:
    shown = []
    for code, sent in ((case.details or {}).get("documents") or {}).items():
        label = catalog_words(f"cert_doc.{code}", words.language) or code
        link = f"/console/cases/{case.reference}/files/{sent['file']}" if isinstance(sent, dict) and sent.get("file") else None
        shown.append((label, link))
    return shown


def files_of(case: Case) -> set[str]:
    """The stored files this case shows (its photo, its documents): the only ones served for it."""
    details = case.details or {}
    names = {details["photo"]} if details.get("photo") else set()
    names |= set(details.get("photos") or [])  # what a citizen sent in a conversation with a person
    names |= {details["proof_photo"]} if details.get("proof_photo") else set()  # the work done, from chat
    for sent in (details.get("documents") or {}).values():
        if isinstance(sent, dict) and sent.get("file"):
            names.add(sent["file"])
    return names


def view(
    session: Session, case: Case, *, workflow: WorkflowDef, words: Words, masterdata_dir: Path, personal: bool, now: datetime
) -> CaseView:
    details = case.details or {}
    fee = details.get("fee_paise") or 0
    if not fee:
        payment = words("case.no_fee")
    else:
        paid = words("case.paid") if details.get("paid") else words("case.not_paid")
        payment = f"{words('case.fee', amount=rupees(Decimal(fee) / 100))} · {paid}"
    feedback = session.scalar(select(Feedback).where(Feedback.case_id == case.id))
    rating = words("case.rating_value", rating=feedback.rating) if feedback else words("case.not_rated")
    if feedback and feedback.comment:
        rating = f"{rating} · {feedback.comment}"
    proof = details.get("proof_photo") if personal else None
    return CaseView(
        personal=personal,
        phone=case.citizen_phone if personal else mask_phone(case.citizen_phone),
        language_name=locales.render("console.language_name", case.language)["text"],
        place=place(case, words, masterdata_dir),
        overdue=bool(case.sla_due_at and case.sla_due_at < now),
        facts=facts(case, workflow, words, masterdata_dir, personal),
        photo=f"/console/cases/{case.reference}/files/{details['photo']}" if personal and details.get("photo") else None,
        photos=[f"/console/cases/{case.reference}/files/{name}" for name in details.get("photos") or []] if personal else [],
        proof=f"/console/cases/{case.reference}/files/{proof}" if proof else None,
        documents=_documents(case, words) if personal else [],
        payment=payment,
        rating=rating,
        history=[
            HistoryRow(
                h.at,
                h.action,
                h.from_state,
                h.to_state,
                h.actor_role,
                "" if h.actor_role == "CITIZEN" else h.actor_id,  # the role says who; no number twice
                h.reason if personal or h.actor_role != "CITIZEN" else None,  # the citizen's own words are personal
                "case.message" if _is_message(workflow, h.action) else "case.reason",
            )
            for h in case.history
        ],
        out_of_order=list(details.get("out_of_order", [])),
    )

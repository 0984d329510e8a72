"""Grievances: filing one into the grievance workflow (its categories: backend/services/categories.py)."""

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backend.models import Case
from backend.privacy import mask_phone
from backend.references import next_reference
from backend.services import media, people, places, routing
from backend.services.cases import earlier_filing
from backend.services.catalog import ServiceForm
from backend.services.categories import load_categories
from backend.services.citizens import normalise_phone
from backend.services.outbox import citizen_contact, notify
from backend.settings import Settings
from backend.workflow import WorkflowDef, apply_action
from common.limits import MAX_TEXT_CHARS

logger = logging.getLogger(__name__)


class Complaint(BaseModel, extra="forbid"):
    """A complaint's `details`, as filing writes them and the photo adds to them: every write is checked."""

    category: str
    subcategory: str | None = None
    department: str
    description: str
    ward: str  # BMC-W12: the case's area comes from it
    sla_hours: float  # the (sub)category's promise: when an official must have acted (workflow sla_detail)
    photo: str | None = None  # the stored file, or why it could not be fetched
    photo_error: str | None = None
    proof_photo: str | None = None  # the official's photo of the work, sent with the resolution

    @classmethod
    def checked(cls, details: dict) -> dict:
        cls.model_validate(details)
        return details


@dataclass(frozen=True)
class Told:
    """What a complaint's form said, read from its fields by their types (catalog/grievance.yml)."""

    category: str
    subcategory: str | None
    description: str
    ward: str


def complaint_from(definition: ServiceForm, values: dict[str, Any]) -> Told:
    """The complaint the form's checked answers tell: its category field's, its text field's, its place field's."""
    by_type = {f.type: values[f.name] for f in definition.fields if f.name in values}
    return Told(
        category=by_type["category"]["code"],
        subcategory=by_type["category"].get("subcategory"),
        description=by_type["text"],
        ward=by_type["place"]["ward"],
    )


class InvalidGrievance(ValueError):
    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


def file_grievance(
    session: Session,
    *,
    workflow: WorkflowDef,
    masterdata_dir: Path,
    category_code: str,
    description: str,
    ward_code: str,
    citizen_phone: str,
    language: str,
    channel: str,
    actor_role: str,
    actor_id: str,
    idempotency_key: str | None,
    now: datetime,
    timezone: str,
    subcategory_code: str | None = None,
) -> tuple[Case, bool]:
    """Returns the case and whether it was created now (False: the same submission was filed before)."""
    earlier = earlier_filing(session, idempotency_key)
    if earlier is not None:
        return earlier, False
    categories = {c.code: c for c in load_categories(masterdata_dir)}
    if category_code not in categories:
        raise InvalidGrievance("category", "unknown_category")
    subcategory = categories[category_code].subcategory(subcategory_code)
    if subcategory_code and subcategory is None:
        raise InvalidGrievance("subcategory", "unknown_subcategory")
    description = (description or "").strip()
    if not description:
        raise InvalidGrievance("description", "empty")
    if len(description) > MAX_TEXT_CHARS:
        raise InvalidGrievance("description", "too_long")

    ward = places.match_ward(masterdata_dir, ward_code)
    if ward is None:
        raise InvalidGrievance("ward", "unknown_ward")
    ward_code = ward.code
    year = now.astimezone(ZoneInfo(timezone)).year
    category = categories[category_code]
    department = subcategory.department if subcategory else category.department
    sla_hours = subcategory.sla_hours if subcategory else category.sla_hours
    case = Case(
        reference=next_reference(session, prefix=workflow.reference_prefix, year=year),
        service=workflow.service,
        state=None,
        citizen_phone=normalise_phone(citizen_phone),
        language=language,
        channel=channel,
        idempotency_key=idempotency_key,
        details=Complaint.checked(
            {
                "category": category.code,
                **({"subcategory": subcategory.code} if subcategory else {}),
                "department": department,
                "description": description,
                "ward": ward_code,
                "sla_hours": sla_hours,
            }
        ),
        created_at=now,
        updated_at=now,
    )
    apply_action(
        workflow=workflow,
        case=case,
        action=workflow.create_action.name,
        actor_role=actor_role,
        actor_id=actor_id,
        now=now,
    )
    official = routing.official_for(session, ward_code=ward_code, department=department)
    session.add(case)  # the alert offers the official's actions, read in this session
    if official is not None:  # no one on the roster: it waits for a supervisor (and the sweep)
        case.assignee_id = official.id
        apply_action(
            workflow=workflow,
            case=case,
            action="ASSIGN",
            actor_role="SYSTEM",
            actor_id="router",
            now=now,
            assignee=official.contact,
        )
    session.flush()
    logger.info(
        "grievance %s filed for %s in %s, with %s", case.reference, mask_phone(citizen_phone), ward_code, case.assignee_id
    )
    return case, True


def attach_photo(session: Session, *, settings: Settings, case_id: int, url: str, now: datetime) -> str | None:
    """Fetches and attaches the photo; returns why it was refused, if it was (the citizen is told)."""
    fetched = media.fetch_photo(settings, url)
    for attempt in (1, 2):  # an official acting on the case meanwhile bumps its version: read again
        case = session.get_one(Case, case_id, populate_existing=True)
        details = dict(case.details)
        if fetched.name:
            details["photo"] = fetched.name
        else:
            details["photo_error"] = fetched.error
            contact = citizen_contact(case)
            if contact is not None:
                notify(case, to=contact, key="utter_photo_not_attached", now=now, reason_key=f"photo_error.{fetched.error}")
        case.details = Complaint.checked(details)
        try:
            session.commit()
            break
        except StaleDataError:
            session.rollback()
            if attempt == 2:
                raise
    logger.info("photo for %s: %s", case.reference, "attached" if fetched.name else fetched.error)
    return fetched.error


def uncovered_wards(masterdata_dir: Path) -> list[str]:
    """Where a complaint would reach nobody: each town's wards, per department its categories send
    complaints to, that no official's ward range in the roster covers ("CMC ENGINEERING wards 1-59").
    The backend refuses to start on such a roster (backend/main.py)."""
    departments = sorted({c.department for c in load_categories(masterdata_dir)}
                         | {s.department for c in load_categories(masterdata_dir) for s in c.subcategories})  # fmt: skip
    covered: dict[tuple[str, str], set[int]] = {}
    for _, grants in people.roster(masterdata_dir):
        for g in grants:
            if g["role"] == "OFFICIAL" and g.get("first_ward") is not None:
                wards = range(int(g["first_ward"]), int(g["last_ward"]) + 1)
                covered.setdefault((g["ulb"], g["department"]), set()).update(wards)
    gaps = []
    for ulb in places.ulbs(masterdata_dir):
        for department in departments:
            missing = sorted(set(range(1, ulb.ward_count + 1)) - covered.get((ulb.code, department), set()))
            if missing:
                gaps.append(f"{ulb.code} {department} wards {_ranges(missing)}")
    return gaps


def _ranges(numbers: list[int]) -> str:
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)

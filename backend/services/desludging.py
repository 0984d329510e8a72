"""Desludging requests (DIGIT FSM, SUJOG FSSM): the fee from the tariff, filing, payment before or
after, assignment to an operator, the operator's steps, disposal at a treatment plant, and the
citizen's rating. Every state change goes through the workflow (backend/workflows/desludging.yml)."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel
from sqlalchemy.orm import Session, object_session

from backend.models import Case, Feedback
from backend.privacy import mask_phone
from backend.references import next_reference
from backend.services import audit, feedback, fees, payments, places, routing
from backend.services.access import Actor, role_for
from backend.services.cases import earlier_filing
from backend.services.catalog import Application, ServiceForm, load_form
from backend.services.citizens import normalise_phone
from backend.services.outbox import Contact, notify
from backend.settings import Settings
from backend.workflow import WorkflowDef, WorkflowError, apply_action

logger = logging.getLogger(__name__)

FEEDBACK_DEPARTMENT = "fssm"  # operators' ratings sit beside the departments' in the feedback table


class InvalidRequest(WorkflowError):
    code = "invalid_request"

    def __init__(self, field_name: str, code: str) -> None:
        super().__init__(f"{field_name}: {code}")
        self.field = field_name
        self.code = code


@dataclass(frozen=True)
class Operator:
    id: str
    ulb: str
    vehicle: str
    capacity_litres: int
    contact: Contact
    serves: tuple[str, ...]  # desludging, or catalog services served at the door (water_tanker)


@dataclass(frozen=True)
class Plant:
    code: str
    ulb: str
    name: dict[str, str]


@dataclass(frozen=True)
class MasterData:
    plants: tuple[Plant, ...]
    operators: tuple[Operator, ...]


def form(catalog_dir: Path) -> ServiceForm:
    """The request's questions and what each allows (catalog/desludging.yml)."""
    return load_form(catalog_dir, "desludging")


def litres_in_range(catalog_dir: Path, volume_litres: int) -> bool:
    """Litres a disposal may record (what one trip of the largest tank holds: the form's largest size)."""
    return 0 < volume_litres <= (form(catalog_dir).field("size").max or 0)


@lru_cache
def load_masterdata(masterdata_dir: Path) -> MasterData:
    raw = yaml.safe_load((masterdata_dir / "desludging.yml").read_text(encoding="utf-8"))
    if "operators" in raw:
        raise ValueError("desludging.yml: operators are kept in operators.yml now, each with serves: [desludging]")
    operators = yaml.safe_load((masterdata_dir / "operators.yml").read_text(encoding="utf-8"))["operators"]
    unserving = [o["id"] for o in operators if not o.get("serves")]
    if unserving:
        raise ValueError(f"operators.yml: {', '.join(unserving)} serve nothing (serves: [desludging, ...])")
    return MasterData(
        plants=tuple(Plant(p["code"], p["ulb"], p["name"]) for p in raw["treatment_plants"]),
        operators=tuple(
            Operator(
                o["id"],
                o["ulb"],
                o["vehicle"],
                int(o["capacity_litres"]),
                Contact(o["phone"], o["channel"], o["language"]),
                tuple(o["serves"]),
            )  # fmt: skip
            for o in operators
        ),
    )


def fee_paise(settings: Settings, *, tariff_area: str, property_type: str, trips: int, slum: bool) -> int:
    """The tariff's fee for a request (catalog/desludging.yml says how: backend/services/fees.py)."""
    values = {"place": {"tariff_area": tariff_area}, "property_type": property_type, "trips": trips}
    try:
        return (
            fees.fee_paise(form(settings.catalog_dir), {**values, "slum": "yes" if slum else "no"}, settings.masterdata_dir) or 0
        )
    except fees.NoRate as exc:
        raise InvalidRequest("property_type" if exc.field == "property_type" else "address", "no_tariff") from exc


class Disposal(BaseModel, extra="forbid"):
    plant: str
    volume_litres: int
    at: str


class RequestDetails(BaseModel, extra="forbid"):
    """A desludging request's `details`: what filing writes and what payment, the operators and
    the rating add. Every write is checked (a catalog visit's are a catalog.Application)."""

    applicant_name: str
    property_type: str  # an option of the form's question (catalog/desludging.yml), checked at filing
    sanitation_type: str
    size_litres: int
    trips: int
    slum: bool
    preferred_date: str
    pay_before: bool
    pin: str
    landmark: str
    ulb: str
    ward: str | None = None  # a town's ward, or a village of a gram panchayat
    gram_panchayat: str | None = None
    village: str | None = None
    fee_paise: int
    department: str | None = None
    business_due_at: str  # the promise from filing to the tank emptied
    paid: bool | None = None
    declined_by: list[str] | None = None
    disposal: Disposal | None = None
    rating: int | None = None
    comment: str | None = None


def _checked(details: dict) -> dict:
    """Details as they are to be stored, refused unless they fit their type (a desludging request's, or a catalog visit's)."""
    (Application if details.get("certificate_type") else RequestDetails).model_validate(details)
    return details


def _store(case: Case, details: dict) -> None:
    case.details = _checked(details)


@dataclass(frozen=True)
class Request:
    applicant_name: str
    citizen_phone: str
    property_type: str
    sanitation_type: str
    size_litres: int
    trips: int
    slum: bool
    preferred_date: date
    pay_before: bool
    pin: str
    landmark: str = ""
    ward: str | None = None  # a ULB address...
    gram_panchayat: str | None = None  # ...or a rural one
    village: str | None = None
    language: str = "en"
    channel: str = "rest"


def _address(masterdata_dir: Path, request: Request) -> tuple[str, str, dict]:
    """-> (ULB that serves it, tariff area, address details)."""
    if request.ward:
        ward = places.match_ward(masterdata_dir, request.ward)
        if ward is None:
            raise InvalidRequest("ward", "unknown_ward")
        return ward.ulb, ward.ulb, {"ulb": ward.ulb, "ward": ward.code}
    village = places.find_village(masterdata_dir, request.gram_panchayat or "", request.village or "")
    if village is None:
        raise InvalidRequest("village", "unknown_village")
    served_by = village.served_by_ulb
    return served_by, "GP", {"gram_panchayat": village.gram_panchayat, "village": village.name["en"], "ulb": served_by}


def file_request(
    session: Session,
    *,
    workflow: WorkflowDef,
    settings: Settings,
    request: Request,
    actor_role: str,
    actor_id: str,
    idempotency_key: str | None,
    now: datetime,
) -> tuple[Case, bool, payments.Link | None]:
    earlier = earlier_filing(session, idempotency_key)
    if earlier is not None:
        return earlier, False, None
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    # Each answer again by its question's rules (the form's, on a request anyone may send), named as the request names it.
    fields = form(settings.catalog_dir).field
    answers = {
        "applicant_name": ("name", request.applicant_name.strip()),
        "property_type": ("property_type", request.property_type),
        "sanitation_type": ("sanitation_type", request.sanitation_type),
        "size_litres": ("size", request.size_litres),
        "trips": ("trips", request.trips),
        "landmark": ("landmark", request.landmark),
        "pin": ("pin", request.pin),
        "preferred_date": ("date", request.preferred_date.isoformat()),
    }
    for name, (field, value) in answers.items():
        if not fields(field).holds(value, today):
            raise InvalidRequest(name, "not_allowed")
    ulb, tariff_area, address = _address(settings.masterdata_dir, request)
    fee = fee_paise(
        settings,
        tariff_area=tariff_area,
        property_type=request.property_type,
        trips=request.trips,
        slum=request.slum,
    )
    year = now.astimezone(ZoneInfo(settings.timezone)).year
    case = Case(
        reference=next_reference(session, prefix=workflow.reference_prefix, year=year),
        service=workflow.service,
        state=None,
        citizen_phone=normalise_phone(request.citizen_phone),
        language=request.language,
        channel=request.channel,
        idempotency_key=idempotency_key,
        details=_checked(
            {
                "applicant_name": request.applicant_name.strip(),
                "property_type": request.property_type,
                "sanitation_type": request.sanitation_type,
                "size_litres": request.size_litres,
                "trips": request.trips,
                "slum": request.slum,
                "preferred_date": request.preferred_date.isoformat(),
                "pay_before": request.pay_before,
                "pin": request.pin,
                "landmark": request.landmark.strip(),
                **address,
                "fee_paise": fee,
                **({"department": workflow.department} if workflow.department else {}),
                "business_due_at": (now + timedelta(hours=workflow.business_sla_hours)).isoformat(),
            }
        ),
        created_at=now,
        updated_at=now,
    )
    apply_action(workflow=workflow, case=case, action="APPLY", actor_role=actor_role, actor_id=actor_id, now=now)
    session.add(case)
    session.flush()
    link = None
    if fee > 0 and request.pay_before:
        apply_action(workflow=workflow, case=case, action="REQUEST_PAYMENT", actor_role="SYSTEM", actor_id="billing", now=now)
        link = payments.create_link(session, settings=settings, case=case, amount_paise=fee, now=now)
    else:
        submit(case, workflow=workflow, masterdata_dir=settings.masterdata_dir, now=now)
    session.flush()
    logger.info("desludging %s filed for %s (%s, fee %s paise)", case.reference, mask_phone(request.citizen_phone), ulb, fee)
    return case, True, link


def request_from(values: dict[str, Any], *, phone: str, language: str, channel: str) -> Request:
    """A request from the form's checked answers (catalog/desludging.yml's fields, by their names)."""
    place = values["place"]
    return Request(
        applicant_name=values["name"],
        citizen_phone=phone,
        property_type=values["property_type"],
        sanitation_type=values["sanitation_type"],
        size_litres=values["size"],
        trips=values["trips"],
        slum=values["slum"] == "yes",
        preferred_date=date.fromisoformat(values["date"]),
        pay_before=values.get("payment") == "before",  # not asked when there is nothing to pay
        pin=values["pin"],
        landmark=values["landmark"],
        ward=place.get("ward"),
        gram_panchayat=place.get("gram_panchayat"),
        village=place.get("village"),
        language=language,
        channel=channel,
    )


def service_of(case: Case) -> str:
    """The service a case is for: a catalog service's code (served through a shared workflow), or its own workflow's."""
    return str(case.details.get("certificate_type") or case.service)


NOBODY_LEFT_KEY = "utter_alert_visit_unassigned"


def assign_operator(case: Case, *, workflow: WorkflowDef, masterdata_dir: Path, now: datetime) -> Operator | None:
    """The serving ULB's operator of this service whose vehicle holds the tank in fewest trips,
    skipping any who declined this request or let it wait; none left, the town's supervisor of the
    department (else its nodal officer) is told, in the same transaction, to see to it."""
    declined = set(case.details.get("declined_by") or [])
    service = service_of(case)
    candidates = [
        o
        for o in load_masterdata(masterdata_dir).operators
        if o.ulb == case.details.get("ulb") and service in o.serves and o.id not in declined
    ]
    if not candidates:
        session = object_session(case)
        town, department = case.details.get("ulb"), case.details.get("department") or workflow.department
        boss = None
        if session is not None and town:
            boss = routing.supervisor_of(session, ulb=town, department=department or "") or routing.nodal_officer_of(
                session, ulb=town
            )
        if boss is not None:
            notify(case, to=boss.contact, key=NOBODY_LEFT_KEY, now=now)
        else:
            logger.error("%s: no operator left and no supervisor or nodal officer for its town", case.reference)
        return None
    size = int(case.details.get("size_litres", 0))
    operator = min(candidates, key=lambda o: (-(-size // o.capacity_litres), o.capacity_litres, o.id))
    case.assignee_id = operator.id
    apply_action(
        workflow=workflow,
        case=case,
        action="ASSIGN",
        actor_role="SYSTEM",
        actor_id="dispatch",
        now=now,
        assignee=operator.contact,
    )
    return operator


def submit(case: Case, *, workflow: WorkflowDef, masterdata_dir: Path, now: datetime) -> None:
    """Nothing to pay: the request goes straight to an operator."""
    apply_action(workflow=workflow, case=case, action="SUBMIT", actor_role="SYSTEM", actor_id="billing", now=now)
    assign_operator(case, workflow=workflow, masterdata_dir=masterdata_dir, now=now)


def paid(case: Case, *, workflow: WorkflowDef, masterdata_dir: Path, now: datetime) -> None:
    """The payment webhook confirmed payment: the request goes on to an operator."""
    if case.state == "PENDING_PAYMENT":
        apply_action(workflow=workflow, case=case, action="PAY", actor_role="SYSTEM", actor_id="payments", now=now)
        assign_operator(case, workflow=workflow, masterdata_dir=masterdata_dir, now=now)
    details = dict(case.details)
    details["paid"] = True
    _store(case, details)


def operator_step(
    session: Session,
    case: Case,
    *,
    workflow: WorkflowDef,
    settings: Settings,
    actor: Actor,
    action: str,
    now: datetime,
    reason: str | None = None,
    plant_code: str | None = None,
    volume_litres: int | None = None,
) -> None:
    """ACCEPT, DECLINE (it goes to another operator) or DISPOSE (where the waste went, and how much),
    by the operator the request is assigned to (access.role_for refuses anyone else)."""
    role = role_for(actor, case, workflow.action(action))
    operator_id = actor.id
    masterdata_dir = settings.masterdata_dir
    details = dict(case.details)
    if action == "DISPOSE":
        plant = next((p for p in load_masterdata(masterdata_dir).plants if p.code == plant_code), None)
        if plant is None or plant.ulb != details.get("ulb"):
            raise InvalidRequest("plant", "unknown_plant")
        if not volume_litres or not litres_in_range(settings.catalog_dir, volume_litres):
            raise InvalidRequest("volume_litres", "out_of_range")
        details["disposal"] = {"plant": plant.code, "volume_litres": volume_litres, "at": now.isoformat()}
    apply_action(workflow=workflow, case=case, action=action, actor_role=role, actor_id=operator_id, now=now, reason=reason)
    audit.record(session, actor=actor, action="case.act", now=now, case=case, detail={"action": action, "role": role})
    if action == "DECLINE":
        details["declined_by"] = [*(details.get("declined_by") or []), operator_id]
        _store(case, details)
        case.assignee_id = None  # who declined no longer holds it (nor sees the citizen's data)
        assign_operator(case, workflow=workflow, masterdata_dir=masterdata_dir, now=now)
        return
    _store(case, details)


def time_out(case: Case, *, workflow: WorkflowDef, masterdata_dir: Path, action: str, now: datetime) -> None:
    """The operator let the job wait past its deadline: as a decline, it goes to the next operator."""
    details = dict(case.details)
    if case.assignee_id:
        details["declined_by"] = [*(details.get("declined_by") or []), case.assignee_id]
    _store(case, details)
    apply_action(workflow=workflow, case=case, action=action, actor_role="SYSTEM", actor_id="sla-sweep", now=now)
    case.assignee_id = None
    assign_operator(case, workflow=workflow, masterdata_dir=masterdata_dir, now=now)


def rate(
    session: Session, case: Case, *, workflow: WorkflowDef, phone: str, rating: int, comment: str | None, now: datetime
) -> None:
    """The citizen's rating completes the request; it counts for the operator who did the work."""
    if normalise_phone(phone) != case.citizen_phone:
        raise InvalidRequest("phone", "not_owner")
    if not 1 <= rating <= 5:
        raise InvalidRequest("rating", "one_to_five")
    if rating < 3 and not (comment and comment.strip()):
        raise InvalidRequest("comment", "required_below_3")  # a low score must say why
    citizen = case.citizen_phone
    apply_action(workflow=workflow, case=case, action=feedback.VERDICT, actor_role="CITIZEN", actor_id=citizen, now=now)
    _store(case, {**case.details, "rating": rating, "comment": (comment or "").strip()})
    session.add(
        Feedback(
            case_id=case.id,
            official_id=case.assignee_id,
            # a catalog visit counts for its own department (a tanker for WATER), desludging for FSSM
            department=case.details.get("department") if case.details.get("certificate_type") else FEEDBACK_DEPARTMENT,
            rating=rating,
            comment=(comment or "").strip() or None,
            at=now,
        )
    )


def plant_name(masterdata_dir: Path, code: str | None, language: str) -> str:
    plant = next((p for p in load_masterdata(masterdata_dir).plants if p.code == code), None)
    return (plant.name.get(language) or plant.name["en"]) if plant else ""


def progress(case: Case, *, masterdata_dir: Path, language: str) -> dict:
    """What the citizen may see of the work: the day booked, the vehicle on its way, where the waste went."""
    details = case.details
    disposal = details.get("disposal")
    operator = next((o for o in load_masterdata(masterdata_dir).operators if o.id == case.assignee_id), None)
    return {
        "visit_on": details.get("preferred_date"),
        "vehicle": operator.vehicle if operator and case.state == "IN_PROGRESS" else None,
        "disposal": {
            "plant": plant_name(masterdata_dir, disposal["plant"], language),
            "volume_litres": disposal["volume_litres"],
            "at": disposal["at"],
        }
        if disposal
        else None,
    }

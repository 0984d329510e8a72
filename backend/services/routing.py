"""Who holds a grievance: the official for its ward and department, and above them the
department's supervisor; the town's nodal officer for what has no supervisor. Read from the
people table (seeded from backend/masterdata/officials.yml, then kept by administrators), so a
change made in the console routes the next case."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import Person, RoleGrant
from backend.services.outbox import Contact
from common.places import parse_ward_code

ROUTED_ROLES = ("OFFICIAL", "SUPERVISOR", "NODAL_OFFICER")


@dataclass(frozen=True)
class Official:
    id: str
    department: str
    ulb: str
    role: str  # OFFICIAL | SUPERVISOR | NODAL_OFFICER
    contact: Contact
    first_ward: int = 0
    last_ward: int = 0


def _official(person: Person, grant: RoleGrant) -> Official:
    return Official(
        id=person.id,
        department=grant.department or "",
        ulb=grant.ulb or "",
        role=grant.role,
        contact=Contact(phone=person.phone, channel=person.channel, language=person.language),
        first_ward=grant.first_ward or 0,
        last_ward=grant.last_ward or 0,
    )


def _first(session: Session, *conditions) -> Official | None:  # noqa: ANN002
    row = session.execute(
        select(Person, RoleGrant)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .where(Person.active.is_(True), *conditions)
        .order_by(Person.id, RoleGrant.id)
        .limit(1)
    ).first()
    return _official(*row) if row else None


def official_by_id(session: Session, official_id: str | None) -> Official | None:
    """An active official, supervisor or nodal officer (operators and offices are not)."""
    if not official_id:
        return None
    return _first(session, Person.id == official_id, RoleGrant.role.in_(ROUTED_ROLES))


def official_for(session: Session, *, ward_code: str, department: str) -> Official | None:
    place = parse_ward_code(ward_code)
    if place is None:
        return None
    ulb, number = place
    return _first(
        session,
        RoleGrant.role == "OFFICIAL",
        RoleGrant.ulb == ulb,
        RoleGrant.department == department,
        RoleGrant.first_ward <= number,
        RoleGrant.last_ward >= number,
    )


def supervisor_for(session: Session, *, ward_code: str, department: str) -> Official | None:
    place = parse_ward_code(ward_code)
    if place is None:
        return None
    return supervisor_of(session, ulb=place[0], department=department)


def supervisor_of(session: Session, *, ulb: str, department: str) -> Official | None:
    return _first(session, RoleGrant.role == "SUPERVISOR", RoleGrant.ulb == ulb, RoleGrant.department == department)


def nodal_officer_of(session: Session, *, ulb: str) -> Official | None:
    return _first(session, RoleGrant.role == "NODAL_OFFICER", RoleGrant.ulb == ulb)

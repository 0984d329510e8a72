"""Who holds a grievance: the official for its ward and department, and above them the
department's supervisor, both from backend/masterdata/officials.yml; the town's nodal officer for
what has no supervisor."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from backend.services.outbox import Contact


@dataclass(frozen=True)
class Official:
    id: str
    department: str
    ulb: str
    role: str  # OFFICIAL | SUPERVISOR | NODAL
    contact: Contact
    first_ward: int = 0
    last_ward: int = 0


@lru_cache
def load_officials(masterdata_dir: Path) -> tuple[Official, ...]:
    raw = yaml.safe_load((masterdata_dir / "officials.yml").read_text(encoding="utf-8"))
    people = []
    for role, key in (("OFFICIAL", "officials"), ("SUPERVISOR", "supervisors"), ("NODAL", "nodal_officers")):
        for item in raw.get(key, []):
            first, last = item.get("wards", [0, 0])
            people.append(Official(
                id=item["id"], department=item.get("department", ""), ulb=item["ulb"], role=role,
                contact=Contact(phone=item["phone"], channel=item["channel"], language=item["language"]),
                first_ward=int(first), last_ward=int(last),
            ))
    return tuple(people)


def official_by_id(masterdata_dir: Path, official_id: str | None) -> Official | None:
    return next((o for o in load_officials(masterdata_dir) if o.id == official_id), None)


def _ulb_and_number(ward_code: str) -> tuple[str, int] | None:
    """'BMC-W12' -> ('BMC', 12)."""
    ulb, _, number = (ward_code or "").partition("-W")
    return (ulb, int(number)) if number.isdigit() else None


def official_for(masterdata_dir: Path, *, ward_code: str, department: str) -> Official | None:
    place = _ulb_and_number(ward_code)
    if place is None:
        return None
    ulb, number = place
    return next(
        (o for o in load_officials(masterdata_dir)
         if o.role == "OFFICIAL" and o.ulb == ulb and o.department == department and o.first_ward <= number <= o.last_ward),
        None,
    )


def supervisor_for(masterdata_dir: Path, *, ward_code: str, department: str) -> Official | None:
    place = _ulb_and_number(ward_code)
    ulb = place[0] if place else None
    return next(
        (o for o in load_officials(masterdata_dir) if o.role == "SUPERVISOR" and o.ulb == ulb and o.department == department),
        None,
    )


def nodal_officer_for(masterdata_dir: Path, *, ward_code: str) -> Official | None:
    place = _ulb_and_number(ward_code)
    ulb = place[0] if place else None
    return next((o for o in load_officials(masterdata_dir) if o.role == "NODAL" and o.ulb == ulb), None)

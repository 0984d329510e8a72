"""The people who work cases: seeded once from the master data, then managed by administrators.

Seeding is idempotent and only adds who is missing, so what an administrator changed in the
console (a new ward range, a deactivation) is never overwritten by the file on the next start."""

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.models import STAFF_ROLES, ConsoleSession, Person, RoleGrant
from backend.services import audit
from backend.services.access import Actor, Refused, is_admin
from backend.services.citizens import normalise_phone
from common.channels import TEXT_CHANNELS
from common.languages import LANGUAGES

# BMC-SAN-N, OP-BMC-01: letters, digits and dashes (an id travels inside the staff chat's menus).
PERSON_ID = re.compile(r"[A-Z0-9][A-Z0-9_.-]{0,39}")
GRANT_FIELDS = ("role", "ulb", "department", "first_ward", "last_ward", "office", "gram_panchayat")


class InvalidPerson(ValueError):
    """`code` names what is wrong, for the console to say in words."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _read(path: Path) -> dict:
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}


def roster(masterdata_dir: Path) -> Iterator[tuple[dict, list[dict]]]:
    """(person, grants) for everyone the master data names, in one shape."""
    officials = _read(masterdata_dir / "officials.yml")
    for key, role in (("officials", "OFFICIAL"), ("supervisors", "SUPERVISOR"), ("nodal_officers", "NODAL_OFFICER")):
        for item in officials.get(key, []):
            first, last = item.get("wards", [None, None])
            yield (
                item,
                [
                    {
                        "role": role,
                        "ulb": item["ulb"],
                        "department": item.get("department"),
                        "first_ward": first,
                        "last_ward": last,
                    }
                ],
            )
    for item in _read(masterdata_dir / "operators.yml").get("operators", []):
        yield item, [{"role": "OPERATOR", "ulb": item["ulb"]}]
    for item in _read(masterdata_dir / "field_agents.yml").get("field_agents", []):
        yield {"channel": "sms", "language": "or", **item}, [{"role": "FIELD_AGENT", "gram_panchayat": item["gram_panchayat"]}]
    staff = _read(masterdata_dir / "office_staff.yml")
    for item in staff.get("office_staff", []):
        yield item, [{"role": item["role"], "office": item["office"]}]
    for item in staff.get("administrators", []):
        yield item, [{"role": "ADMIN"}]


def seed(session: Session, *, masterdata_dir: Path, now: datetime) -> int:
    """Adds everyone in the master data who is not in the table yet; returns how many."""
    known = set(session.scalars(select(Person.id)))
    taken = set(session.scalars(select(Person.phone)))
    added = 0
    for item, grants in roster(masterdata_dir):
        phone = normalise_phone(item["phone"])
        if item["id"] in known or phone in taken:
            continue
        session.add(
            Person(
                id=item["id"],
                name=item.get("name") or item["id"],
                phone=phone,
                language=item.get("language", "en"),
                channel=item.get("channel", "whatsapp"),
                active=True,
                created_at=now,
                updated_at=now,
                grants=[RoleGrant(**{k: g.get(k) for k in GRANT_FIELDS}) for g in grants],
            )
        )
        known.add(item["id"])
        taken.add(phone)
        added += 1
    session.commit()
    return added


def person_by_phone(session: Session, phone: str) -> Person | None:
    """The active person whose registered mobile this is."""
    return session.scalar(select(Person).where(Person.phone == normalise_phone(phone or ""), Person.active.is_(True)))


def field_agent_by_phone(session: Session, phone: str) -> Person | None:
    person = person_by_phone(session, phone)
    return person if person is not None and any(g.role == "FIELD_AGENT" for g in person.grants) else None


def _grant(raw: dict) -> RoleGrant:
    role = str(raw.get("role") or "").upper()
    if role not in STAFF_ROLES:
        raise InvalidPerson("unknown_role")
    values: dict[str, Any] = {k: (raw.get(k) or None) for k in GRANT_FIELDS} | {"role": role}
    for ward in ("first_ward", "last_ward"):
        if values[ward] is not None:
            try:
                values[ward] = int(values[ward])
            except (TypeError, ValueError):
                raise InvalidPerson("bad_ward") from None
    if (values["first_ward"] is None) != (values["last_ward"] is None) or (
        values["first_ward"] is not None and not 0 < values["first_ward"] <= values["last_ward"]
    ):
        raise InvalidPerson("bad_ward")
    needs = {
        "OFFICIAL": ("ulb", "department", "first_ward"),
        "SUPERVISOR": ("ulb", "department"),
        "NODAL_OFFICER": ("ulb",),
        "VERIFIER": ("office",),
        "APPROVER": ("office",),
        "OPERATOR": ("ulb",),
        "FIELD_AGENT": ("gram_panchayat",),
        "ADMIN": (),
    }[role]
    if any(values[k] is None for k in needs):
        raise InvalidPerson("area_missing")
    return RoleGrant(**values)


def _require_admin(actor: Actor) -> None:
    if not is_admin(actor.person):
        raise Refused("wrong_role")


def save_person(
    session: Session,
    *,
    actor: Actor,
    person_id: str,
    name: str,
    phone: str,
    language: str,
    channel: str,
    grants: list[dict],
    now: datetime,
    new: bool = False,
) -> Person:
    """An administrator adds (new: refused if the id is someone's) or changes a person and
    replaces their roles; audited. The caller commits."""
    _require_admin(actor)
    person_id, name, number = person_id.strip().upper(), name.strip(), normalise_phone(phone or "")
    if not PERSON_ID.fullmatch(person_id) or not name or len(name) > 120:
        raise InvalidPerson("bad_name")
    if not number.startswith("+") or len(number) > 16:
        raise InvalidPerson("bad_phone")
    if language not in LANGUAGES or channel not in TEXT_CHANNELS:
        raise InvalidPerson("bad_contact")
    new_grants = [_grant(g) for g in grants]
    if not new_grants:
        raise InvalidPerson("no_role")
    holder = session.scalar(select(Person).where(Person.phone == number, Person.id != person_id))
    if holder is not None:
        raise InvalidPerson("phone_taken")
    person = session.get(Person, person_id)
    if new and person is not None:
        raise InvalidPerson("id_taken")
    if person is None:
        person = Person(id=person_id, created_at=now, active=True)
        session.add(person)
    person.name, person.phone, person.language, person.channel, person.updated_at = name, number, language, channel, now
    person.grants = new_grants
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="person.save",
        now=now,
        subject=person.id,
        detail={"roles": [{k: getattr(g, k) for k in GRANT_FIELDS if getattr(g, k) is not None} for g in new_grants]},
    )
    return person


def deactivate(session: Session, *, actor: Actor, person_id: str, now: datetime) -> Person:
    """Signs them out everywhere and stops their rights; their history stays theirs. Audited;
    the caller commits."""
    _require_admin(actor)
    person = session.get(Person, person_id)
    if person is None:
        raise InvalidPerson("unknown_person")
    person.active, person.deactivated_at, person.updated_at = False, now, now
    for open_session in session.scalars(
        select(ConsoleSession).where(ConsoleSession.person_id == person_id, ConsoleSession.ended_at.is_(None))
    ):
        open_session.ended_at = now
    session.flush()
    audit.record(session, actor=actor, action="person.deactivate", now=now, subject=person.id)
    return person

"""People as data: seeded once from the master data, then managed by administrators, audited."""
import pytest
from sqlalchemy import func, select

from backend.db import get_session_factory
from backend.models import AuditEntry, Person
from backend.services import people
from backend.services.access import Actor, Refused
from backend.services.people import InvalidPerson
from tests.conftest import NOW


def test_seeding_adds_everyone_once_and_keeps_what_administrators_changed(settings):
    with get_session_factory(settings.database_url)() as session:
        count = session.scalar(select(func.count()).select_from(Person))
        roles = {g.role for p in session.scalars(select(Person)) for g in p.grants}
        assert count == len(list(people.roster(settings.masterdata_dir))) and roles == {
            "OFFICIAL", "SUPERVISOR", "NODAL_OFFICER", "VERIFIER", "APPROVER", "OPERATOR", "FIELD_AGENT", "ADMIN"}
        admin = Actor.of_person(session.get(Person, "SATHI-ADMIN"))
        people.save_person(session, actor=admin, person_id="BMC-SAN-N", name="Rina Das", phone="+919437200101",
                           language="en", channel="sms", grants=[{"role": "OFFICIAL", "ulb": "BMC", "department": "SANITATION",
                                                                 "first_ward": 1, "last_ward": 20}], now=NOW)
        people.deactivate(session, actor=admin, person_id="BMC-SAN-S", now=NOW)
        session.commit()
        assert people.seed(session, masterdata_dir=settings.masterdata_dir, now=NOW) == 0
        changed = session.get(Person, "BMC-SAN-N")
        assert (changed.name, changed.channel, changed.grants[0].last_ward) == ("Rina Das", "sms", 20)
        assert session.get(Person, "BMC-SAN-S").active is False and people.person_by_phone(session, "+919437200102") is None
        trail = [(e.action, e.actor_id, e.subject) for e in session.scalars(select(AuditEntry))]
        assert trail == [("person.save", "SATHI-ADMIN", "BMC-SAN-N"), ("person.deactivate", "SATHI-ADMIN", "BMC-SAN-S")]


@pytest.mark.parametrize(("grant", "code"), [
    ({"role": "MAYOR"}, "unknown_role"),
    ({"role": "OFFICIAL", "ulb": "BMC", "department": "SANITATION"}, "area_missing"),
    ({"role": "OFFICIAL", "ulb": "BMC", "department": "SANITATION", "first_ward": 9, "last_ward": 3}, "bad_ward"),
    ({"role": "VERIFIER"}, "area_missing"),
])
def test_a_role_needs_its_whole_area(settings, grant, code):
    with get_session_factory(settings.database_url)() as session:
        admin = Actor.of_person(session.get(Person, "SATHI-ADMIN"))
        with pytest.raises(InvalidPerson) as refused:
            people.save_person(session, actor=admin, person_id="NEW-1", name="A B", phone="+919437999999", language="or",
                               channel="sms", grants=[grant], now=NOW)
        assert refused.value.code == code


def test_only_administrators_manage_people_and_a_number_is_one_persons(settings):
    with get_session_factory(settings.database_url)() as session:
        official = Actor.of_person(session.get(Person, "BMC-SAN-SUP"))
        with pytest.raises(Refused):
            people.save_person(session, actor=official, person_id="X", name="X", phone="+919437999999", language="en",
                               channel="sms", grants=[{"role": "ADMIN"}], now=NOW)
        with pytest.raises(Refused):
            people.deactivate(session, actor=official, person_id="BMC-SAN-N", now=NOW)
        admin = Actor.of_person(session.get(Person, "SATHI-ADMIN"))
        with pytest.raises(InvalidPerson) as taken:
            people.save_person(session, actor=admin, person_id="NEW-2", name="A B", phone="+919437200101", language="en",
                               channel="sms", grants=[{"role": "ADMIN"}], now=NOW)
        assert taken.value.code == "phone_taken"
        with pytest.raises(InvalidPerson) as same_id:  # "add" never overwrites someone
            people.save_person(session, actor=admin, person_id="BMC-SAN-N", name="A B", phone="+919437999998", language="en",
                               channel="sms", grants=[{"role": "ADMIN"}], now=NOW, new=True)
        assert same_id.value.code == "id_taken"

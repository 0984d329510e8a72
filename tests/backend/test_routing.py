"""Routing by ward and department, from the people table (seeded from backend/masterdata/officials.yml)."""
import pytest
from sqlalchemy import select

from backend.db import get_session_factory
from backend.models import Case, Person
from backend.services import people
from backend.services.access import Actor
from backend.services.routing import official_for, supervisor_for
from tests.conftest import NOW, complaint_body, turn_headers


@pytest.mark.parametrize(
    "ward, department, official",
    [
        ("BMC-W12", "SANITATION", "BMC-SAN-N"),
        ("BMC-W33", "SANITATION", "BMC-SAN-N"),
        ("BMC-W34", "SANITATION", "BMC-SAN-S"),
        ("BMC-W61", "ENGINEERING", "BMC-ENG-S"),
        ("BMC-W29", "ELECTRICAL", "BMC-ELE-01"),
        ("BMC-W05", "WATER", "BMC-WAT-01"),
        ("CMC-W18", "SANITATION", "CMC-SAN-01"),  # every town's every ward reaches an official
        ("PURI-W32", "WATER", "PURI-WAT-01"),
        ("BMC-W12", "HORTICULTURE", None),  # no such department on the roster
        ("CTC-W01", "SANITATION", None),  # another ULB
        ("ward 12", "SANITATION", None),  # not a ward code
    ],
)
def test_official_for_ward_and_department(session, ward, department, official):
    found = official_for(session, ward_code=ward, department=department)
    assert (found.id if found else None) == official


def test_supervisor_for_the_department(session):
    assert supervisor_for(session, ward_code="BMC-W12", department="SANITATION").id == "BMC-SAN-SUP"
    assert supervisor_for(session, ward_code="BMC-W12", department="HORTICULTURE") is None


def test_an_administrators_change_routes_the_next_case(session):
    admin = Actor.of_person(session.get(Person, "SATHI-ADMIN"))
    people.save_person(session, actor=admin, person_id="BMC-SAN-C", name="Kabita Sahoo", phone="+919437200199",
                       language="or", channel="whatsapp", now=NOW,
                       grants=[{"role": "OFFICIAL", "ulb": "BMC", "department": "SANITATION", "first_ward": 10, "last_ward": 15}])
    people.save_person(session, actor=admin, person_id="BMC-SAN-N", name="BMC-SAN-N", phone="+919437200101",
                       language="or", channel="whatsapp", now=NOW,
                       grants=[{"role": "OFFICIAL", "ulb": "BMC", "department": "SANITATION", "first_ward": 1, "last_ward": 9}])
    assert official_for(session, ward_code="BMC-W12", department="SANITATION").id == "BMC-SAN-C"
    people.deactivate(session, actor=admin, person_id="BMC-SAN-C", now=NOW)
    assert official_for(session, ward_code="BMC-W12", department="SANITATION") is None  # unrouted: the supervisor assigns


def test_filing_routes_and_alerts_the_official_and_an_unknown_ward_is_refused(client, auth, settings):
    body = {"category": "water_supply", "description": "No water since morning", "ward": "ward 5",
            "citizen_phone": "+919812345678", "channel": "twilio_sms"}
    filed = client.post("/api/v1/certificates", json=complaint_body(**body), headers=turn_headers(body["citizen_phone"])).json()
    with get_session_factory(settings.database_url)() as session:
        assignee = session.scalar(select(Case.assignee_id).where(Case.reference == filed["reference"]))
    assert (filed["state"], assignee) == ("PENDING_AT_OFFICIAL", "BMC-WAT-01")
    refused = client.post("/api/v1/certificates", json=complaint_body(**{**body, "ward": "ward 900"}),
                          headers=turn_headers(body["citizen_phone"]))
    assert refused.status_code == 422 and refused.json()["detail"] == {"code": "no_match", "field": "ward"}


def test_a_roster_that_leaves_a_ward_with_no_official_stops_the_start(tmp_path, settings):
    """A complaint from every ward of every town, for every department its categories name, reaches
    an official; a roster with a gap is refused when the backend starts, naming the gap."""
    import shutil

    from backend.services.grievance import uncovered_wards

    assert uncovered_wards(settings.masterdata_dir) == []  # as shipped
    shutil.copytree(settings.masterdata_dir, tmp_path / "data")
    officials = tmp_path / "data" / "officials.yml"
    officials.write_text(officials.read_text().replace("wards: [1, 59], phone: \"+919437200113\"", "wards: [1, 20], phone: \"+919437200113\"")
                         .replace("  - {id: PURI-WAT-01", "  # - {id: PURI-WAT-01"))
    assert uncovered_wards(tmp_path / "data") == ["CMC ENGINEERING wards 21-59", "PURI WATER wards 1-32"]

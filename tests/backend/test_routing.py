"""Routing by ward and department, from backend/masterdata/officials.yml."""
import pytest

from backend.services.routing import official_for, supervisor_for
from backend.settings import Settings
from tests.conftest import turn_headers

MASTERDATA = Settings().masterdata_dir


@pytest.mark.parametrize(
    "ward, department, official",
    [
        ("BMC-W12", "SANITATION", "BMC-SAN-N"),
        ("BMC-W33", "SANITATION", "BMC-SAN-N"),
        ("BMC-W34", "SANITATION", "BMC-SAN-S"),
        ("BMC-W61", "ENGINEERING", "BMC-ENG-S"),
        ("BMC-W29", "ELECTRICAL", "BMC-ELE-01"),
        ("BMC-W05", "WATER", "BMC-WAT-01"),
        ("BMC-W12", "HORTICULTURE", None),  # no such department on the roster
        ("CTC-W01", "SANITATION", None),  # another ULB
        ("ward 12", "SANITATION", None),  # not a ward code
    ],
)
def test_official_for_ward_and_department(ward, department, official):
    found = official_for(MASTERDATA, ward_code=ward, department=department)
    assert (found.id if found else None) == official


def test_supervisor_for_the_department():
    assert supervisor_for(MASTERDATA, ward_code="BMC-W12", department="SANITATION").id == "BMC-SAN-SUP"
    assert supervisor_for(MASTERDATA, ward_code="BMC-W12", department="HORTICULTURE") is None


def test_filing_routes_and_alerts_the_official_and_an_unknown_ward_is_refused(client, auth):
    body = {"category": "water_supply", "description": "No water since morning", "ward": "ward 5",
            "citizen_phone": "+919812345678", "channel": "twilio_sms"}
    filed = client.post("/api/v1/grievances", json=body, headers=turn_headers(body["citizen_phone"])).json()
    assert (filed["state"], filed["assignee_id"]) == ("PENDING_AT_OFFICIAL", "BMC-WAT-01")
    refused = client.post("/api/v1/grievances", json={**body, "ward": "ward 900"}, headers=turn_headers(body["citizen_phone"]))
    assert refused.status_code == 422 and refused.json()["detail"] == {"code": "unknown_ward", "field": "ward"}

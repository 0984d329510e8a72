"""Every service's `details` are typed: a complaint's (grievance.Complaint), a desludging request's
(desludging.RequestDetails), a catalog service's (catalog.Application, tested in test_catalog.py).
A write that does not fit is refused, naming the field, before it reaches the database."""

import pytest
from pydantic import ValidationError

from backend.services.desludging import RequestDetails, _checked
from backend.services.grievance import Complaint

COMPLAINT = {"category": "garbage", "department": "SANITATION", "description": "Garbage not collected for 3 days",
             "ward": "BMC-W12", "sla_hours": 48}  # fmt: skip
REQUEST = {"applicant_name": "Sabitri Behera", "property_type": "residential", "sanitation_type": "septic_tank",
           "size_litres": 2000, "trips": 1, "slum": False, "preferred_date": "2026-12-04", "pay_before": True,
           "pin": "751007", "landmark": "Near the temple", "ulb": "BMC", "ward": "BMC-W12", "fee_paise": 100000,
           "department": "SANITATION", "business_due_at": "2026-12-04T10:00:00+00:00"}  # fmt: skip


def test_a_complaint_s_details_are_typed():
    assert Complaint.checked({**COMPLAINT, "photo": "a1b2.jpg"})["photo"] == "a1b2.jpg"
    with pytest.raises(ValidationError, match="ward"):
        Complaint.checked({k: v for k, v in COMPLAINT.items() if k != "ward"})
    with pytest.raises(ValidationError, match="colour"):
        Complaint.checked({**COMPLAINT, "colour": "red"})  # a key no step writes


def test_a_desludging_request_s_details_are_typed_and_a_visit_s_by_its_catalog_entry():
    disposed = {**REQUEST, "disposal": {"plant": "BMC-FSTP-BASUAGHAI", "volume_litres": 1900, "at": "2026-12-04T12:00:00+00:00"}}
    assert _checked(disposed) == disposed
    with pytest.raises(ValidationError, match="trips"):
        RequestDetails.model_validate({**REQUEST, "trips": "many"})  # its options are checked at filing, by the form's fields
    with pytest.raises(ValidationError, match="volume_litres"):
        _checked({**REQUEST, "disposal": {"plant": "BMC-FSTP-BASUAGHAI", "at": "2026-12-04T12:00:00+00:00"}})
    with pytest.raises(ValidationError, match="answers"):
        _checked({"certificate_type": "water_tanker", "rating": 5})  # a catalog visit is an Application

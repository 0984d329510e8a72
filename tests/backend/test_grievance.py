"""Grievance API against a real database (SQLite and PostgreSQL)."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from backend.db import get_session_factory
from backend.models import Case, CaseHistory
from tests.conftest import complaint_body, turn_headers

GRIEVANCE = {
    "category": "streetlight",
    "description": "The streetlight outside house 14 has been off for three nights",
    "ward": "BMC-W29",
    "citizen_phone": "+919812345678",
    "language": "en",
    "channel": "rest",
}
CITIZEN = turn_headers(GRIEVANCE["citizen_phone"])  # the action server, in this citizen's turn
FILING = complaint_body(**GRIEVANCE)  # POST /api/v1/certificates: the citizen's words per field


def test_file_then_read_status(client, auth, settings):
    created = client.post("/api/v1/certificates", json=FILING, headers={**CITIZEN, "Idempotency-Key": "a1"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["reference"] == "GRV-2026-000001"
    # Routed on filing: streetlights are ELECTRICAL, and ward 29 is BMC-ELE-01's (masterdata/officials.yml).
    with get_session_factory(settings.database_url)() as session:
        assignee = session.scalar(select(Case.assignee_id).where(Case.reference == body["reference"]))
    assert (body["state"], assignee) == ("PENDING_AT_OFFICIAL", "BMC-ELE-01")

    status = client.get("/api/v1/cases/grv 2026 1")  # loosely typed, as citizens do
    assert status.status_code == 200
    assert status.json()["reference"] == "GRV-2026-000001"
    assert "citizen_phone" not in status.json()  # the public status carries no personal data

    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == "GRV-2026-000001"))
        assert case.details == {"category": "streetlight", "department": "ELECTRICAL",
                                "description": GRIEVANCE["description"], "ward": "BMC-W29", "sla_hours": 72}
        assert [(h.action, h.actor_role) for h in case.history] == [("APPLY", "CITIZEN"), ("ASSIGN", "SYSTEM")]


def test_same_idempotency_key_files_once(client, auth, settings):
    headers = {**CITIZEN, "Idempotency-Key": "same-submission"}
    first = client.post("/api/v1/certificates", json=FILING, headers=headers)
    second = client.post("/api/v1/certificates", json=FILING, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["reference"] == second.json()["reference"]
    with get_session_factory(settings.database_url)() as session:
        assert session.scalar(select(func.count(Case.id))) == 1


def test_write_api_needs_the_token(client):
    assert client.post("/api/v1/certificates", json=FILING).status_code == 401
    bad = client.post("/api/v1/certificates", json=FILING, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_invalid_input_is_refused_with_a_code(client, auth):
    unknown = client.post("/api/v1/certificates", json=complaint_body(**{**GRIEVANCE, "category": "aliens"}), headers=CITIZEN)
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == {"code": "no_match", "field": "problem"}
    too_long = client.post("/api/v1/certificates", json=complaint_body(**{**GRIEVANCE, "description": "x" * 10_000}),
                           headers=CITIZEN)
    assert too_long.status_code == 422
    blank = client.post("/api/v1/certificates", json=complaint_body(**{**GRIEVANCE, "description": "   "}), headers=CITIZEN)
    assert blank.json()["detail"] == {"code": "no_match", "field": "description"}


def test_unknown_reference_is_404(client):
    assert client.get("/api/v1/cases/GRV-2026-999999").json()["detail"] == {"code": "unknown_reference"}
    assert client.get("/api/v1/cases/not-a-number").status_code == 404


def test_actions_through_the_api_are_the_signed_in_persons(client, auth, staff):
    """Streetlights in ward 29: ELECTRICAL, BMC-ELE-01's; its supervisor is BMC-ELE-SUP."""
    reference = client.post("/api/v1/certificates", json=FILING, headers=CITIZEN).json()["reference"]
    reassign = {"action": "REASSIGN", "expected_version": 1, "reason": "on leave", "assignee_id": "BMC-ELE-SUP"}
    unsigned = client.post(f"/api/v1/cases/{reference}/actions", json=reassign, headers=auth)
    assert unsigned.status_code == 401 and unsigned.json()["detail"]["code"] == "not_signed_in"  # a token is nobody
    official = staff("BMC-ELE-01")
    assert client.post(f"/api/v1/cases/{reference}/actions", json=reassign).json()["detail"]["code"] == "csrf_token_missing_or_wrong"
    assert client.post(f"/api/v1/cases/{reference}/actions", json=reassign, headers=official).json()["detail"]["code"] == "wrong_role"
    moved = client.post(f"/api/v1/cases/{reference}/actions", json=reassign, headers=staff("BMC-ELE-SUP")).json()
    assert (moved["state"], moved["assignee_id"]) == ("PENDING_AT_OFFICIAL", "BMC-ELE-SUP")
    supervisor = staff("BMC-ELE-SUP")
    nobody = client.post(f"/api/v1/cases/{reference}/actions", json={**reassign, "expected_version": None, "assignee_id": "X-1"},
                         headers=supervisor)
    assert nobody.status_code == 404 and nobody.json()["detail"]["code"] == "unknown_official"
    stale = client.post(f"/api/v1/cases/{reference}/actions", json={**reassign, "action": "RESOLVE", "assignee_id": None},
                        headers=supervisor)
    assert stale.status_code == 409 and stale.json()["detail"]["code"] == "version_conflict"
    # Another department's official, and an official of another ward range, are refused by name.
    drainage = staff("BMC-ENG-N")
    other = client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}, headers=drainage)
    assert other.status_code == 403 and other.json()["detail"]["code"] == "not_your_department"
    official = staff("BMC-ELE-01")
    citizen_only = client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RATE"}, headers=official)
    assert citizen_only.status_code == 403 and citizen_only.json()["detail"]["code"] == "wrong_role"
    assert client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}, headers=official).status_code == 200
    again = client.post(f"/api/v1/cases/{reference}/actions", json={"action": "RESOLVE"}, headers=official)
    assert again.status_code == 409 and again.json()["detail"]["code"] == "wrong_state"
    history = client.get(f"/api/v1/cases/{reference}/history").json()
    assert [(h["action"], h["actor_role"]) for h in history] == [
        ("APPLY", "CITIZEN"), ("ASSIGN", "SYSTEM"), ("REASSIGN", "SUPERVISOR"), ("RESOLVE", "OFFICIAL")]


def test_reference_numbers_are_unique_under_concurrent_filing(client, auth, settings):
    def file(i: int) -> str:
        response = client.post("/api/v1/certificates", json=FILING, headers={**CITIZEN, "Idempotency-Key": f"k{i}"})
        assert response.status_code == 201, response.text
        return response.json()["reference"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        references = list(pool.map(file, range(12)))
    assert sorted(references) == [f"GRV-2026-{n:06d}" for n in range(1, 13)]
    with get_session_factory(settings.database_url)() as session:
        assert session.scalar(select(func.count(CaseHistory.id))) == 24  # APPLY and the routing's ASSIGN


def test_a_complaint_is_filed_from_its_forms_words_with_its_photo(client, settings, monkeypatch):
    """POST /api/v1/certificates files a complaint as every service: the citizen's words per field,
    checked again by catalog/grievance.yml's fields; the photo sent with the description is fetched
    once the citizen has their number. A complaint has no Tatkal, and no other documents."""
    from backend.services import media

    fetched = []
    monkeypatch.setattr(media, "fetch_photo", lambda settings, url: fetched.append(url) or media.Fetched(name=None, error="too_large"))
    body = {
        "certificate_type": "grievance",
        "answers": {"problem": "2", "description": "The streetlight outside house 14 is off", "ward": "Saheed Nagar"},
        "documents": {"description": "https://api.twilio.com/media/ME1"},
        "citizen_phone": "+919812345678",
    }
    headers = {**CITIZEN, "Idempotency-Key": "w1"}
    filed = client.post("/api/v1/certificates", json=body, headers=headers)
    assert filed.status_code == 201, filed.text
    assert filed.json()["reference"] == "GRV-2026-000001" and filed.json()["fee_rupees"] == 0
    assert client.post("/api/v1/certificates", json=body, headers=headers).json()["reference"] == "GRV-2026-000001"
    assert fetched == ["https://api.twilio.com/media/ME1"]  # once: a retry files nothing again
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case))
        assert case.details["category"] == "streetlight" and case.details["ward"] == "BMC-W29"
        assert case.details["photo_error"] == "too_large" and case.assignee_id == "BMC-ELE-01"
    refused = lambda change: client.post(  # noqa: E731
        "/api/v1/certificates", json={**body, **change}, headers={**CITIZEN, "Idempotency-Key": str(change)})
    assert refused({"tatkal": True}).json()["detail"] == {"code": "not_allowed", "field": "tatkal"}
    assert refused({"documents": {"aadhaar": "https://x/1"}}).json()["detail"] == {"code": "not_allowed", "field": "documents"}
    assert refused({"answers": {**body["answers"], "ward": "ward 99"}}).json()["detail"] == {"code": "no_match", "field": "ward"}


def test_a_guess_is_said_to_be_one_and_a_long_description_is_told_its_limit(client):
    answers = "/api/v1/certificates/services/grievance/answers"
    guess = client.post(f"{answers}/problem", json={"q": "dead dog lying on the road"}).json()
    assert (guess["guessed"], guess["key"], guess["label"]) == (True, "grievance_subcategory.garbage.dead_animal", "garbage")
    chosen = client.post(f"{answers}/problem", json={"q": "2"}).json()
    assert (chosen["guessed"], chosen["key"]) == (False, "grievance_category.streetlight")
    # a long complaint is guessed from its beginning (what it is about is said first)
    long = "kachra pada hai " + "aur bahut pareshani hai " * 40
    assert client.post(f"{answers}/problem", json={"q": long}).json()["value"]["code"] == "garbage"
    too_long = client.post(f"{answers}/description", json={"q": "x" * 1001})
    assert too_long.json()["detail"] == {"code": "too_long", "field": "description"}
    assert client.post(f"{answers}/description", json={"q": "ab"}).json()["detail"]["code"] == "no_match"
    assert client.post(f"{answers}/description", json={"q": "x" * 1000}).status_code == 200


def test_the_words_that_open_a_complaint_answer_its_first_question_in_the_same_call(client):
    """The opening turn is one call: the service, and what its opening words answer (where the
    service is opened by words), with the citizen's case just closed they may be about."""
    def choose(code, opening):
        body = {"q": code, "phone": GRIEVANCE["citizen_phone"], "opening": opening, "language": "hi"}
        return client.post("/api/v1/certificates/services/choose", json=body, headers=CITIZEN).json()

    told = choose("grievance", "kachra teen din se pada hai")
    assert told["service"]["code"] == "grievance" and told["first_answer"]["value"]["code"] == "garbage"
    assert told["first_answer"]["guessed"] is True and told["first_answer"]["label"] == "कचरा"
    assert told["reopen"] is None  # nothing of theirs was just resolved
    assert choose("grievance", "I want to file a complaint")["first_answer"] is None  # no problem named: asked
    assert choose("desludging", "my septic tank is full")["first_answer"] is None  # not opened by words


def test_matching_categories_and_wards(client):
    """A complaint's answers, read by the catalog's engine (catalog/grievance.yml)."""
    answers = "/api/v1/certificates/services/grievance/answers"
    problem = lambda q: client.post(f"{answers}/problem", json={"q": q})  # noqa: E731
    ward = lambda q: client.post(f"{answers}/ward", json={"q": q})  # noqa: E731
    assert problem("2").json()["value"] == {"code": "streetlight", "subcategory": None, "how": "number"}
    assert problem("kachra pada hai").json()["value"] == {"code": "garbage", "subcategory": None, "how": "words"}
    # The longest word decides, a subcategory's words included: a dead dog on the road is garbage.
    assert problem("dead dog lying on the road").json()["value"] == {"code": "garbage", "subcategory": "dead_animal", "how": "words"}
    assert problem("ଆମ ଗଳିରେ ପାଣି ଆସୁନାହିଁ").json()["value"] == {"code": "water_supply", "subcategory": "no_water", "how": "words"}
    assert problem("सेप्टिक टैंक भर गया है").json()["value"]["code"] == "desludging_service"
    assert problem("qwerty").json()["detail"] == {"code": "no_match", "field": "problem"}
    assert ward("ward 12").json()["value"]["ward"] == "BMC-W12"
    assert ward("ଶହୀଦ ନଗର").json()["value"]["ward"] == "BMC-W29"
    assert ward("ward 99").status_code == 422
    assert ward("Sarakana").status_code == 422  # a village: a complaint is about a town's ward
    assert ward("Saheed Nagar near Sarakana bus stop").json()["value"]["ward"] == "BMC-W29"  # the village is a landmark here
    # The category most of whose words are said wins; its own word alone is a choice, in any script.
    assert problem("naali jaam ho gayi hai, ganda paani sadak par beh raha hai").json()["value"]["code"] == "drainage"
    assert problem("कचरा").json()["value"] == {"code": "garbage", "subcategory": None, "how": "code"}
    assert client.post(f"{answers}/problem", json={"q": "कचरा", "language": "hi"}).json()["label"] == "कचरा"
    # A ward's number in words, beside ward words and town names only ("ek mandir ke paas" is no ward 1).
    for said in ("वार्ड बारह", "ward twelve bhubaneswar", "ୱାର୍ଡ ବାର ଭୁବନେଶ୍ୱର"):
        assert ward(said).json()["value"]["ward"] == "BMC-W12", said
    assert ward("ek mandir ke paas").status_code == 422
    assert ward("25/12").status_code == 422 and ward("house 14, lane 3").status_code == 422  # a date, an address: no ward
    assert ward("ward 12 mein").json()["value"]["ward"] == "BMC-W12"
    # A landmark instead of a ward, in any script.
    assert ward("near lingraj temple").json()["value"]["ward"] == "BMC-W61"
    assert ward("ମାଷ୍ଟର କ୍ୟାଣ୍ଟିନ ପାଖରେ").json()["value"]["ward"] == "BMC-W34"
    # a WhatsApp location pin, as its geo URI
    assert ward("geo:20.296100,85.845000").json()["value"]["ward"] == "BMC-W29"
    assert ward("geo:19.070000,72.880000").status_code == 422  # Mumbai: no ward of ours
    assert ward("GEO:20.2961, 85.845").json()["value"]["ward"] == "BMC-W29"  # typed loosely, still a pin
    assert ward("geo:20.2961;85.845").status_code == 422  # a pin written wrong is no ward 20
    categories = client.get("/api/v1/grievances/categories").json()
    assert [c["code"] for c in categories][-1] == "desludging_service" and len(categories) == 7
    assert categories[0]["subcategories"][2] == {"code": "dead_animal", "department": "SANITATION", "sla_hours": 12}


def test_health_and_openapi(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert "/api/v1/certificates" in client.get("/openapi.json").json()["paths"]


def test_logs_never_carry_the_whole_phone_number(client, auth, caplog):
    caplog.set_level("DEBUG")
    client.post("/api/v1/certificates", json=FILING, headers=CITIZEN)
    assert "GRV-2026-000001" in caplog.text
    assert "***5678" in caplog.text
    assert "9812345678" not in caplog.text


def test_a_subcategory_sets_its_own_sla(client, auth, settings):
    # the subcategory is guessed from the problem's words: a dead dog is garbage's dead_animal
    body = {**GRIEVANCE, "category": "dead dog lying on the road", "ward": "BMC-W12"}
    filed = client.post("/api/v1/certificates", json=complaint_body(**body), headers=CITIZEN).json()
    with get_session_factory(settings.database_url)() as session:
        case = session.scalar(select(Case).where(Case.reference == filed["reference"]))
        assert (case.details["category"], case.details["subcategory"], case.details["sla_hours"], case.details["department"]) == (
            "garbage", "dead_animal", 12, "SANITATION")
    unknown = client.post("/api/v1/certificates", json=complaint_body(**{**body, "category": "ufo"}), headers=CITIZEN)
    assert unknown.status_code == 422 and unknown.json()["detail"] == {"code": "no_match", "field": "problem"}


@pytest.mark.parametrize(
    "said, category, about",
    [
        ("big pothole on the main road near the school", "garbage", False),  # another problem
        ("yeh galat hai, kutta abhi bhi pada hai", "garbage", True),  # names no problem: it may be
        ("the garbage is still lying there", "garbage", True),
        ("ganda paani abhi bhi beh raha hai", "drainage", True),  # guessed as water, but a drain's words
        ("streetlight not working again", "garbage", False),
    ],
)
def test_whether_new_words_may_be_about_an_earlier_complaint(settings, said, category, about):
    """What a reopen is offered for (backend/services/categories.may_be_about)."""
    from backend.services.categories import may_be_about

    assert may_be_about(settings.masterdata_dir, said, category) is about

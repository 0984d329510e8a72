"""A citizen files a grievance and asks its status, through Rasa's REST channel, against the real
processes and database. Replies are compared with what locales/ renders for the expected key."""
import sqlite3
import time

from sqlalchemy import select

import locales
from backend.db import get_session_factory
from backend.models import Case
from tests.e2e.conftest import REFERENCE, Citizen, case_in_database
from zoneinfo import ZoneInfo


def text(key: str, **variables) -> str:
    return locales.render(key, "en", "rest", **variables)["text"]


def words(key: str) -> str:
    """The catalog's words for a key (a category's name, as a reply names the problem)."""
    return locales.load_catalog("en")[key]


def file_grievance(citizen: Citizen) -> str:
    assert citizen.say("hello") == [text("utter_greet")]
    assert citizen.say("I want to file a complaint") == [text("utter_ask_grievance_category")]
    assert citizen.say("2") == [text("utter_ask_grievance_description")]
    assert citizen.say("The streetlight in front of house 22 is off for a week") == [text("utter_ask_grievance_ward")]
    replies = citizen.say("Saheed Nagar")
    assert len(replies) == 1
    reference = REFERENCE.search(replies[0]).group()
    assert replies == [text("utter_grievance_filed", reference=reference, answer_problem=words("grievance_category.streetlight"))]
    return reference


def test_file_a_grievance_and_ask_its_status(stack):
    citizen = Citizen(stack, "+919800000101")
    reference = file_grievance(citizen)

    case = case_in_database(stack, reference)
    assert case is not None
    assert (case.state, case.citizen_phone, case.channel) == ("PENDING_AT_OFFICIAL", "+919800000101", "rest")
    assert case.assignee_id == "BMC-ELE-01"  # routed on filing to the ward's electrical official
    assert case.details["category"] == "streetlight"
    assert case.details["ward"] == "BMC-W29"
    assert case.details["description"].startswith("The streetlight in front of house 22")

    due = case.sla_due_at.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%d-%m-%Y")  # the citizen's calendar
    expected = text("utter_case_status", reference=reference, state_key="case_state.grievance.PENDING_AT_OFFICIAL",
                    holder_key="case_holder.official", due=due)
    assert citizen.say(f"status {reference}") == [expected]
    # Asked in two steps, with the number typed loosely.
    assert citizen.say("check status") == [text("utter_ask_reference")]
    assert citizen.say(reference.lower().replace("-", " ")) == [expected]
    assert citizen.slots()["reference"] is None


def test_unknown_reference_number(stack):
    citizen = Citizen(stack, "+919800000102")
    assert citizen.say("status GRV-2026-987654") == [text("utter_unknown_reference", reference="GRV-2026-987654")]


def test_empty_message_outside_and_inside_the_form(stack):
    citizen = Citizen(stack, "+919800000103")
    assert citizen.say("") == [text("utter_empty_message")]
    citizen.say("I want to file a complaint")
    citizen.say("garbage")
    replies = citizen.say("   ")
    assert replies == [text("utter_invalid_grievance_description"), text("utter_ask_grievance_description")]
    slots = citizen.slots()  # nothing already given is lost
    assert (slots["service_code"], slots["service_answers"]["problem"]) == ("grievance", "garbage")
    assert slots["service_labels"]["problem"] == words("grievance_category.garbage")


def test_ten_thousand_characters(stack):
    citizen = Citizen(stack, "+919800000104")
    paste = "The drain is blocked and water is everywhere. " * 218
    assert len(paste) > 10_000
    assert citizen.say(paste) == [text("utter_message_too_long")]
    citizen.say("I want to file a complaint")
    citizen.say("drainage")
    assert citizen.say(paste) == [
        text("utter_grievance_description_too_long", limit=1000),
        text("utter_ask_grievance_description"),
    ]
    slots = citizen.slots()
    assert (slots["service_code"], slots["service_answers"]["problem"]) == ("grievance", "drainage")
    assert slots["service_labels"]["problem"] == words("grievance_category.drainage")
    assert "description" not in slots["service_answers"]
    assert citizen.say("The drain on lane 3 is blocked") == [text("utter_ask_grievance_ward")]


def test_cancel_in_the_middle(stack):
    citizen = Citizen(stack, "+919800000105")
    citizen.say("I want to file a complaint")
    citizen.say("water supply")
    assert citizen.say("cancel") == [text("utter_cancelled")]
    slots = citizen.slots()
    assert slots["service_code"] is None and slots["service_answers"] is None and slots["requested_slot"] is None


def test_backend_down_while_filing_then_back(stack):
    citizen = Citizen(stack, "+919800000106")
    citizen.say("I want to file a complaint")
    citizen.say("roads")
    assert citizen.say("Big pothole outside the bus stand") == [text("utter_ask_grievance_ward")]
    stack.stop("backend")
    try:  # the last answer is checked by the filing, which cannot be made: the whole complaint is kept
        assert citizen.say("ward 12") == [text("utter_grievance_kept_for_retry")]
        [kept] = citizen.slots()["service_pending"]  # apart from the form, which is free for another service
        slots = kept["slots"]
        assert slots["service_code"] == "grievance" and citizen.slots()["service_code"] is None
        assert slots["service_answers"]["problem"] == "roads" and slots["service_answers"]["ward"] == "ward 12"
        assert slots["service_labels"]["problem"] == words("grievance_category.roads")
        assert slots["service_answers"]["description"] == "Big pothole outside the bus stand"
    finally:
        stack.start("backend")
    replies = citizen.say("yes")
    reference = REFERENCE.search(replies[0]).group()
    case = case_in_database(stack, reference)
    assert case.details == {"category": "roads", "department": "ENGINEERING",
                            "description": "Big pothole outside the bus stand", "ward": "BMC-W12", "sla_hours": 120}


def test_restart_keeps_conversations_and_cases(stack):
    citizen = Citizen(stack, "+919800000107")
    reference = file_grievance(citizen)
    citizen.say("I want to file a complaint")
    citizen.say("1")  # garbage
    stack.stop()
    stack.start()
    slots = citizen.slots()
    assert (slots["service_code"], slots["service_answers"]["problem"]) == ("grievance", "1")  # by its number
    assert slots["service_labels"]["problem"] == words("grievance_category.garbage")
    assert citizen.say("Bins overflowing near the park") == [text("utter_ask_grievance_ward")]
    assert REFERENCE.search(citizen.say("ward 7")[0])
    assert case_in_database(stack, reference).state == "PENDING_AT_OFFICIAL"


def test_backend_too_slow_at_filing_then_yes_files_exactly_once(stack):
    """The database is locked while the citizen finishes the form: the action's request times out,
    the citizen is told their answers are kept; "yes" retries with the same idempotency key, so the
    case the slow request created anyway is not filed a second time."""
    citizen = Citizen(stack, "+919800000108")
    citizen.say("I want to file a complaint")
    citizen.say("water supply")
    citizen.say("No water in the taps since Monday")
    database = stack.config.effective_database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database, timeout=1) as lock:
        lock.execute("BEGIN EXCLUSIVE")
        replies = citizen.say("Patia")
        time.sleep(1)
        lock.rollback()
    assert replies == [text("utter_grievance_kept_for_retry")]
    assert len(citizen.slots()["service_pending"]) == 1
    replies = citizen.say("yes")
    assert len(replies) == 1
    reference = REFERENCE.search(replies[0]).group()
    with get_session_factory(stack.config.effective_database_url)() as session:
        filed = session.scalars(select(Case).where(Case.citizen_phone == "+919800000108")).all()
    assert [c.reference for c in filed] == [reference]
    assert filed[0].details["ward"] == "BMC-W03"
    assert citizen.slots()["service_pending"] is None
    assert citizen.say("yes") == [text("utter_help")]  # nothing pending any more: no second filing

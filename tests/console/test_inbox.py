"""The inbox query, on SQLite and PostgreSQL: only the cases the person may act on, soonest due
first, a page at a time, with the filters and the search by reference or mobile's last digits."""
from datetime import timedelta

from sqlalchemy.orm import Session

from backend.console.inbox import PAGE_SIZE, Filters, page_of
from backend.db import get_session_factory
from backend.models import Person
from backend.services import grievance, people
from backend.workflow import load_workflows
from tests.conftest import NOW

DEPARTMENTS = ["ELECTRICAL", "ENGINEERING", "SANITATION", "WATER"]


def _file(session: Session, settings, *, ward: int, category: str = "drainage", phone: str, days_ago: float = 0) -> str:
    case, _ = grievance.file_grievance(
        session, workflow=load_workflows(settings.workflows_dir)["grievance"], masterdata_dir=settings.masterdata_dir,
        category_code=category, description="Needs fixing", ward_code=f"ward {ward}", citizen_phone=phone, language="en",
        channel="twilio_whatsapp", actor_role="CITIZEN", actor_id=phone, idempotency_key=None,
        now=NOW - timedelta(days=days_ago), timezone=settings.timezone,
    )
    return case.reference


def test_the_inbox_pages_sorts_filters_and_searches_only_what_the_person_may_act_on(settings):
    workflows = load_workflows(settings.workflows_dir)
    with get_session_factory(settings.database_url)() as session:
        people.seed(session, masterdata_dir=settings.masterdata_dir, now=NOW)
        mine = [_file(session, settings, ward=1 + n % 30, phone=f"+9198123{n:05d}", days_ago=n / 4) for n in range(30)]
        others = [_file(session, settings, ward=40, phone="+919812399990"),  # BMC-ENG-S's wards
                  _file(session, settings, ward=5, category="streetlight", phone="+919812399991")]  # another department
        session.commit()
        engineer = session.get(Person, "BMC-ENG-N")

        def shown(**query: str) -> tuple[list[str], bool]:
            filters = Filters.from_query(query, workflows=workflows, departments=DEPARTMENTS)
            cases, more = page_of(session, person=engineer, workflows=workflows, filters=filters, now=NOW)
            return [c.reference for c in cases], more

        first, more = shown()
        second, last = shown(page="2")
        assert more and not last and len(first) == PAGE_SIZE
        assert first + second == list(reversed(mine))  # filed longest ago, due soonest
        assert not set(others) & set(first + second)

        overdue, _ = shown(overdue="1")  # drains: 48 hours to act
        assert overdue == list(reversed(mine))[:len(overdue)] and 0 < len(overdue) < 30
        assert shown(ward="7")[0] == [r for n, r in enumerate(reversed(mine)) if 1 + (29 - n) % 30 == 7]
        assert shown(q=mine[3].lower().replace("-", " "))[0] == [mine[3]]  # as a person types it
        assert shown(q="00011")[0] == [] and shown(q="0011")[0] == [mine[11]]  # the last 4 digits only
        assert shown(q="nothing")[0] == []
        assert shown(service="grievance", state="PENDING_AT_OFFICIAL", department="ENGINEERING")[0] == first
        assert shown(service="certificate")[0] == []
        # What is not understood is ignored, not refused.
        assert Filters.from_query({"ward": "abc", "service": "evil", "page": "-1", "state": "X"}, workflows=workflows,
                                  departments=DEPARTMENTS) == Filters()

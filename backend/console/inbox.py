"""The inbox: the cases a person may act on, soonest due first, filtered, a page at a time.

One query over the indexed area columns (access.inbox_condition) with LIMIT and OFFSET: it never
loads more than a page, whatever the number of cases. There is no total count (a count over
100,000 rows costs more than the page); a page says whether another follows."""

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import false, select
from sqlalchemy.orm import Session, noload
from sqlalchemy.sql.elements import ColumnElement

from backend.models import Case, Person
from backend.services.access import inbox_condition
from backend.workflow import WorkflowDef
from common.references import normalise_reference

PAGE_SIZE = 25
LAST_PAGE = 4000  # 100,000 cases; beyond that, filters find a case faster than paging
MOBILE_TAIL = re.compile(r"\d{4}")


def states(workflows: dict[str, WorkflowDef]) -> list[str]:
    """Every state a case may be in, each once, in the workflows' order."""
    return list(dict.fromkeys(s for w in workflows.values() for s in w.states))


@dataclass(frozen=True)
class Filters:
    service: str = ""
    state: str = ""
    ward: int | None = None
    department: str = ""
    overdue: bool = False
    q: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, params: dict[str, str], *, workflows: dict[str, WorkflowDef], departments: list[str]) -> "Filters":
        """What the filter form sent; anything unknown is ignored rather than refused."""

        def number(name: str, top: int) -> int | None:
            text = (params.get(name) or "").strip()
            return int(text) if text.isdigit() and 0 < int(text) <= top else None

        return cls(
            service=params.get("service", "") if params.get("service") in workflows else "",
            state=params.get("state", "") if params.get("state") in states(workflows) else "",
            ward=number("ward", 999),
            department=params.get("department", "") if params.get("department") in departments else "",
            overdue=params.get("overdue") == "1",
            q=(params.get("q") or "").strip()[:40],
            page=number("page", LAST_PAGE) or 1,
        )

    def link(self, page: int) -> str:
        """This page's filters on another page: /console/inbox?...&page=2."""
        values = {k: v for k, v in asdict(self).items() if v not in ("", None, False, 1) and k != "page"}
        values = {k: "1" if v is True else v for k, v in values.items()}
        return "/console/inbox?" + urlencode({**values, "page": page})


def search_condition(text: str) -> ColumnElement[bool]:
    """A reference (as a citizen writes it: grv 2026 12), or the last 4 digits of the mobile."""
    reference = normalise_reference(text)
    if reference:
        return Case.reference == reference
    if MOBILE_TAIL.fullmatch(text):
        return Case.citizen_phone.like(f"%{text}")
    return false()


def page_of(
    session: Session,
    *,
    person: Person,
    workflows: dict[str, WorkflowDef],
    filters: Filters,
    now: datetime,
) -> tuple[list[Case], bool]:
    """-> (the page's cases, whether another page follows)."""
    query = select(Case).where(inbox_condition(person, workflows)).options(noload(Case.history))
    if filters.service:
        query = query.where(Case.service == filters.service)
    if filters.state:
        query = query.where(Case.state == filters.state)
    if filters.ward is not None:
        query = query.where(Case.ward_number == filters.ward)
    if filters.department:
        query = query.where(Case.department == filters.department)
    if filters.overdue:
        query = query.where(Case.sla_due_at < now)
    if filters.q:
        query = query.where(search_condition(filters.q))
    query = (
        query.order_by(Case.sla_due_at.asc().nulls_last(), Case.id.asc())
        .offset((filters.page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    rows = list(session.scalars(query))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE

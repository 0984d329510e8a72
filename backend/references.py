"""Reference numbers: PREFIX-YEAR-NNNNNN, one sequence per prefix and year, safe across workers."""

import re

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import ReferenceCounter

_LOOSE = re.compile(r"^\s*([A-Za-z]{3})[\s\-_/]*(\d{4})[\s\-_/]*(\d{1,6})\s*$")


def format_reference(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:06d}"


def normalise_reference(text: str) -> str | None:
    """'grv 2026 12' or 'GRV2026000012' -> 'GRV-2026-000012'; None if it is not a reference."""
    match = _LOOSE.match(text or "")
    if not match:
        return None
    prefix, year, value = match.groups()
    return format_reference(prefix.upper(), int(year), int(value))


def next_reference(session: Session, *, prefix: str, year: int) -> str:
    # UPDATE ... RETURNING takes a row lock, so two workers never get the same number.
    bump = (
        update(ReferenceCounter)
        .where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
        .values(last_value=ReferenceCounter.last_value + 1)
        .returning(ReferenceCounter.last_value)
    )
    value = session.execute(bump).scalar_one_or_none()
    if value is None:
        try:
            with session.begin_nested():
                session.execute(insert(ReferenceCounter).values(prefix=prefix, year=year, last_value=1))
            value = 1
        except IntegrityError:  # another worker created the counter first
            value = session.execute(bump).scalar_one()
    return format_reference(prefix, year, value)

"""Reference numbers: PREFIX-YEAR-NNNNNN, one sequence per prefix and year, safe across workers."""

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.models import ReferenceCounter
from common.references import format_reference


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

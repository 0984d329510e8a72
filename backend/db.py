"""Engine and session factory; one engine per database URL. What a failed statement carries never
reaches an error message (and so a log): its bound parameters are hidden, and PostgreSQL's DETAIL
line, which repeats the failing row or key (recipients' numbers, message bodies with names), is cut;
code that needs it reads the driver's diagnostics (orig.diag.detail)."""

from functools import lru_cache
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Executable, bindparam, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session, sessionmaker


@lru_cache
def get_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"check_same_thread": False, "timeout": 15}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            # WAL lets the API read while another worker writes; foreign keys are off by default in SQLite.
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    engine = create_engine(database_url, pool_pre_ping=True, hide_parameters=True)
    event.listen(engine, "handle_error", _first_line_only)
    return engine


def _first_line_only(context: ExceptionContext) -> None:
    for error in (context.sqlalchemy_exception, context.original_exception):
        if error is not None and error.args and isinstance(error.args[0], str) and "\n" in error.args[0]:
            error.args = (error.args[0].split("\n", 1)[0], *error.args[1:])


@lru_cache
def get_session_factory(database_url: str) -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(database_url), expire_on_commit=False)


def rows_changed(session: Session, statement: Executable) -> int:
    """How many rows an UPDATE or DELETE changed. For those Session.execute returns a CursorResult,
    which has the count; its annotation says only Result."""
    return cast(CursorResult[Any], session.execute(statement)).rowcount


def literal_in(column, values: tuple[str, ...]):  # noqa: ANN001, ANN201
    """`column IN (...)` rendered as constants, not bound parameters: SQLite and PostgreSQL's
    prepared statements use a partial index only when the query states its condition literally."""
    return column.in_(bindparam(f"{column.key}_{len(values)}_{values[0]}", values, expanding=True, literal_execute=True))

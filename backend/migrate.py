"""Bring the database schema to the newest Alembic revision. The app calls this on start."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from backend.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ADVISORY_LOCK_ID = 74_110_2026  # any constant: one migrating worker at a time on PostgreSQL


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = get_engine(database_url)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several workers may start at once; the others wait here and then find nothing to do.
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
        config = alembic_config(database_url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

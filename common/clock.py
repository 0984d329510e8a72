"""The citizen's calendar: dates and years in messages and reference numbers are in this zone."""

import os
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

TIME_ZONE_VARIABLE = "SATHI_TIMEZONE"  # the backend's Settings.timezone reads the same variable
DEFAULT_TIME_ZONE = "Asia/Kolkata"


def configured_time_zone(environ: Mapping[str, str] | None = None) -> str:
    return (environ if environ is not None else os.environ).get(TIME_ZONE_VARIABLE) or DEFAULT_TIME_ZONE


@lru_cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_zone() -> ZoneInfo:
    """The zone of this process's configuration (SATHI_TIMEZONE, by default India's)."""
    return zone(configured_time_zone())


DAY_FORMAT = "%d-%m-%Y"  # how a date is written in India: 04-12-2026
TIME_FORMAT = "%H:%M"


def local_day(value: datetime | date | str | None) -> str:
    """A day as the citizen reads it: a moment in this zone, a date as it is (ISO text for either)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(local_zone()).date()
    return value.strftime(DAY_FORMAT)


def local_time(value: datetime | str) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(local_zone()).strftime(TIME_FORMAT)


def local_moment(value: datetime | str) -> str:
    """A day and its hour (a deadline hours away): 04-12-2026 14:30."""
    return f"{local_day(value)} {local_time(value)}"

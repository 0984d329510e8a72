"""The citizen's calendar: dates and years in messages and reference numbers are in this zone."""

import os
from collections.abc import Mapping
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

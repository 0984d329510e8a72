"""Panchayat Swayam Sewaks from the roster (backend/masterdata/field_agents.yml), found by phone."""
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from backend.services.citizens import normalise_phone
from locales.script import native_digits_to_ascii

_MOBILE = re.compile(r"^[6-9]\d{9}$")  # an Indian mobile number, without +91 or the leading 0


@dataclass(frozen=True)
class FieldAgent:
    id: str
    name: str
    phone: str
    gram_panchayat: str


@lru_cache
def _roster(masterdata_dir: Path) -> dict[str, FieldAgent]:
    raw = yaml.safe_load((masterdata_dir / "field_agents.yml").read_text(encoding="utf-8"))
    agents = [FieldAgent(a["id"], a["name"], normalise_phone(a["phone"]), a["gram_panchayat"]) for a in raw["field_agents"]]
    return {a.phone: a for a in agents}


def agent_for(masterdata_dir: Path, phone: str) -> FieldAgent | None:
    return _roster(masterdata_dir).get(normalise_phone(phone or ""))


def mobile_number(text: str) -> str | None:
    """A citizen's mobile as typed ("98765 43210", "+91-98765-43210", "०९८७६५४३२१०") -> +919876543210."""
    digits = re.sub(r"[\s\-()]", "", native_digits_to_ascii(text or ""))
    digits = digits.removeprefix("+91") if digits.startswith("+91") else digits
    digits = digits[1:] if len(digits) == 11 and digits.startswith("0") else digits
    digits = digits[2:] if len(digits) == 12 and digits.startswith("91") else digits
    return f"+91{digits}" if _MOBILE.match(digits) else None

"""Wards and localities from master data, matched from what a citizen types."""
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from locales.script import match_key, native_digits_to_ascii


@dataclass(frozen=True)
class Ward:
    ulb: str
    number: int

    @property
    def code(self) -> str:
        return f"{self.ulb}-W{self.number:02d}"


@dataclass(frozen=True)
class _Ulb:
    code: str
    ward_count: int
    localities: dict[str, int]  # match_key of a name in any script -> ward number


@lru_cache
def _load_ulbs(masterdata_dir: Path) -> tuple[_Ulb, ...]:
    raw = yaml.safe_load((masterdata_dir / "wards.yml").read_text(encoding="utf-8"))
    ulbs = []
    for item in raw["ulbs"]:
        names = {}
        for locality in item.get("localities", []):
            for key in ("en", "or", "hi"):
                if key in locality:
                    names[match_key(locality[key])] = int(locality["ward"])
        ulbs.append(_Ulb(code=item["code"], ward_count=int(item["ward_count"]), localities=names))
    return tuple(ulbs)


_NUMBER = re.compile(r"\b(\d{1,3})\b")


def match_ward(masterdata_dir: Path, text: str, *, ulb: str | None = None) -> Ward | None:
    """A known locality name, typed in any script or loose Latin spelling, or a ward number
    ("12", "ward 12", "वार्ड १२"); None when nothing fits."""
    ulbs = [u for u in _load_ulbs(masterdata_dir) if ulb in (None, u.code)]
    if not ulbs:
        return None
    cleaned = native_digits_to_ascii(text or "")
    key = f" {match_key(cleaned)} "
    for candidate in ulbs:
        for name, number in candidate.localities.items():
            if f" {name} " in key:
                return Ward(candidate.code, number)
    number = _NUMBER.search(cleaned)
    if number:
        home = ulbs[0]
        if 1 <= int(number.group(1)) <= home.ward_count:
            return Ward(home.code, int(number.group(1)))
    return None

"""Wards and localities from master data, matched from what a citizen types."""

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

import locales
from common.places import parse_ward_code, ward_code
from locales.numbers import with_digits
from locales.script import longest_named, match_key, native_digits_to_ascii


@dataclass(frozen=True)
class Ward:
    ulb: str
    number: int

    @property
    def code(self) -> str:
        return ward_code(self.ulb, self.number)


@dataclass(frozen=True)
class _Ulb:
    code: str
    ward_count: int
    localities: dict[str, int]  # match_key of a name in any script -> ward number
    boundaries: dict[int, tuple[tuple[float, float], ...]]  # ward number -> polygon of (lat, lon)


@lru_cache
def _load_ulbs(masterdata_dir: Path) -> tuple[_Ulb, ...]:
    raw = yaml.safe_load((masterdata_dir / "wards.yml").read_text(encoding="utf-8"))
    ulbs = []
    for item in raw["ulbs"]:
        names = {}
        for locality in item.get("localities", []) + item.get("landmarks", []):
            for key in ("en", "or", "hi"):
                if key in locality:
                    names[match_key(locality[key])] = int(locality["ward"])
        boundaries = {
            int(n): tuple((float(a), float(b)) for a, b in corners) for n, corners in (item.get("boundaries") or {}).items()
        }
        ulbs.append(_Ulb(code=item["code"], ward_count=int(item["ward_count"]), localities=names, boundaries=boundaries))
    return tuple(ulbs)


def ulbs(masterdata_dir: Path) -> tuple[_Ulb, ...]:
    """Every town of the master data, with its number of wards."""
    return _load_ulbs(masterdata_dir)


_NUMBER = re.compile(r"\b(\d{1,3})\b")
# The words that may stand around a ward's number said in words ("वार्ड बारह", "ward no. baara"):
# elsewhere in a place number words are ordinary words ("ek mandir ke paas" is "near a temple").
WARD_WORDS = ("ward", "vard", "wad", "वार्ड", "ୱାର୍ଡ", "no", "number", "nambar", "नंबर", "नम्बर", "ନମ୍ବର")


def _ward_said_in_words(masterdata_dir: Path, text: str) -> str:
    """The ward's number said in words beside only ward words and town names ("ward twelve
    Bhubaneswar", "ୱାର୍ଡ ବାର ଭୁବନେଶ୍ୱର"), in digits; "" otherwise."""
    said = with_digits(text).split()
    towns = (name for names in ulb_names(masterdata_dir).values() for name in names.values())
    ward_words = {match_key(word) for word in WARD_WORDS} | {match_key(word) for name in towns for word in name.split()}
    numbers = [word for word in said if word.isdigit()]
    others = [word for word in said if not word.isdigit()]
    return numbers[0] if len(numbers) == 1 and all(match_key(word) in ward_words for word in others) else ""


def match_ward(masterdata_dir: Path, text: str, *, ulb: str | None = None) -> Ward | None:
    """A known locality or landmark, typed in any script or loose Latin spelling, or a ward number
    ("12", "ward 12", "वार्ड १२", "वार्ड बारह"); None when nothing fits, or two numbers do ("25/12")."""
    ulbs = [u for u in _load_ulbs(masterdata_dir) if ulb in (None, u.code)]
    if not ulbs:
        return None
    code = parse_ward_code(text)
    if code:  # already a ward code, as the bot and the API pass it on
        known = next((u for u in ulbs if u.code == code[0]), None)
        number = code[1]
        return Ward(known.code, number) if known and 1 <= number <= known.ward_count else None
    cleaned = native_digits_to_ascii(text or "")
    key = f" {match_key(cleaned)} "
    for candidate in ulbs:
        for name, number in candidate.localities.items():
            if f" {name} " in key:
                return Ward(candidate.code, number)
    # One number is a ward's ("12", "ward 12 mein"); two are something else (a date "25/12", "house 14, lane 3").
    numbers = _NUMBER.findall(cleaned) or _NUMBER.findall(_ward_said_in_words(masterdata_dir, cleaned))
    if len(numbers) == 1:
        home = ulbs[0]
        if 1 <= int(numbers[0]) <= home.ward_count:
            return Ward(home.code, int(numbers[0]))
    return None


def _inside(point: tuple[float, float], polygon: tuple[tuple[float, float], ...]) -> bool:
    """Ray casting: a point is inside when a ray from it crosses the outline an odd number of times."""
    lat, lon = point
    inside = False
    for (lat1, lon1), (lat2, lon2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (lon1 > lon) != (lon2 > lon) and lat < lat1 + (lon - lon1) * (lat2 - lat1) / (lon2 - lon1):
            inside = not inside
    return inside


def locate_ward(masterdata_dir: Path, latitude: float, longitude: float) -> Ward | None:
    """The ward whose boundary holds a location pin; None outside every known ward."""
    for ulb in _load_ulbs(masterdata_dir):
        for number, polygon in ulb.boundaries.items():
            if _inside((latitude, longitude), polygon):
                return Ward(ulb.code, number)
    return None


@dataclass(frozen=True)
class Village:
    key: str  # match_key of one of its names
    name: dict[str, str]
    gram_panchayat: str
    gram_panchayat_name: dict[str, str]
    served_by_ulb: str
    block: str = ""
    district: str = ""


@lru_cache
def villages(masterdata_dir: Path) -> tuple[Village, ...]:
    """Every name of every village in backend/masterdata/gram_panchayats.yml, in any script."""
    raw = yaml.safe_load((masterdata_dir / "gram_panchayats.yml").read_text(encoding="utf-8"))
    found = []
    for block in raw["blocks"]:
        for gp in block["gram_panchayats"]:
            for village in gp["villages"]:
                for name in village.values():
                    found.append(
                        Village(
                            match_key(name),
                            village,
                            gp["code"],
                            gp["name"],
                            block["served_by_ulb"],
                            block["code"],
                            block.get("district", ""),
                        )
                    )
    return tuple(found)


def find_village(masterdata_dir: Path, gram_panchayat: str, name: str) -> Village | None:
    key = match_key(name or "")
    return next((v for v in villages(masterdata_dir) if v.gram_panchayat == gram_panchayat and v.key == key), None)


@lru_cache
def ulb_names(masterdata_dir: Path) -> dict[str, dict[str, str]]:
    raw = yaml.safe_load((masterdata_dir / "wards.yml").read_text(encoding="utf-8"))
    return {item["code"]: item.get("name", {"en": item["code"]}) for item in raw["ulbs"]}


@lru_cache
def ulb_districts(masterdata_dir: Path) -> dict[str, str]:
    raw = yaml.safe_load((masterdata_dir / "wards.yml").read_text(encoding="utf-8"))
    return {item["code"]: item.get("district", "") for item in raw["ulbs"]}


@lru_cache
def area_names(masterdata_dir: Path) -> dict[str, dict[str, str]]:
    """Names of districts and blocks by code, in the languages the master data has."""
    raw = yaml.safe_load((masterdata_dir / "gram_panchayats.yml").read_text(encoding="utf-8"))
    names = {d["code"]: d["name"] for d in raw.get("districts", [])}
    names.update({b["code"]: b["name"] for b in raw["blocks"]})
    return names


def match_place(masterdata_dir: Path, text: str, language: str, *, villages_too: bool = True) -> tuple[dict, str] | None:
    """-> (the place, its name in the language) for a village (with its gram panchayat, block and
    district) or a ward of a town (a locality or landmark, or a ward number, with the town named
    or else the first town in the master data); None when nothing fits."""
    key = f" {match_key(native_digits_to_ascii(text or ''))} "
    known = villages(masterdata_dir) if villages_too else ()  # a ward only: a village named nearby is a landmark
    village = next((v for v in sorted(known, key=lambda v: -len(v.key)) if f" {v.key} " in key), None)
    if village:
        label = locales.render(
            "place.village",
            language,
            village=village.name.get(language) or village.name["en"],
            gram_panchayat=village.gram_panchayat_name.get(language) or village.gram_panchayat_name["en"],
        )["text"]
        return {
            "kind": "village",
            "gram_panchayat": village.gram_panchayat,
            "village": village.name["en"],
            "ulb": village.served_by_ulb,
            "tariff_area": "GP",
            "block": village.block,
            "district": village.district,
        }, label
    town = ulb_named_in(masterdata_dir, text)
    ward = match_ward(masterdata_dir, text, ulb=town.code if town else None)
    return _ward_place(masterdata_dir, ward, language) if ward else None


def place_at(masterdata_dir: Path, latitude: float, longitude: float, language: str) -> tuple[dict, str] | None:
    """A location pin's place, as match_place gives it: the ward whose boundary holds it (villages
    have no boundaries in the master data); None outside every known ward."""
    ward = locate_ward(masterdata_dir, latitude, longitude)
    return _ward_place(masterdata_dir, ward, language) if ward else None


def _ward_place(masterdata_dir: Path, ward: Ward, language: str) -> tuple[dict, str]:
    names = ulb_names(masterdata_dir)[ward.ulb]
    label = locales.render("place.ward", language, number=ward.number, ulb=names.get(language) or names["en"])["text"]
    return {
        "kind": "ward",
        "ward": ward.code,
        "ulb": ward.ulb,
        "tariff_area": ward.ulb,
        "district": ulb_districts(masterdata_dir).get(ward.ulb, ""),
    }, label


def ulb_named_in(masterdata_dir: Path, text: str) -> _Ulb | None:
    """The town a citizen named ("ward 18 Cuttack", "कटक", "ପୁରୀ"), if any."""
    return longest_named(
        text,
        ((name, ulb) for ulb in _load_ulbs(masterdata_dir) for name in (ulb.code, *ulb_names(masterdata_dir)[ulb.code].values())),
    )

"""Codes of places: a ward as its town's (ULB's) code and number ('BMC-W12'), a postal PIN code, a
location pin as a geo URI (RFC 5870: 'geo:20.2961,85.845'), the answer a pin gives to a place question."""

import re

from common.digits import native_digits_to_ascii

_WARD_CODE = re.compile(r"^([A-Z]{2,6})-W([0-9]{1,3})$")
_PIN_CODE = re.compile(r"^[1-9][0-9]{5}$")  # six digits; India's first digit is a region, 1 to 9
_GEO_URI = re.compile(r"^geo:(-?\d{1,2}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?)(?:;.*)?$")  # ;u=... parameters ignored


def geo_uri(latitude: float, longitude: float) -> str:
    return f"geo:{latitude:.6f},{longitude:.6f}"


def is_geo_uri(text: str | None) -> bool:
    """Whether the text means to be a location ("geo:..."), well written or not."""
    return (text or "").strip().lower().startswith("geo:")


def parse_geo_uri(text: str | None) -> tuple[float, float] | None:
    """'geo:20.2961,85.845' (any case, spaces ignored) -> (20.2961, 85.845); None when it is not a
    location on the globe."""
    found = _GEO_URI.match("".join((text or "").split()).lower())
    if not found:
        return None
    latitude, longitude = float(found.group(1)), float(found.group(2))
    return (latitude, longitude) if abs(latitude) <= 90 and abs(longitude) <= 180 else None


def ward_code(ulb: str, number: int) -> str:
    return f"{ulb}-W{number:02d}"


def parse_ward_code(text: str | None) -> tuple[str, int] | None:
    """'BMC-W12' -> ('BMC', 12); None when it is not a ward code."""
    code = _WARD_CODE.match((text or "").strip())
    return (code.group(1), int(code.group(2))) if code else None


def pin_code(text: str | None) -> str | None:
    """A PIN code as typed ('751 024', '७५१०२४') -> '751024'; None when it is not one."""
    digits = re.sub(r"[\s\-]", "", native_digits_to_ascii(text or ""))
    return digits if _PIN_CODE.match(digits) else None

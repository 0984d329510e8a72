"""What a Panchayat Swayam Sewak types for the citizen they file for (who is an agent is the people
table's: backend/services/turn_grants.field_agent)."""

import re

from locales.script import native_digits_to_ascii

_MOBILE = re.compile(r"^[6-9]\d{9}$")  # an Indian mobile number, without +91 or the leading 0


def mobile_number(text: str) -> str | None:
    """A citizen's mobile as typed ("98765 43210", "+91-98765-43210", "०९८७६५४३२१०") -> +919876543210."""
    digits = re.sub(r"[\s\-()]", "", native_digits_to_ascii(text or ""))
    digits = digits.removeprefix("+91") if digits.startswith("+91") else digits
    digits = digits[1:] if len(digits) == 11 and digits.startswith("0") else digits
    digits = digits[2:] if len(digits) == 12 and digits.startswith("91") else digits
    return f"+91{digits}" if _MOBILE.match(digits) else None

"""Phone numbers: one normal form for every channel (+91 and ten digits for an Indian mobile), so
a choice made on WhatsApp holds on SMS and voice, and a number an agent types finds the same citizen."""

import re

from common.digits import native_digits_to_ascii

_CHANNEL_PREFIX = re.compile(r"^(whatsapp|sms|tel|voice):", re.I)
_SPACING = re.compile(r"[\s\-()]")
# With or without +91, 91 or the trunk 0; a mobile starts with 6 to 9.
_INDIAN_MOBILE = re.compile(r"^(?:\+?91|0)?([6-9][0-9]{9})$")
_INTERNATIONAL = re.compile(r"^\+[0-9]{6,15}$")


def indian_mobile(text: str) -> str | None:
    """'whatsapp:+91 98765-43210', '09876543210', '०९८७६५४३२१०' -> '+919876543210'; None when the
    text is not an Indian mobile number."""
    compact = _SPACING.sub("", native_digits_to_ascii(_CHANNEL_PREFIX.sub("", (text or "").strip())))
    mobile = _INDIAN_MOBILE.match(compact)
    return f"+91{mobile.group(1)}" if mobile else None


def normalise_phone(raw: str) -> str:
    """The key a citizen is known by: an Indian mobile in its normal form, another international
    number without spacing, any other id (a test sender) as it came, without a channel prefix."""
    mobile = indian_mobile(raw)
    if mobile:
        return mobile
    bare = _CHANNEL_PREFIX.sub("", raw.strip())
    compact = _SPACING.sub("", bare)
    return compact if _INTERNATIONAL.match(compact) else bare

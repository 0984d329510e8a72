"""What a Panchayat Swayam Sewak types for the citizen they file for (who is an agent is the people
table's: backend/services/turn_grants.field_agent)."""

from common.phones import indian_mobile


def mobile_number(text: str) -> str | None:
    """A citizen's mobile as typed ("98765 43210", "+91-98765-43210", "०९८७६५४३२१०") -> +919876543210."""
    return indian_mobile(text)

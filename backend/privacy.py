"""Personal data never reaches the logs whole."""


def mask_phone(phone: str | None) -> str:
    """'whatsapp:+919876543210' -> '***3210'."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    return f"***{digits[-4:]}" if digits else "***"

"""The languages Sathi speaks: English, Hindi and Odia, by their ISO 639-1 codes."""

LANGUAGES = ("en", "hi", "or")
DEFAULT_LANGUAGE = "en"
# For a schema's or a query's pattern: exactly one of the codes.
LANGUAGE_PATTERN = "^(" + "|".join(LANGUAGES) + ")$"


def known_language(code: str | None) -> str:
    """The code itself when Sathi speaks it, else the default."""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE

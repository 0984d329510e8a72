"""Digits as people type them: Devanagari and Odia digits are read as the ASCII ones."""

import unicodedata


def native_digits_to_ascii(text: str) -> str:
    # Devanagari and Odia digits are Unicode decimals, so int()-style folding works for both.
    return "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c for c in text)

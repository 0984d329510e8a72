"""SMS bodies that fit: GSM-7 when every character allows it (160 a segment, 153 when joined),
UCS-2 otherwise (any Hindi or Odia: 70, 67 joined), and never more than the 1,600 characters a
single Twilio message may carry: longer text is split at line or sentence ends."""

import math
import re

from locales.script import is_gsm7

MAX_BODY_CHARS = 1600
_GSM7_EXTENDED = set("^{}\\[~]|€")  # these take two septets


def encoding(text: str) -> str:
    return "GSM-7" if is_gsm7("".join(ch for ch in text if ch not in _GSM7_EXTENDED)) else "UCS-2"


def segments(text: str) -> int:
    if encoding(text) == "GSM-7":
        length = len(text) + sum(ch in _GSM7_EXTENDED for ch in text)
        return 1 if length <= 160 else math.ceil(length / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def numbered_menu(text: str, titles: list[str]) -> str:
    return "\n".join([text, *(f"{number}. {title}" for number, title in enumerate(titles, start=1))])


def split_body(text: str, limit: int = MAX_BODY_CHARS) -> list[str]:
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    pieces = re.split(r"(?<=[\n।.!?])\s*", text)
    bodies, current = [], ""
    for piece in pieces:
        while len(piece) > limit:  # one sentence longer than a message: cut it
            piece_head, piece = piece[:limit], piece[limit:]
            if current:
                bodies.append(current)
                current = ""
            bodies.append(piece_head)
        candidate = f"{current} {piece}".strip() if current else piece
        if len(candidate) > limit:
            bodies.append(current)
            current = piece
        else:
            current = candidate
    if current:
        bodies.append(current)
    return [b for b in bodies if b.strip()]

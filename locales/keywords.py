"""Keywords a text channel acts on before the conversation: STOP and START in all three
languages (locales/keywords.yml), MENU (back to the assistant from a conversation with a person),
and STATUS followed by a reference number; and the words of the staff's chat (PENDING)."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from common.references import find_reference

KEYWORDS_FILE = Path(__file__).resolve().parent / "keywords.yml"


@dataclass(frozen=True)
class Keyword:
    kind: str  # stop | start | menu | status | pending
    language: str
    reference: str | None = None

    @property
    def about_messages(self) -> bool:
        """STOP or START: it turns messages to this number off or on."""
        return self.kind in ("stop", "start")


def _fold(text: str) -> str:
    return " ".join(text.casefold().strip(" \t\n.!।?").split())


@lru_cache
def _table() -> dict[str, tuple[str, str]]:
    data = yaml.safe_load(KEYWORDS_FILE.read_text(encoding="utf-8"))
    return {
        _fold(str(word)): (kind, language)
        for kind, by_language in data.items()
        for language, words in by_language.items()
        for word in words
    }


def match(text: str) -> Keyword | None:
    folded = _fold(text or "")
    if not folded or len(folded) > 60:
        return None
    hit = _table().get(folded)
    if hit and hit[0] in ("stop", "start", "menu"):
        return Keyword(hit[0], hit[1])
    found = find_reference(folded)
    if found:
        reference, start, end = found
        hit = _table().get(_fold(folded[:start]))
        if hit and hit[0] == "status" and not folded[end:].strip():
            return Keyword("status", hit[1], reference)
    return None


def is_word(text: str, kind: str) -> bool:
    """Whether the whole message is one of this kind's words, in any language (PENDING, बाकी, ବାକି)."""
    hit = _table().get(_fold(text or ""))
    return hit is not None and hit[0] == kind

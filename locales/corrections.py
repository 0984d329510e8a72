"""The new answer a correction gives in the same message: "change the name to Pradeep Rout" ->
"Pradeep Rout", "naam Ramesh Kumar kar do" -> "Ramesh Kumar", "the PIN should be 751002" ->
"751002"; "the name is wrong" gives none. And "back" said alone. The words are data
(locales/correction_words.yml)."""

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from locales.script import match_key

WORDS_FILE = Path(__file__).resolve().parent / "correction_words.yml"
_EDGES = " ,.!?;।\"'"


@lru_cache
def _phrases() -> dict[str, tuple[tuple[str, ...], ...]]:
    """kind -> its phrases as match keys word by word, longest first."""
    raw = yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))
    return {
        kind: tuple(sorted({tuple(_keys(str(p).split())) for p in phrases}, key=len, reverse=True))
        for kind, phrases in raw.items()
    }


def _keys(tokens: list[str]) -> list[str]:
    """Each word's match key in one piece ("पाँच" and "panch" alike); a sign (":", "=") as itself."""
    return ["".join(match_key(t).split()) or t.strip() for t in tokens]


def _find(keys: list[str], phrase: tuple[str, ...]) -> int | None:
    """Where the phrase's words start in the keys (its last occurrence), or None."""
    size = len(phrase)
    return next((i for i in range(len(keys) - size, -1, -1) if tuple(keys[i : i + size]) == phrase), None)


def is_back(text: str) -> bool:
    """Whether the message is only "back" in one of its forms ("peeche jao", "ପଛକୁ")."""
    return tuple(_keys(str(text or "").strip(_EDGES).split())) in _phrases()["back"]


def new_answer(text: str, names: Iterable[str]) -> str | None:
    """The words the message gives as the named answer's new value, or None when it gives none."""
    tokens = [t for t in str(text or "").replace(":", " : ").replace("=", " = ").split() if t.strip(_EDGES)]
    keys = _keys(tokens)
    found = [
        (len(phrase), start + len(phrase))
        for phrase in {tuple(_keys(name.split())) for name in names if match_key(name)}
        if (start := _find(keys, phrase)) is not None
    ]
    if not found:
        return None
    end = max(found)[1]
    rest, rest_keys = tokens[end:], keys[end:]
    opened = closed = False
    for phrase in _phrases()["before"]:
        if tuple(rest_keys[: len(phrase)]) == phrase:
            rest, rest_keys, opened = rest[len(phrase) :], rest_keys[len(phrase) :], True
            break
    for phrase in _phrases()["after"]:
        if len(rest_keys) > len(phrase) and tuple(rest_keys[-len(phrase) :]) == phrase:
            rest, rest_keys, closed = rest[: -len(phrase)], rest_keys[: -len(phrase)], True
            break
    if not (opened or closed) or not rest:
        return None
    if any(_find(rest_keys, phrase) is not None for phrase in _phrases()["not_an_answer"]):
        return None
    return " ".join(rest).strip(_EDGES) or None

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


def without_dont_know(text: str) -> str:
    """The message without "I don't know" in any of its forms ("मुझे नहीं पता" names no address)."""
    tokens = str(text or "").split()
    keys = _keys(tokens)
    for phrase in _phrases()["dont_know"]:
        while (at := _find(keys, phrase)) is not None:
            del tokens[at : at + len(phrase)], keys[at : at + len(phrase)]
    return " ".join(tokens)


def new_answer(text: str, names: Iterable[str]) -> str | None:
    """The words the message gives as the named answer's new value, or None when it gives none:
    after the name ("change the place to ward 12"), or before it ("make it three trips", "teen
    chakkar kar do")."""
    tokens = [t for t in str(text or "").replace(":", " : ").replace("=", " = ").split() if t.strip(_EDGES)]
    keys = _keys(tokens)
    found = sorted(
        (start, -len(phrase))
        for phrase in {tuple(_keys(name.split())) for name in names if match_key(name)}
        if (start := _find(keys, phrase)) is not None
    )
    for start, minus_size in found:  # the first name said ("the place to ward 12": not "ward")
        end = start - minus_size
        said = _value_after(tokens[end:], keys[end:]) or _value_before(tokens[:start], keys[:start], keys[end:])
        if said:
            return said
    return None


def _value_after(rest: list[str], rest_keys: list[str]) -> str | None:
    opened = closed = False
    for phrase in _phrases()["before"]:
        if tuple(rest_keys[: len(phrase)]) == phrase:
            rest, rest_keys, opened = rest[len(phrase) :], rest_keys[len(phrase) :], True
            break
    rest, rest_keys, closed = _closed(rest, rest_keys)
    if not (opened or closed) or not rest:
        return None
    return _answer(rest, rest_keys)


def _value_before(head: list[str], head_keys: list[str], tail_keys: list[str]) -> str | None:
    """The value said before the name: opened by "make it" or closed by "kar do" after the name."""
    opened = False
    for phrase in _phrases()["value_first"]:
        if len(head_keys) > len(phrase) and tuple(head_keys[: len(phrase)]) == phrase:
            head, head_keys, opened = head[len(phrase) :], head_keys[len(phrase) :], True
            break
    closer = not tail_keys or tuple(tail_keys) in _phrases()["after"]
    if not head or not closer or not (opened or tail_keys):
        return None
    return _answer(head, head_keys)


def _closed(rest: list[str], rest_keys: list[str]) -> tuple[list[str], list[str], bool]:
    for phrase in _phrases()["after"]:
        if len(rest_keys) > len(phrase) and tuple(rest_keys[-len(phrase) :]) == phrase:
            return rest[: -len(phrase)], rest_keys[: -len(phrase)], True
    return rest, rest_keys, False


def _answer(words: list[str], keys: list[str]) -> str | None:
    if any(_find(keys, phrase) is not None for phrase in _phrases()["not_an_answer"]):
        return None
    return " ".join(words).strip(_EDGES) or None

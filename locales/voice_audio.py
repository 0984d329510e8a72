"""Recorded prompts for languages Twilio cannot speak (Odia): each fixed piece of a voice text is
one audio file, named by a hash of its words, and the variable parts ({reference}, ...) are read
out by Twilio's en-IN voice. scripts/voice_prompts.py makes the files (espeak-ng by default; human
recordings replace them file for file, see the README)."""

import hashlib
import string
from pathlib import Path

from locales import CATALOG_DIR, load_catalog

AUDIO_DIR = CATALOG_DIR / "audio"
RECORDED_LANGUAGES = ("or",)  # hi-IN and en-IN are spoken by Twilio's <Say>
# Texts never played on a call: the officials' console's pages, its sign-in codes (sent by
# WhatsApp or SMS only), and the words that name a form's answers (matched, never said whole).
UNSPOKEN_PREFIXES = ("console.", "console_", "field_words.")
# ... but the staff's chat is also heard on a call (backend/console/call.py), with the names of the
# actions and the states it says.
SPOKEN_PREFIXES = ("console.chat.", "console.action.", "console.state.", "console.refused.")


def spoken_on_a_call(key: str) -> bool:
    return key.startswith(SPOKEN_PREFIXES) or not key.startswith(UNSPOKEN_PREFIXES)


def voice_template(key: str, language: str) -> str | None:
    entry = load_catalog(language).get(key)
    if entry is None:
        return None
    return entry if isinstance(entry, str) else (entry.get("voice") or entry.get("text"))


def _speakable(literal: str) -> str:
    return " ".join(literal.replace('"', " ").split()).strip(" ,")


def prompt_id(language: str, literal: str) -> str:
    return hashlib.sha1(f"{language}:{_speakable(literal)}".encode()).hexdigest()[:16]


def audio_path(language: str, prompt: str) -> Path:
    return AUDIO_DIR / language / f"{prompt}.wav"


def spoken_parts(key: str, language: str, variables: dict[str, str]) -> list[tuple[str, str]] | None:
    """[("play", prompt_id) | ("say", text)] for the key's voice text; None if a piece has no audio."""
    template = voice_template(key, language)
    if template is None:
        return None
    parts: list[tuple[str, str]] = []
    for literal, field, _, _ in string.Formatter().parse(template):
        if _speakable(literal) and any(ch.isalpha() or ch.isdigit() for ch in literal):
            prompt = prompt_id(language, literal)
            if not audio_path(language, prompt).exists():
                return None
            parts.append(("play", prompt))
        if field:
            nested = variables.get(f"{field}_key")
            inner = spoken_parts(nested, language, variables) if nested else None
            if inner is not None:
                parts.extend(inner)
            elif variables.get(field):
                parts.append(("say", str(variables[field])))
    return parts


def all_prompts(language: str) -> dict[str, str]:
    """prompt id -> the words, for every fixed piece of every text in the language's catalog."""
    prompts = {}
    for key in load_catalog(language):
        if not spoken_on_a_call(key):
            continue
        for literal, _, _, _ in string.Formatter().parse(voice_template(key, language) or ""):
            if _speakable(literal) and any(ch.isalpha() or ch.isdigit() for ch in literal):
                prompts[prompt_id(language, literal)] = _speakable(literal)
    return prompts

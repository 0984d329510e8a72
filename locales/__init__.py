"""The one renderer of every word a person reads or hears: bot replies and notifications alike.

Catalogs are locales/<language>.yml. A key maps to a text, or to a mapping with `text` and optional
channel variants (`whatsapp`, `sms`, `voice`) and `buttons`. Texts use {name} placeholders; a
variable whose name ends in `_key` names another catalog key, rendered in the same language and
channel and substituted as {name-without-_key}. This module runs in both the Rasa and the main
environment, so it needs only PyYAML, langdetect and indic-transliteration, which both lock files pin.
"""

import logging
import string
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from common.channels import KINDS as CHANNEL_VARIANTS
from common.channels import kind_of
from common.languages import DEFAULT_LANGUAGE, LANGUAGES
from locales.script import romanise

__all__ = ["CHANNEL_VARIANTS", "DEFAULT_LANGUAGE", "LANGUAGES"]  # from common/, for the callers of locales
CATALOG_DIR = Path(__file__).resolve().parent

logger = logging.getLogger(__name__)


class UnknownKey(KeyError):
    pass


@lru_cache
def load_catalog(language: str) -> dict[str, Any]:
    path = CATALOG_DIR / f"{language}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def variant_for_channel(channel: str | None) -> str | None:
    """Rasa's channel name ('twilio_sms', 'rest', ...) -> the catalog variant it uses, if any."""
    return kind_of(channel)


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def resolved_variables(language: str, channel: str | None, **variables: Any) -> dict[str, Any]:
    """The values a text is filled with: each *_key variable also gives its rendered words under
    the name without _key ({state_key: case_state.X} -> {state: "..."}), filled with the others."""
    plain = {name: value for name, value in variables.items() if not name.endswith("_key")}
    values = {}
    for name, value in variables.items():
        if name.endswith("_key"):
            named = name[: -len("_key")]
            if value:  # the named words may use the text's other values ("You asked for {visit_day}")
                values[named] = render(str(value), language, channel, **plain)["text"]
            elif named not in variables:  # no key and no plain value: no words
                values[named] = ""
        values[name] = "" if value is None else value
    return values


def count_key(base: str, count: int) -> str:
    """The key of the words for a count: base.one for 1, base.other otherwise ("1 day", "15 days";
    Hindi "1 दिन", "15 दिनों"). Passed as a *_key variable; its words use the count's own value."""
    return f"{base}.{'one' if count == 1 else 'other'}"


def catalog_words(key: str, language: str) -> str | None:
    """The key's words in the language, or None where the catalog has none (a category or a
    service added to the data before its words)."""
    try:
        return render(key, language)["text"]
    except UnknownKey:
        return None


def render(
    key: str, language: str | None = None, channel: str | None = None, *, latin_sms: bool = False, **variables: Any
) -> dict[str, Any]:
    """Returns {'text': ..., 'buttons': [...]} for the key, in the language and channel asked for.

    latin_sms: for a citizen who writes Hindi/Odia in Latin letters, SMS text is sent in Latin
    letters too (GSM-7: 160 characters a segment instead of 70, and readable on any handset)."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    entry = load_catalog(language).get(key)
    if entry is None and language != DEFAULT_LANGUAGE:
        logger.warning("locale key %s missing in %s; using %s", key, language, DEFAULT_LANGUAGE)
        entry = load_catalog(DEFAULT_LANGUAGE).get(key)
    if entry is None:
        raise UnknownKey(key)
    if isinstance(entry, str):
        entry = {"text": entry}

    values = resolved_variables(language, channel, **variables)
    variant = variant_for_channel(channel)
    template = entry.get(variant) if variant else None
    text = (template or entry["text"]).format_map(values)
    buttons = [
        {"title": str(b["title"]).format_map(values), "payload": str(b["payload"]).format_map(values)}
        for b in entry.get("buttons", [])
    ]
    if latin_sms and variant == "sms" and language != DEFAULT_LANGUAGE:
        text = romanise(text, language)
        # the menu too: SMS lists its options as text, and one native word makes the whole SMS UCS-2
        buttons = [{**button, "title": romanise(button["title"], language)} for button in buttons]
    return {"text": text, "buttons": buttons}

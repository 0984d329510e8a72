"""Writes data/nlu/catalog.yml from catalog/*.yml: how citizens ask for each service (its asked_as
examples, apply_certificate, with the service's own words marked as certificate_type) and a
pattern of those words, so the assistant learns a new service from its catalog file alone.
scripts/train.sh and scripts/test.sh run it before Rasa reads data/; the file is not kept in git.

    python -m scripts.catalog_nlu

Reads YAML only (no backend imports), so either environment can run it; the backend validates the
catalog itself when it starts (backend/services/catalog.py)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "catalog"
TARGET = ROOT / "data" / "nlu" / "catalog.yml"
HEADER = '# Written by scripts/catalog_nlu.py from catalog/*.yml; edit the catalog, not this file.\nversion: "3.1"\n'


def _marked(example: str, words: list[str]) -> str:
    """The example with the longest of the service's words in it marked as the entity."""
    lowered = example.lower()
    for word in sorted(words, key=len, reverse=True):
        at = lowered.find(word.lower())
        if at >= 0:
            return f"{example[:at]}[{example[at : at + len(word)]}](certificate_type){example[at + len(word) :]}"
    return example


def _pattern(words: list[str]) -> list[str]:
    """Latin words between word boundaries; Indic words without (\\b fails between a letter and its vowel sign)."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    latin = [re.escape(w) for w in ordered if w.isascii()]
    native = [re.escape(w) for w in ordered if not w.isascii()]
    return ([rf"(?i)\b({'|'.join(latin)})\b"] if latin else []) + ([f"({'|'.join(native)})"] if native else [])


def build(catalog: Path = CATALOG) -> str:
    services = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(catalog.glob("*.yml"))]
    examples = [
        _marked(e, s.get("words", [])) for s in services for form in sorted(s.get("asked_as", {})) for e in s["asked_as"][form]
    ]
    words = [w for s in services for w in s.get("words", [])]
    text = HEADER + "nlu:\n"
    if examples:  # a literal block, as Rasa's own files write examples
        text += "- intent: apply_certificate\n  examples: |\n" + "".join(f"    - {e}\n" for e in examples)
    if words:
        text += "- regex: certificate_type\n  examples: |\n" + "".join(f"    - {p}\n" for p in _pattern(words))
    return text


def main() -> None:
    text = build()
    if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
        TARGET.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

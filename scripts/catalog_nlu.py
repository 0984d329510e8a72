"""Writes data/nlu/catalog.yml from catalog/*.yml: how citizens ask for each service (its asked_as
examples, apply_certificate, with the service's own words marked as certificate_type) and a
pattern of those words, so the assistant learns a new service from its catalog file alone. The
words of each complaint category (backend/masterdata/grievance_categories.yml) become complaints
too: "kachra" or "ଅଳିଆ" alone, as a first message, is a complaint about garbage.
scripts/train.sh and scripts/test.sh run it before Rasa reads data/; the file is not kept in git.

    python -m scripts.catalog_nlu

Reads YAML only (no backend imports; locales.script's letter classes), so either environment can run it; the backend validates the
catalog itself when it starts (backend/services/catalog.py)."""

import re
from pathlib import Path

import yaml

from locales.script import NATIVE_LETTERS

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "catalog"
TARGET = ROOT / "data" / "nlu" / "catalog.yml"
CATEGORIES = ROOT / "backend" / "masterdata" / "grievance_categories.yml"
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
    """The words standing whole, as the backend reads them (locales.script.longest_named): Latin ones
    between \\b; Indic ones between characters that cannot continue a word, as \\b fails beside a
    vowel sign ("आय", income, inside "आया", came)."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    latin = [re.escape(w) for w in ordered if w.isascii()]
    native = [re.escape(w) for w in ordered if not w.isascii()]
    whole = f"[\\w{NATIVE_LETTERS}]"
    return ([rf"(?i)\b({'|'.join(latin)})\b"] if latin else []) + (
        [f"(?<!{whole})({'|'.join(native)})(?!{whole})"] if native else []
    )


def _examples_elsewhere() -> set[str]:
    """Examples the hand-written training data already has (Rasa refuses one example twice)."""
    found: set[str] = set()
    for path in (ROOT / "data" / "nlu").rglob("*.yml"):
        if path != TARGET:
            for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
                found |= {line[2:].strip().lower() for line in str(item.get("examples", "")).splitlines() if line.startswith("- ")}
    return found


def build(catalog: Path = CATALOG, categories: Path = CATEGORIES) -> str:
    # The applications (a number in the menu): a service with its own intent (desludging) is learnt from data/nlu.
    services = [s for p in sorted(catalog.glob("*.yml")) if "number" in (s := yaml.safe_load(p.read_text(encoding="utf-8")))]
    examples = [
        _marked(e, s.get("words", [])) for s in services for form in sorted(s.get("asked_as", {})) for e in s["asked_as"][form]
    ]
    words = [w for s in services for w in s.get("words", [])]
    text = HEADER + "nlu:\n"
    if examples:  # a literal block, as Rasa's own files write examples
        text += "- intent: apply_certificate\n  examples: |\n" + "".join(f"    - {e}\n" for e in examples)
    taken = _examples_elsewhere()
    named = [w for c in yaml.safe_load(categories.read_text(encoding="utf-8"))["categories"] for w in c["words"]]
    complaints = sorted({w for w in named if w.lower() not in taken}, key=named.index)
    if complaints:
        text += "- intent: file_grievance\n  examples: |\n" + "".join(f"    - {w}\n" for w in complaints)
    if words:
        text += "- regex: certificate_type\n  examples: |\n" + "".join(f"    - {p}\n" for p in _pattern(words))
    return text


def main() -> None:
    text = build()
    if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
        TARGET.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

"""Complaint categories (backend/masterdata/grievance_categories.yml): each with its department,
SLA and words, and their subcategories; and what a citizen's words say about which one they mean
(the catalog's `category` field type: a number or a category's own word is a choice, other words a
guess the conversation confirms)."""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from locales.script import longest_named, match_key

SUBCATEGORY_KEY = "grievance_subcategory"  # locales/: <it>.<category>.<subcategory> words a subcategory


@dataclass(frozen=True)
class Subcategory:
    code: str
    department: str
    sla_hours: int
    words: tuple[str, ...]


@dataclass(frozen=True)
class Category:
    code: str
    department: str
    sla_hours: int
    words: tuple[str, ...]
    subcategories: tuple[Subcategory, ...] = ()

    def subcategory(self, code: str | None) -> Subcategory | None:
        return next((s for s in self.subcategories if s.code == code), None)


@dataclass(frozen=True)
class CategoryMatch:
    category: Category
    subcategory: Subcategory | None
    # "number" or "code" when the citizen chose it; "words" when it is a guess from their text,
    # which the bot proposes and asks them to confirm.
    how: str


def _words(raw: dict) -> tuple[str, ...]:
    return tuple(str(w).casefold() for w in raw.get("words", []))


@lru_cache
def load_categories(masterdata_dir: Path) -> tuple[Category, ...]:
    raw = yaml.safe_load((masterdata_dir / "grievance_categories.yml").read_text(encoding="utf-8"))
    return tuple(
        Category(
            c["code"],
            c["department"],
            int(c["sla_hours"]),
            _words(c),
            tuple(
                Subcategory(s["code"], s.get("department", c["department"]), int(s["sla_hours"]), _words(s))
                for s in c.get("subcategories", [])
            ),
        )
        for c in raw["categories"]
    )


def match_category(masterdata_dir: Path, text: str) -> CategoryMatch | None:
    """By its number in the list, its code or one of its own words said alone ("garbage", "कचरा":
    the citizen's choice), or guessed from the words they used: the category most of whose words
    (a subcategory's included) stand whole in the text, then the longest such word ("naali jaam ho
    gayi, ganda paani beh raha hai" is a drain, though it names dirty water). Words are compared as
    every other answer is (locales.script.match_key: any script, loose spelling)."""
    categories = load_categories(masterdata_dir)
    cleaned = " ".join((text or "").casefold().split())
    if cleaned.isdigit() and 1 <= int(cleaned) <= len(categories):
        return CategoryMatch(categories[int(cleaned) - 1], None, "number")
    key = f" {match_key(cleaned)} "
    for category in categories:
        if cleaned.replace(" ", "_") == category.code or key.strip() in {match_key(w) for w in category.words}:
            return CategoryMatch(category, None, "code")
    scored = []
    for order, category in enumerate(categories):
        hits = [
            (len(folded), sub)
            for sub in (None, *category.subcategories)
            for word in (sub.words if sub else category.words)
            if (folded := match_key(word)) and f" {folded} " in key
        ]
        if hits:
            scored.append((len(hits), max(size for size, _ in hits), -order, category))
    if not scored:
        return None
    category = max(scored, key=lambda s: s[:3])[3]
    sub = longest_named(cleaned, ((w, s) for s in category.subcategories for w in s.words))
    return CategoryMatch(category, sub, "words")


def may_be_about(masterdata_dir: Path, text: str, code: str) -> bool:
    """Whether a citizen's words may be about a complaint of this category: they name no category,
    or this one, or say a word of it or of its subcategories ("ganda paani abhi bhi beh raha hai"
    after a blocked drain, though dirty water is guessed as water supply). A pothole is not about
    garbage."""
    category = next((c for c in load_categories(masterdata_dir) if c.code == code), None)
    if category is None:
        return False
    guess = match_category(masterdata_dir, text)
    if guess is None or guess.category.code == code:
        return True
    key = f" {match_key(' '.join(text.casefold().split()))} "
    own = (*category.words, *(w for sub in category.subcategories for w in sub.words))
    return any((folded := match_key(w)) and f" {folded} " in key for w in own)

"""Which of en / hi / or a citizen's message is in, and whether it is clear enough to switch to.

Devanagari means Hindi and Odia script means Odia. Latin text may be English, romanised Hindi or
romanised Odia; langdetect has no Odia and guesses wildly on short text, so Latin text goes to a
small naive Bayes classifier trained on Sathi's own NLU examples (data/nlu/<form>/, one folder per
form of writing), with a lexicon of romanised words that only one language uses, and langdetect
(seeded) as one more vote on longer English-looking text. Short replies ("ok", "haan", "1") are
never decisive, so they never flip the conversation's language, and neither is a message without
a single function word of the language it looks like (a name, a place: "Sanjay Kumar Mahato").
"""

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from common.languages import DEFAULT_LANGUAGE
from common.references import without_references
from locales.script import DEVANAGARI, LATIN, ODIA, letter_counts

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "data" / "nlu"
LEXICON_FILE = Path(__file__).resolve().parent / "romanised_words.yml"

# Forms of writing: the language, and whether it is typed in its own script or in Latin letters.
FORMS = ("en", "hi", "hi-latn", "or", "or-latn")
LATIN_FORMS = ("en", "hi-latn", "or-latn")
FORM_LANGUAGE: dict[str | None, str] = {"en": "en", "hi": "hi", "hi-latn": "hi", "or": "or", "or-latn": "or"}
SCRIPT_FORM = {DEVANAGARI: "hi", ODIA: "or"}  # LATIN is left to the classifier

MIN_DECISIVE_WORDS = 3
MIN_DECISIVE_PROBABILITY = 0.8
LEXICON_WEIGHT = 3.0  # log-odds one marker word adds; about what three telling n-grams add
_WORD = re.compile(r"[a-z]+")
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)")
DetectorFactory.seed = 0  # langdetect is random unless seeded; the same text must get the same answer


@dataclass(frozen=True)
class Detection:
    form: str | None  # one of FORMS; None when the text has no letters
    probability: float
    decisive: bool  # clear enough to change the conversation's language

    @property
    def language(self) -> str | None:
        return FORM_LANGUAGE.get(self.form)

    @property
    def latin_script(self) -> bool:
        return self.form in ("hi-latn", "or-latn")


def nlu_examples(path: Path) -> list[tuple[str, str]]:
    """(intent, plain text) for each example in a Rasa NLU file; entity markup is removed."""
    examples = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
        if "intent" not in block:  # regex and lookup blocks
            continue
        for line in (block.get("examples") or "").splitlines():
            text = _ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
            if text:
                examples.append((block["intent"], text))
    return examples


def training_examples(nlu_dir: Path = NLU_DIR) -> list[tuple[str, str]]:
    """(form, text) for every Latin-script NLU example, read from data/nlu/<form>/*.yml."""
    return [
        (form, text) for form in LATIN_FORMS for path in sorted((nlu_dir / form).glob("*.yml")) for _, text in nlu_examples(path)
    ]


def _features(text: str) -> list[str]:
    features = []
    for word in _WORD.findall(text.lower()):
        features.append("w:" + word)
        padded = f" {word} "
        features.extend(padded[i : i + n] for n in (2, 3, 4) for i in range(len(padded) - n + 1))
    return features


class LatinClassifier:
    """Multinomial naive Bayes over words and character 2-4-grams, for en / hi-latn / or-latn."""

    def __init__(self, examples: list[tuple[str, str]], smoothing: float = 0.3) -> None:
        self.smoothing = smoothing
        self.counts: dict[str, Counter] = defaultdict(Counter)
        documents: Counter[str] = Counter()
        for form, text in examples:
            self.counts[form].update(_features(text))
            documents[form] += 1
        self.forms = sorted(self.counts)
        total = sum(documents.values())
        self.log_prior = {f: math.log(documents[f] / total) for f in self.forms}
        self.totals = {f: sum(self.counts[f].values()) for f in self.forms}
        self.vocabulary = len(set().union(*self.counts.values())) if self.counts else 1

    def log_scores(self, text: str) -> dict[str, float]:
        features = [f for f in _features(text) if any(f in self.counts[form] for form in self.forms)]
        scores = {}
        for form in self.forms:
            denominator = self.totals[form] + self.smoothing * self.vocabulary
            scores[form] = self.log_prior[form] + sum(
                math.log((self.counts[form][f] + self.smoothing) / denominator) for f in features
            )
        return scores


def _softmax(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    exp = {k: math.exp(v - top) for k, v in scores.items()}
    norm = sum(exp.values())
    return {k: v / norm for k, v in exp.items()}


@lru_cache
def lexicon() -> dict[str, str]:
    """Romanised word -> the form it marks (only words one language uses, e.g. 'achhi' -> or-latn)."""
    raw = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    return {word.lower(): form for form, words in raw.items() for word in words}


@lru_cache
def latin_classifier() -> LatinClassifier:
    return LatinClassifier(training_examples())


def _langdetect_english(text: str) -> float | None:
    """P(English) from langdetect, or None when it cannot say."""
    try:
        return next((c.prob for c in detect_langs(text) if c.lang == "en"), 0.0)
    except LangDetectException:
        return None


def detect(text: str) -> Detection:
    text = without_references(text)
    counts = letter_counts(text)
    native = max((DEVANAGARI, ODIA), key=counts.__getitem__)
    if counts[native]:
        # English words inside Hindi or Odia text are common; the reverse is rare.
        return Detection(SCRIPT_FORM[native], 1.0, True)
    if not counts[LATIN]:
        return Detection(None, 0.0, False)
    words = _WORD.findall(text.lower())

    scores = latin_classifier().log_scores(text)
    known = lexicon()
    marks = Counter(known[w] for w in words if w in known)
    for form, count in marks.items():
        if form != "en":
            scores[form] = scores.get(form, 0.0) + LEXICON_WEIGHT * count
    long_enough = len(words) >= MIN_DECISIVE_WORDS
    if long_enough and not (marks.keys() - {"en"}):
        english = _langdetect_english(text)
        if english is not None and english > 0.95:
            scores["en"] = scores.get("en", 0.0) + LEXICON_WEIGHT
    probabilities = _softmax(scores)
    form = max(probabilities, key=probabilities.__getitem__)
    probability = probabilities[form]
    # A short message tells Hindi or Odia when half its words are that language's own ("madad
    # chahiye", "kachra"); names ("Ravi Kumar") have none. Short English never switches a chat:
    # Hindi and Odia typed in Latin letters borrow English words all the time.
    telling = long_enough or (form != "en" and 2 * marks[form] >= len(words))
    decisive = telling and probability >= MIN_DECISIVE_PROBABILITY and marks[form] > 0
    return Detection(form, probability, decisive)


def language_slots(text: str, intent: str | None, slot: Callable[[str], Any]) -> dict[str, Any]:
    """The slots a message changes in the conversation's language (`language`, `reply_in_latin_script`;
    none when it changes nothing), given its text, its intent and the conversation's slots (`slot`:
    a tracker's get_slot). An explicit choice wins: a change_language message is left to its own
    action, and once `language_chosen` is set nothing switches. A button's or numbered option's
    payload ("/intent{...}") is no one's language, nor a number. Otherwise a decisive message switches."""
    if intent == "change_language" or slot("language_chosen"):
        return {}
    if text.startswith("/"):
        return {}
    if not any(c.isalpha() for c in text):
        return {}  # a number in any script ("२" trips, a PIN in Odia digits) is no one's language
    detection = detect(text)
    if not detection.decisive:
        return {}
    current = slot("language")
    if current not in (None, DEFAULT_LANGUAGE, detection.language) and len(text.split()) < MIN_DECISIVE_WORDS:
        return {}  # one Odia word ("ପଛକୁ") in a Hindi chat is not a new language; in an English one it is
    changes: dict[str, Any] = {}
    if detection.language != slot("language"):
        changes["language"] = detection.language
    if bool(slot("reply_in_latin_script")) != detection.latin_script:
        changes["reply_in_latin_script"] = detection.latin_script
    return changes


# An explicit choice: the name of a language in any script ("odia", "ଓଡ଼ିଆରେ", "हिंदी में").
_LANGUAGE_NAMES = {
    "en": r"\benglish|\bangre[jz]i|\binglish|अंग्रे[जज़]ी|इंग्लिश|ଇଂରାଜୀ|ଇଂଲିଶ",
    "hi": r"\bhind[iy]|\bhindee|हिंदी|हिन्दी|हिंन्दी|ହିନ୍ଦୀ|ହିନ୍ଦି",
    "or": r"\bod[iy]+a|\borr?i?ya|\boriya|\bodisha\s?bhasha|ଓଡ଼ିଆ|ଓଡିଆ|ओड़िया|ओडिया|उड़िया|ओड़िआ",
}
_NAME_PATTERN = re.compile("|".join(f"(?P<{code}>{pattern})" for code, pattern in _LANGUAGE_NAMES.items()), re.I)


def language_named(text: str) -> str | None:
    """The language a message names; the last one when it names several ("hindi nahi, odia")."""
    found = [m.lastgroup for m in _NAME_PATTERN.finditer(text or "")]
    return found[-1] if found else None

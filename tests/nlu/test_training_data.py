"""The NLU data the benchmark relies on: every contract intent in every form of writing, and a
held-out set none of whose sentences is in the training data."""
import unicodedata
from pathlib import Path

import pytest

from locales.detect import FORMS, nlu_examples

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_INTENTS = {
    "greet", "goodbye", "help", "request_desludging", "file_grievance", "apply_certificate", "check_status",
    "list_applications", "make_payment", "give_feedback", "change_language", "affirm", "deny", "cancel",
    "opt_out", "talk_to_human", "inform", "ask_about", "correct_answer",
}


def normalised(text: str) -> str:
    # Casefold and drop punctuation but keep vowel signs, which are letters' marks, not punctuation.
    kept = "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in text.casefold())
    return " ".join(kept.split())


TRAINING = {form: [row for path in sorted((ROOT / "data/nlu" / form).glob("*.yml")) for row in nlu_examples(path)]
            for form in FORMS}
HELDOUT = {form: nlu_examples(ROOT / "tests/nlu/heldout" / f"{form}.yml") for form in FORMS}


@pytest.mark.parametrize("form", FORMS)
def test_every_intent_in_every_form(form):
    counts = {intent: sum(1 for i, _ in TRAINING[form] if i == intent) for intent in CONTRACT_INTENTS}
    assert min(counts.values()) >= 30, counts
    assert {i for i, _ in TRAINING[form]} == CONTRACT_INTENTS
    assert {i for i, _ in HELDOUT[form]} == CONTRACT_INTENTS


def test_no_heldout_sentence_is_in_the_training_data():
    trained = {normalised(text) for rows in TRAINING.values() for _, text in rows}
    leaks = [text for rows in HELDOUT.values() for _, text in rows if normalised(text) in trained]
    assert leaks == []


def test_no_sentence_is_taught_as_two_intents():
    seen: dict[str, set[str]] = {}
    for rows in TRAINING.values():
        for intent, text in rows:
            seen.setdefault(normalised(text), set()).add(intent)
    assert {text: intents for text, intents in seen.items() if len(intents) > 1} == {}

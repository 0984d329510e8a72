"""Reference numbers: one rule for how Sathi writes them and how a person may type them."""
import re
from pathlib import Path

import pytest
import yaml

from common.references import find_reference, format_reference, normalise_reference, spelled_references, without_references

ENTITIES = Path(__file__).resolve().parents[2] / "data" / "nlu" / "entities.yml"


@pytest.mark.parametrize("typed", ["GRV-2026-000045", "grv 2026 45", "GRV2026000045", " grv/2026/000045 ", "Grv_2026-45"])
def test_every_loose_form_is_the_same_reference(typed):
    assert normalise_reference(typed) == "GRV-2026-000045"


@pytest.mark.parametrize("text", ["", "hello", "GR-2026-000045", "GRVV-2026-45", "GRV-2026-0000451", "GRV-26-45", "status GRV-2026-45"])
def test_what_is_not_a_whole_reference(text):
    assert normalise_reference(text) is None


def test_found_inside_a_message_with_where_it_stands():
    text = "status fsm 2026 7 please"
    assert find_reference(text) == ("FSM-2026-000007", 7, 17)
    assert find_reference("nothing here") is None


def test_formatted_with_six_digits():
    assert format_reference("CRT", 2026, 7) == "CRT-2026-000007"


def test_removed_from_text_only_where_it_stands_as_a_word():
    assert without_references("mera GRV-2026-000045 kab").split() == ["mera", "kab"]
    assert without_references("xGRV-2026-000045") == "xGRV-2026-000045"


def test_spelled_for_the_voice_only_in_the_form_sathi_writes():
    assert spelled_references("Your number is CRT-2026-000007.") == "Your number is C R T, 2 0 2 6, 0 0 0 0 0 7."
    assert spelled_references("crt 2026 7") == "crt 2026 7"


@pytest.mark.parametrize("typed", ["GRV-2026-000045", "grv 2026 45", "GRV2026000045", "fsm-2026-7"])
def test_the_nlu_entity_pattern_finds_what_the_rule_reads(typed):
    """data/nlu/entities.yml holds its own copy (Rasa reads patterns from training data): it must
    find at least the common forms the shared rule reads."""
    nlu = yaml.safe_load(ENTITIES.read_text(encoding="utf-8"))["nlu"]
    pattern = next(item["examples"] for item in nlu if item.get("regex") == "reference").strip().removeprefix("- ")
    assert normalise_reference(typed) and re.search(pattern, f"mera {typed} kab")

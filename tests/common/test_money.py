"""Money as people in India write it (common/money.py), read and written one way everywhere."""
from decimal import Decimal

import pytest

from common.money import parse_rupees, rupees


@pytest.mark.parametrize(("said", "amount"), [
    ("85000", 85000), ("₹ 85,000/-", 85000), ("Rs. 1,20,000 only", 120000), ("Rs.85000", 85000),
    ("1.5 lakh", 150000), ("1.5 lac", 150000), ("2 लाख", 200000), ("२ लाख", 200000), ("१.२ लाख रुपये", 120000),
    ("1.5 ଲକ୍ଷ", 150000), ("ଟଙ୍କା ୫୦୦୦୦", 50000), ("85 thousand", 85000), ("85 hazar", 85000), ("3 crore", 30000000),
    ("2.5 lakh rupaye", 250000), ("50000 rupees", 50000),
])
def test_amounts_as_people_write_them(said, amount):
    assert parse_rupees(said) == amount


@pytest.mark.parametrize("said", ["bahut", "12 apples", "1.5 lakh saal", "", "lakh", "1.234", "5 6"])
def test_what_is_not_an_amount(said):
    assert parse_rupees(said) is None


@pytest.mark.parametrize(("amount", "written"), [
    (0, "0"), (999, "999"), (1000, "1,000"), (120000, "1,20,000"), (1234567, "12,34,567"), (10000000, "1,00,00,000"),
    (2000.5, "2,000.50"), (1000.0, "1,000"), (Decimal("900.00"), "900"),
])
def test_indian_grouping_and_paise_only_when_there_are_any(amount, written):
    assert rupees(amount) == written

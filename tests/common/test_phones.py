"""Phone numbers: one normal form for every channel and for what an agent types."""
import pytest

from common.phones import indian_mobile, normalise_phone


@pytest.mark.parametrize("raw", [
    "whatsapp:+91 98765-43210", "+919876543210", "919876543210", "09876543210", "9876543210",
    "(98765) 43210", "०९८७६५४३२१०", "୯୮୭୬୫୪୩୨୧୦", "tel:+91-98765-43210",
])
def test_an_indian_mobile_in_any_form(raw):
    assert indian_mobile(raw) == "+919876543210"
    assert normalise_phone(raw) == "+919876543210"


@pytest.mark.parametrize("raw", ["", "12345", "5876543210", "+4420794600000", "98765432101", "test-user"])
def test_not_an_indian_mobile(raw):
    assert indian_mobile(raw) is None


@pytest.mark.parametrize("raw, key", [
    ("whatsapp:+44 20 7946 0000", "+442079460000"),  # another country: kept, without spacing
    ("sms:test-user", "test-user"),  # a test sender: kept as it came, without the channel
    (" rest-user ", "rest-user"),
])
def test_other_ids_are_kept(raw, key):
    assert normalise_phone(raw) == key

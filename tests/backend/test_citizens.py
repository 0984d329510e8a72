"""A language chosen once holds for that phone number on every channel."""
import pytest

from backend.services.citizens import normalise_phone


@pytest.mark.parametrize("raw", ["whatsapp:+919876543210", "+91 98765-43210", "09876543210", "9876543210",
                                 "919876543210", "sms:+919876543210"])
def test_one_phone_many_spellings(raw):
    assert normalise_phone(raw) == "+919876543210"


def test_other_ids_are_kept():
    assert normalise_phone("e2e-citizen-7") == "e2e-citizen-7"
    assert normalise_phone("+447700900123") == "+447700900123"


def test_choose_then_look_up_across_channels(client, turn):
    lookup = "/api/v1/citizens/language/lookup"
    assert client.post(lookup, json={"phone": "whatsapp:+919876543210"}, headers=turn("+919876543210")).json() == {"language": None}
    assert client.put("/api/v1/citizens/language", json={"phone": "whatsapp:+919876543210", "language": "or"},
                      headers=turn("+919876543210")).status_code == 200
    assert client.post(lookup, json={"phone": "+919876543210"}, headers=turn("+919876543210")).json() == {"language": "or"}
    client.put("/api/v1/citizens/language", json={"phone": "9876543210", "language": "hi"}, headers=turn("+919876543210"))
    assert client.post(lookup, json={"phone": "sms:+919876543210"}, headers=turn("+919876543210")).json() == {"language": "hi"}


def test_language_api_refuses_bad_input_and_strangers(client, turn):
    assert client.put("/api/v1/citizens/language", json={"phone": "+919876543210", "language": "fr"},
                      headers=turn("+919876543210")).status_code == 422
    assert client.put("/api/v1/citizens/language", json={"phone": "", "language": "hi"}, headers=turn("+919876543210")).status_code == 422
    assert client.post("/api/v1/citizens/language/lookup", json={"phone": "+919876543210"}).status_code == 401


def test_phone_never_logged_whole(client, turn, caplog):
    caplog.set_level("INFO")
    client.put("/api/v1/citizens/language", json={"phone": "+919876543210", "language": "or"}, headers=turn("+919876543210"))
    assert "9876543210" not in caplog.text and "***3210" in caplog.text

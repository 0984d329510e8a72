"""Bad input is refused or cleaned, never a server error: credentials with non-ASCII characters,
NUL bytes and lone surrogates, phones longer than the columns, markup as a name; and the NLU's
patterns stay bounded on long input."""
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from backend.db import get_session_factory
from backend.models import PHONE_CHARS, OutboxMessage
from backend.services.answers import person_name
from channels.inbound import parse_message
from common.signatures import same_secret
from locales.script import clean_text

ROOT = Path(__file__).resolve().parents[2]
PHONE = "+919876543210"
TOO_LONG_PHONE = "+91" + "9" * (PHONE_CHARS - 2)


@pytest.mark.parametrize("given, expected, same", [
    ("abc", "abc", True), ("abc", "abd", False), ("é", "abc", False), ("abc", "abcd", False), ("\ud800", "x", False),
])
def test_same_secret_compares_any_text(given, expected, same):
    assert same_secret(given, expected) is same


@pytest.mark.parametrize("value", ["Bearer tøken", "Bearer test-token\u00a0", "Basic é"])
def test_non_ascii_bearer_token_is_401(client, value):
    response = client.post("/api/v1/outbox/replies", json={"channel": "sms", "phone": PHONE, "replies": []},
                           headers={"Authorization": value.encode("utf-8")})
    assert response.status_code == 401


def test_non_ascii_basic_auth_on_the_sandbox_is_401(client, settings):
    url = f"/sandbox/twilio/2010-04-01/Accounts/{settings.twilio_account_sid}/Messages.json"
    response = client.get(url, headers={"Authorization": "Basic ßé".encode("utf-8")})
    assert response.status_code == 401


def test_non_ascii_payment_signature_is_403(client):
    response = client.post("/api/v1/payments/webhook", content=b'{"payment_id": 1}',
                           headers={"X-Sandbox-Signature": "sïgnature".encode("utf-8"), "Content-Type": "application/json"})
    assert response.status_code == 403


@pytest.mark.parametrize("method, path", [
    ("GET", "/c/CRT-2026-000001.é"), ("GET", "/c/%C3%A9"), ("GET", "/pay/1.2.é"), ("POST", "/pay/1.2.%E0%A4%95"),
    ("GET", "/c/%00"), ("GET", "/pay/1.2.%00"),
])
def test_non_ascii_or_nul_in_a_link_is_404(client, method, path):
    assert client.request(method, path).status_code == 404


@pytest.mark.parametrize("text, cleaned", [
    ("Sabi\x00tri", "Sabitri"), ("a\ud800b\udfffc", "abc"), ("😀 ସାବିତ୍ରୀ", "😀 ସାବିତ୍ରୀ"), ("", ""),
])
def test_clean_text(text, cleaned):
    assert clean_text(text) == cleaned


def test_the_channels_decode_text_without_nul_or_lone_surrogates():
    message = parse_message({"MessageSid": "SM1", "From": "whatsapp:+91\x009876543210", "Body": "Sabi\x00tri\udc80 Behera"})
    assert (message.sender, message.text) == ("whatsapp:+919876543210", "Sabitri Behera")


def test_nul_in_queries_is_no_server_error(client, auth, staff):
    staff("BALIANTA-CRT-VER")
    assert client.get("/api/v1/certificates/queue?office=BLK%00-1").json()["detail"]["code"] == "not_your_office"
    verdict = client.get("/api/v1/certificates/verify?reference=CRT-2026%00-000001")
    assert verdict.status_code == 200 and verdict.json()["status"] == "unknown"


def test_nul_and_lone_surrogates_are_removed_before_replies_are_queued(client, channels_auth, settings):
    # Written by hand: a JSON encoder would not produce a lone surrogate, a caller's may.
    body = ('{"channel": "whatsapp", "phone": "%s", "replies": [{"body": "Sabitri\\u0000 Behera\\ud800, '
            'your request is filed", "variables": {"name": "Sabi\\u0000tri"}}]}' % PHONE)
    response = client.post("/api/v1/outbox/replies", content=body.encode(), headers={**channels_auth, "Content-Type": "application/json"})
    assert response.status_code == 202, response.text
    with get_session_factory(settings.database_url)() as session:
        message = session.scalar(select(OutboxMessage))
        assert message.body == "Sabitri Behera, your request is filed"


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/v1/channels/inbound", {"provider": "twilio", "external_id": "SM1", "channel": "whatsapp", "phone": TOO_LONG_PHONE}),
    ("POST", "/api/v1/channels/opt-out", {"phone": TOO_LONG_PHONE, "channel": "sms", "opted_out": True}),
    ("POST", "/api/v1/outbox/replies", {"channel": "sms", "phone": TOO_LONG_PHONE, "replies": [{"body": "hi"}]}),
    ("PUT", "/api/v1/citizens/language", {"phone": TOO_LONG_PHONE, "language": "hi"}),
])
def test_a_phone_longer_than_the_column_is_422(client, channels_auth, turn, method, path, body):
    assert len(TOO_LONG_PHONE) == PHONE_CHARS + 1
    headers = turn(PHONE) if path.startswith("/api/v1/citizens") else channels_auth
    assert client.request(method, path, json=body, headers=headers).status_code == 422


def test_an_id_beyond_an_integer_column_is_422(client, settings):
    # schemathesis found it: PostgreSQL refused 2**31 as an integer ("integer out of range").
    account = (settings.twilio_account_sid, settings.twilio_auth_token)
    assert client.post("/sandbox/twilio/inbox", json={"to": PHONE, "after": 2**31}, auth=account).status_code == 422


def test_the_longest_phone_the_api_takes_is_kept(client, turn):
    longest = "+" + "1" * (PHONE_CHARS - 1)
    response = client.put("/api/v1/citizens/language", json={"phone": longest, "language": "hi"}, headers=turn(longest))
    assert response.status_code in (200, 204)


@pytest.mark.parametrize("text", [
    "Sabitri Behera", "सावित्री बेहेरा", "ସାବିତ୍ରୀ ବେହେରା", "पंकज क़ुमार", "ଶ୍ରୀ ପ୍ରଦୀପ୍\u200c କୁମାର", "A. K. O'Brien-Das",
    "D’Souza Maria",
])
def test_names_in_any_script_are_accepted(text):
    assert person_name(text) == text


@pytest.mark.parametrize("text", [
    "<b>x</b>", "<script>alert(1)</script>", "Ram & Shyam", "Sabitri Behera 2", "Ram;Shyam", "x", "", "a" * 101,
    "{{name}}", "Sabitri_Behera",
])
def test_markup_digits_and_symbols_are_not_a_name(text):
    assert person_name(text) is None


def _entity_patterns() -> dict[str, list[str]]:
    data = yaml.safe_load((ROOT / "data" / "nlu" / "entities.yml").read_text(encoding="utf-8"))
    return {block["regex"]: [line.strip()[2:] for line in block["examples"].splitlines() if line.strip()]
            for block in data["nlu"]}


def test_no_open_ended_repeat_in_the_nlu_patterns():
    """\\S+, \\w+, .+ and their * forms before more pattern retry from every letter of a long word
    (quadratic: 40,000 characters took 16 s); the patterns use bounded alternatives instead.
    Timings are printed by scripts/parse_benchmark.py."""
    open_ended = re.compile(r"\\[SsWwD][+*]|(?<!\\)\.[+*]|\[\^[^\]]*\][+*]")
    for name, patterns in _entity_patterns().items():
        for pattern in patterns:
            assert not open_ended.search(pattern), f"{name}: {pattern}"


def test_the_date_pattern_knows_every_weekday_the_date_reader_knows():
    weekdays = yaml.safe_load((ROOT / "locales" / "date_words.yml").read_text(encoding="utf-8"))["weekdays"]
    native = [w for words in weekdays.values() for w in words if not w.isascii()]
    patterns = [re.compile(p) for p in _entity_patterns()["date"]]
    for word in native:
        assert any(p.fullmatch(word) for p in patterns), word
    assert not any(p.search("परिवार") for p in patterns)  # "family" is no weekday

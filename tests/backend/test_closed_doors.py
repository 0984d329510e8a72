"""The doors issue 14 found, closed (on SQLite and PostgreSQL): a backend with SATHI_ENV=production
refuses to start on any published default secret or with the sandbox on, and names each; one
secret per purpose (a certificate link made with the payment secret opens nothing); the sandbox's
record of what phones received needs the Twilio account's credentials; the public certificate
check by a bare number names no one; the public case status says not who holds the case."""
import hashlib
import hmac

import pytest

from backend.main import create_app
from backend.models import Case
from backend.services import certificates
from backend.settings import Settings
from common.secrets import DEFAULTS, DefaultSecretInProduction
from tests.conftest import NOW

# Every secret the backend holds, by its environment variable and its Settings field.
BACKEND_SECRETS = {
    "SATHI_ACTIONS_TOKEN": "actions_token", "SATHI_CHANNELS_TOKEN": "channels_token", "SATHI_TURN_SECRET": "turn_secret",
    "SATHI_PAYMENT_SECRET": "payment_secret", "SATHI_CERTIFICATE_LINK_SECRET": "certificate_link_secret",
    "SATHI_TWILIO_AUTH_TOKEN": "twilio_auth_token",
}
OWN = {field: f"own-{field}-7f3a9c" for field in BACKEND_SECRETS.values()}
PHONE = "+919812300001"
OLD_PUBLISHED_PAYMENT_SECRET = "dev-payment-secret-change-me"  # what signed certificate links before issue 14


def _production(**changes) -> Settings:
    return Settings(**{"env": "production", "sandbox_enabled": False, "run_migrations_on_start": False, **OWN, **changes})


@pytest.mark.parametrize("variable", BACKEND_SECRETS)
def test_production_refuses_each_default_secret_and_names_it(variable):
    with pytest.raises(DefaultSecretInProduction, match=variable) as refused:
        create_app(_production(**{BACKEND_SECRETS[variable]: DEFAULTS[variable]}))
    assert [name for name in BACKEND_SECRETS if name in str(refused.value)] == [variable]  # only the one left
    with pytest.raises(DefaultSecretInProduction, match=variable):
        create_app(_production(**{BACKEND_SECRETS[variable]: ""}))  # none at all is no better


def test_production_refuses_the_sandbox_and_every_default_at_once():
    with pytest.raises(DefaultSecretInProduction, match="SATHI_SANDBOX_ENABLED"):
        create_app(_production(sandbox_enabled=True))
    with pytest.raises(DefaultSecretInProduction) as refused:
        create_app(Settings(env="production", sandbox_enabled=True))
    assert all(name in str(refused.value) for name in [*BACKEND_SECRETS, "SATHI_SANDBOX_ENABLED"])


def test_production_refuses_one_secret_for_two_purposes():
    """The actions' token equal to the channels' would pass both callers' checks."""
    with pytest.raises(DefaultSecretInProduction, match="SATHI_ACTIONS_TOKEN and SATHI_CHANNELS_TOKEN are the same"):
        create_app(_production(channels_token=OWN["actions_token"]))


def test_production_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SATHI_ENV", "Production")
    for variable, field in BACKEND_SECRETS.items():
        monkeypatch.setenv(variable, OWN[field])
    assert create_app(Settings()).state.settings.env == "Production"  # all its own: it starts
    monkeypatch.setenv("SATHI_CERTIFICATE_LINK_SECRET", DEFAULTS["SATHI_CERTIFICATE_LINK_SECRET"])
    with pytest.raises(DefaultSecretInProduction, match="SATHI_CERTIFICATE_LINK_SECRET"):
        create_app(Settings())


def test_development_keeps_the_defaults():
    create_app(Settings(sandbox_enabled=True))  # `make run` with nothing set


@pytest.fixture
def issued(settings, session, tmp_path):
    """Three issued certificates with sequential numbers, as the office issues them."""
    settings.certificate_key_file = tmp_path / "keys" / "certificate.pem"
    cases = []
    for number, name in enumerate(["Sabitri Behera", "Gopal Sahu", "Anita Das"], start=1):
        case = Case(reference=f"CRT-2026-{number:06d}", service="certificate", state="ISSUED", version=1, citizen_phone=PHONE,
                    language="en", channel="twilio_whatsapp", created_at=NOW, updated_at=NOW, assignee_id="ULB-BMC",
                    details={"certificate_type": "income", "answers": {"applicant_name": name, "annual_income": 85000},
                             "labels": {"applicant_name": name}, "office": "ULB-BMC",
                             "office_label": "Bhubaneswar Municipal Corporation", "lane": "normal", "fee_paise": 3000,
                             "sla_days": 15, "documents": {}, "filed_by": "CITIZEN"})  # an application's whole details
        certificates._issue(case, settings=settings, now=NOW)
        session.add(case)
        cases.append(case)
    session.commit()
    return cases


def test_a_certificate_link_made_with_the_payment_secret_opens_nothing(client, settings, session, issued):
    reference = issued[0].reference
    assert certificates.case_for_token(session, settings, certificates.download_token(settings, reference)).id == issued[0].id
    for secret in (settings.payment_secret, OLD_PUBLISHED_PAYMENT_SECRET, DEFAULTS["SATHI_PAYMENT_SECRET"]):
        mac = hmac.new(secret.encode(), f"certificate:{reference}".encode(), hashlib.sha256).hexdigest()
        forged = f"{reference}.{mac[:20]}"
        assert certificates.case_for_token(session, settings, forged) is None
        assert client.get(f"/c/{forged}").status_code == 404


def test_listing_certificates_by_number_yields_no_name(client, issued):
    names = ["Sabitri", "Gopal", "Anita", "Behera", "Sahu", "Das"]
    seen = []
    for number in range(1, 6):
        answer = client.get("/api/v1/certificates/verify", params={"reference": f"CRT-2026-{number:06d}"})
        assert answer.status_code == 200
        assert not any(name in answer.text for name in names), answer.text
        assert set(answer.json()) <= {"status", "reference", "certificate_type", "name", "issued_on", "office"}
        assert (answer.json()["name"], answer.json()["issued_on"], answer.json()["office"]) == (None, None, None)
        seen.append(answer.json()["status"])
    assert seen == ["genuine", "genuine", "genuine", "unknown", "unknown"]  # whether it exists, nothing more
    # The QR code's signed payload, which only a holder of the certificate has, shows what it certifies.
    by_code = client.get("/api/v1/certificates/verify", params={"payload": issued[1].details["certificate"]["payload"]}).json()
    assert (by_code["status"], by_code["name"], by_code["office"]) == ("genuine", "Gopal Sahu", "Bhubaneswar Municipal Corporation")
    page = client.get("/verify", params={"c": issued[1].details["certificate"]["payload"]})
    assert "Gopal Sahu" in page.text
    bare = client.get("/verify", params={"c": issued[1].reference})  # a number where the code goes: no name
    assert "Gopal" not in bare.text and "Sabitri" not in bare.text


def test_the_public_case_status_says_not_who_holds_it(client, session):
    case = Case(reference="GRV-2026-000001", service="grievance", state="PENDING_AT_OFFICIAL", version=1, citizen_phone=PHONE,
                language="en", channel="twilio_whatsapp", created_at=NOW, updated_at=NOW, assignee_id="BMC-ELE-01",
                details={"category": "STREETLIGHT", "department": "ELECTRICAL", "ward": "BMC-W29", "description": "dark lane"})
    session.add(case)
    session.commit()
    status = client.get("/api/v1/cases/GRV-2026-000001")
    assert status.status_code == 200
    body = status.json()
    assert body["holder"] == "official"  # the kind of holder stays: the bot says "with the official"
    assert "assignee_id" not in body and "BMC-ELE-01" not in status.text
    assert "9812300001" not in status.text and "dark lane" not in status.text and "citizen_phone" not in body


def _sandbox_message(client, settings, to: str) -> str:
    path = f"/sandbox/twilio/2010-04-01/Accounts/{settings.twilio_account_sid}/Messages.json"
    form = {"To": to, "From": settings.twilio_whatsapp_from, "Body": "Pay here: http://testserver/pay/1.2.3"}
    return client.post(path, data=form, auth=(settings.twilio_account_sid, settings.twilio_auth_token)).json()["sid"]


def test_the_sandbox_inbox_needs_the_twilio_account(client, settings):
    to = f"whatsapp:{PHONE}"
    sid = _sandbox_message(client, settings, to)
    for credentials in (None, (settings.twilio_account_sid, "wrong-token"), ("AC" + "1" * 32, settings.twilio_auth_token),
                        (settings.twilio_account_sid, "")):
        refused = client.post("/sandbox/twilio/inbox", json={"to": to}, auth=credentials)
        assert refused.status_code == 401 and "pay" not in refused.text, credentials
    bearer = client.post("/sandbox/twilio/inbox", json={"to": to}, headers={"Authorization": f"Bearer {settings.twilio_auth_token}"})
    assert bearer.status_code == 401
    allowed = client.post("/sandbox/twilio/inbox", json={"to": to}, auth=(settings.twilio_account_sid, settings.twilio_auth_token))
    assert [m["sid"] for m in allowed.json()] == [sid]
    listed = client.get(f"/sandbox/twilio/2010-04-01/Accounts/{settings.twilio_account_sid}/Messages.json", params={"To": to})
    assert listed.status_code == 401  # Twilio's own list of messages, likewise


def test_the_sandbox_is_not_there_unless_asked_for(settings):
    from fastapi.testclient import TestClient

    with TestClient(create_app(settings.model_copy(update={"sandbox_enabled": False}))) as plain:
        assert plain.post("/sandbox/twilio/inbox", json={"to": PHONE}).status_code == 404
        assert Settings().sandbox_enabled is False

"""A complaint's photo: fetched from the channel's media URL by a real HTTP request, checked for
type and size, stored and attached, or refused with the citizen told why; filing never waits.
Only the provider's media hosts are fetched from, over https, never a private address, and the
credentials go nowhere else."""
import base64
import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backend.db import get_session_factory
from backend.models import Case, OutboxMessage
from backend.services import media
from tests.conftest import complaint_body, turn_headers
from backend.settings import Settings

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048
BIG = b"\xff\xd8\xff\xe0" + b"\x00" * (5 * 1024 * 1024 + 1)


class MediaHost(BaseHTTPRequestHandler):
    def log_message(self, *args):  # noqa: ANN002
        pass

    def do_GET(self):  # noqa: N802
        routes = {
            "/photo.jpg": (200, "image/jpeg", JPEG, True),
            "/big.jpg": (200, "image/jpeg", BIG, True),
            "/big-unannounced.jpg": (200, "image/jpeg", BIG, False),  # no Content-Length to trust
            "/report.pdf": (200, "application/pdf", b"%PDF-1.4", True),
        }
        status, content_type, body, announce = routes.get(self.path, (404, "text/plain", b"gone", True))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if announce:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if not announce:
            self.close_connection = True


@pytest.fixture(scope="module")
def media_host():
    server = ThreadingHTTPServer(("127.0.0.1", 0), MediaHost)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"media_dir": tmp_path / "media"})


def _file(client, auth, photo_url):
    body = {"category": "drainage", "description": "Drain overflowing onto the road", "ward": "BMC-W12",
            "citizen_phone": "whatsapp:+919812345678", "language": "hi", "channel": "twilio_whatsapp", "photo_url": photo_url}
    response = client.post("/api/v1/certificates", json=complaint_body(**body), headers=turn_headers(body["citizen_phone"]))
    assert response.status_code == 201, response.text
    return response.json()["reference"]


def _case(settings, reference) -> Case:
    with get_session_factory(settings.database_url)() as session:
        return session.scalar(select(Case).where(Case.reference == reference))


def test_a_photo_is_stored_attached_and_served_to_officials(client, auth, actions_auth, channels_auth, settings, media_host, staff):
    reference = _file(client, auth, f"{media_host}/photo.jpg")
    case = _case(settings, reference)
    name = case.details["photo"]
    assert (settings.media_dir / name).read_bytes() == JPEG
    staff("BMC-ENG-S")  # the department's official for wards 34-67
    assert client.get(f"/api/v1/grievances/photos/{name}").status_code == 404
    staff(case.assignee_id)  # the official serving it
    served = client.get(f"/api/v1/grievances/photos/{name}")
    assert served.status_code == 200 and served.content == JPEG
    client.cookies.clear()
    # Officials' only: neither the action server nor the channels may fetch a citizen's photo.
    assert {client.get(f"/api/v1/grievances/photos/{name}", headers=caller).status_code
            for caller in (actions_auth, channels_auth)} <= {401, 403}
    assert client.get("/api/v1/grievances/photos/..%2F..%2Fsathi.db", headers=auth).status_code == 404


@pytest.mark.parametrize(
    "path, error",
    [("/big.jpg", "too_large"), ("/big-unannounced.jpg", "too_large"), ("/report.pdf", "not_an_image"), ("/missing.jpg", "unreachable")],
)
def test_a_photo_that_cannot_be_attached_is_recorded_and_the_citizen_told(client, auth, settings, media_host, path, error):
    reference = _file(client, auth, f"{media_host}{path}")
    case = _case(settings, reference)
    assert case.details["photo_error"] == error and "photo" not in case.details
    assert case.state == "PENDING_AT_OFFICIAL"  # the complaint itself is filed and routed all the same
    with get_session_factory(settings.database_url)() as session:
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.locale_key == "utter_photo_not_attached")).one()
    assert told.recipient == "+919812345678" and reference in told.body and told.language == "hi"
    assert not settings.media_dir.exists() or not any(settings.media_dir.iterdir())  # nothing was stored


def test_only_web_addresses_are_fetched(client, auth, settings):
    """A photo's address that is no web address is refused with the filing (nothing is read, nothing stored)."""
    body = complaint_body("drainage", "Drain overflowing onto the road", "BMC-W12", "+919812345678",
                          photo_url="file:///etc/passwd")
    refused = client.post("/api/v1/certificates", json=body, headers=turn_headers("+919812345678"))
    assert refused.status_code == 422, refused.text
    assert not settings.media_dir.exists() or not any(settings.media_dir.iterdir())


# Which URLs are fetched at all: table tests against a recording transport and a fake DNS, so
# nothing leaves the machine and every request that would have been made is seen.

PUBLIC = {"api.twilio.com": ["54.172.60.0"], "mms.twiliocdn.com": ["13.224.10.1"], "photos.eviltwilio.com": ["93.184.216.34"],
          "localhost": ["127.0.0.1"]}
MEDIA = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"


class Recorder:
    """A provider and a CDN in one transport: answers by the Host header, keeps every request."""

    def __init__(self, redirect_to: str | None = "https://mms.twiliocdn.com/AC1/ME1.jpg") -> None:
        self.redirect_to, self.requests = redirect_to, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers["host"] == "api.twilio.com" and self.redirect_to:
            return httpx.Response(307, headers={"Location": self.redirect_to})
        return httpx.Response(200, headers={"Content-Type": "image/jpeg"}, content=JPEG)


def _live(tmp_path: Path, **changes) -> Settings:
    """Configured for the real Twilio: its API over https, no sandbox."""
    return Settings(twilio_api_base="https://api.twilio.com", twilio_account_sid="AC1", twilio_auth_token="secret",
                    media_dir=tmp_path / "media", sandbox_enabled=False, **changes)


def _fetch(settings: Settings, url: str, recorder: Recorder, dns: dict[str, list[str]] = PUBLIC):
    return media.fetch_photo(settings, url, transport=httpx.MockTransport(recorder), resolver=lambda host, port: dns.get(host, []))


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/x.jpg",  # loopback
    "http://localhost/x.jpg",
    "http://[::1]:8000/x.jpg",  # IPv6 loopback
    "https://[::ffff:127.0.0.1]/x.jpg",  # loopback written as IPv6
    "http://2130706433/x.jpg",  # 127.0.0.1 as a decimal number
    "https://0x7f000001/x.jpg", "https://127.1/x.jpg", "https://017700000001/x.jpg",
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # cloud metadata (link-local)
    "https://10.0.0.5/x.jpg", "https://192.168.1.1/x.jpg", "https://[fd00::1]/x.jpg",  # private networks
    "http://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",  # a real host, over plain http
    "https://photos.eviltwilio.com/x.jpg", "https://eviltwilio.com/x.jpg",  # a name that only ends in twilio.com
    "https://api.twilio.com.attacker.example/x.jpg", "https://media.twilio.com/x.jpg",  # not on the list
    "https://mms.twiliocdn.com/AC1/ME1.jpg",  # the CDN is reached only by the provider's redirect
    "https://user:pass@api.twilio.com/x.jpg",  # credentials in the URL
    "https://api.twilio.com\\@photos.eviltwilio.com/x.jpg",  # the host is what follows the @
    "ftp://api.twilio.com/x.jpg", "file:///etc/passwd", "not a url",
])
def test_a_url_off_the_providers_media_hosts_is_never_requested(tmp_path, url):
    recorder = Recorder()
    assert _fetch(_live(tmp_path), url, recorder) == media.Fetched(None, "unreachable")
    assert recorder.requests == []


def test_twilio_media_is_fetched_with_the_credentials_and_the_cdn_gets_none(tmp_path):
    recorder = Recorder()
    fetched = _fetch(_live(tmp_path), MEDIA, recorder)
    assert fetched.error is None and (tmp_path / "media" / fetched.name).read_bytes() == JPEG
    api, cdn = recorder.requests
    # connected to the address that was checked, named by its host for HTTP and TLS alike
    assert (api.url.host, api.headers["host"], api.extensions["sni_hostname"]) == ("54.172.60.0", "api.twilio.com", "api.twilio.com")
    assert api.headers["authorization"] == "Basic " + base64.b64encode(b"AC1:secret").decode()
    assert (cdn.url.host, cdn.headers["host"], cdn.url.path) == ("13.224.10.1", "mms.twiliocdn.com", "/AC1/ME1.jpg")
    assert "authorization" not in cdn.headers


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:8000/x.jpg", "https://[::1]/x.jpg",
    "https://10.1.2.3/x.jpg", "http://mms.twiliocdn.com/AC1/ME1.jpg", "https://photos.eviltwilio.com/x.jpg",
    "https://2130706433/x.jpg",
])
def test_a_redirect_is_checked_like_the_url_itself(tmp_path, target):
    recorder = Recorder(redirect_to=target)
    assert _fetch(_live(tmp_path), MEDIA, recorder).error == "unreachable"
    assert [r.headers["host"] for r in recorder.requests] == ["api.twilio.com"]  # the target was never asked


def test_a_redirect_loop_ends(tmp_path):
    recorder = Recorder(redirect_to=MEDIA)
    assert _fetch(_live(tmp_path), MEDIA, recorder).error == "unreachable"
    assert len(recorder.requests) == media.MAX_REDIRECTS + 1


@pytest.mark.parametrize("host, addresses", [
    ("api.twilio.com", ["127.0.0.1"]), ("api.twilio.com", ["54.172.60.0", "10.0.0.7"]), ("api.twilio.com", ["::1"]),
    ("api.twilio.com", ["169.254.169.254"]), ("api.twilio.com", []), ("mms.twiliocdn.com", ["192.168.0.10"]),
    ("mms.twiliocdn.com", ["::ffff:10.0.0.1"]), ("mms.twiliocdn.com", ["fe80::1"]),
])
def test_an_allowed_name_that_resolves_to_a_private_address_is_refused(tmp_path, host, addresses):
    recorder = Recorder()
    assert _fetch(_live(tmp_path), MEDIA, recorder, dns={**PUBLIC, host: addresses}).error == "unreachable"
    assert all(r.headers["host"] != host for r in recorder.requests)


def test_in_development_the_sandbox_host_is_fetched_over_http_with_the_credentials(tmp_path):
    dev = Settings(media_dir=tmp_path / "media")  # twilio_api_base: the backend's own /sandbox/twilio
    assert dev.twilio_api_base.startswith("http://127.0.0.1:")
    recorder = Recorder()
    assert _fetch(dev, "http://127.0.0.1:8000/sandbox/twilio/media/ME1.jpg", recorder).error is None
    assert recorder.requests[0].headers["authorization"].startswith("Basic ")
    for url in ("http://localhost:8000/x.jpg", "http://169.254.169.254/x", "http://[::1]:8000/x.jpg", "https://photos.eviltwilio.com/x.jpg"):
        assert _fetch(dev, url, recorder).error == "unreachable", url
    assert len(recorder.requests) == 1
    named = Settings(media_dir=tmp_path / "media", twilio_api_base="http://localhost:8000/sandbox/twilio")
    assert _fetch(named, "http://localhost:8000/sandbox/twilio/media/ME1.jpg", recorder).error is None  # its own name, on loopback


def test_production_hosts_come_from_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("SATHI_MEDIA_HOSTS", '["media.example.in"]')
    monkeypatch.setenv("SATHI_TWILIO_API_BASE", "https://api.twilio.com")
    configured = Settings(media_dir=tmp_path / "media")
    recorder = Recorder(redirect_to=None)
    assert _fetch(configured, "https://media.example.in/x.jpg", recorder, dns={**PUBLIC, "media.example.in": ["93.184.216.35"]}).error is None
    assert _fetch(configured, "http://media.example.in/x.jpg", recorder, dns={**PUBLIC, "media.example.in": ["93.184.216.35"]}).error == "unreachable"
    assert len(recorder.requests) == 1


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_file, key_file


@pytest.mark.parametrize("served_as, fetched", [("media.test", True), ("other.test", False)])
def test_connecting_to_the_checked_address_still_verifies_the_hosts_certificate(tmp_path, monkeypatch, served_as, fetched):
    cert_file, key_file = _certificate(tmp_path, served_as)
    server = ThreadingHTTPServer(("127.0.0.1", 0), MediaHost)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert_file, key_file)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(media, "_public", lambda address: True)  # this machine stands for a public host here
    trusting = ssl.create_default_context(cafile=str(cert_file))
    try:
        result = media.fetch_photo(_live(tmp_path, media_hosts=["media.test"]), f"https://media.test:{server.server_address[1]}/photo.jpg",
                                   transport=httpx.HTTPTransport(verify=trusting), resolver=lambda host, port: ["127.0.0.1"])
    finally:
        server.shutdown()
    assert (result.error is None) is fetched


def test_the_sandbox_serves_the_simulators_sample_photo_like_twilio_media(client, settings):
    path = f"/sandbox/twilio/2010-04-01/Accounts/{settings.twilio_account_sid}/Messages/MM1/Media/ME1"
    assert client.get(path).status_code == 401  # Twilio's media needs the account's credentials too
    photo = client.get(path, auth=(settings.twilio_account_sid, settings.twilio_auth_token))
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    assert photo.content.startswith(b"\x89PNG")

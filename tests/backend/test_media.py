"""A complaint's photo: fetched from the channel's media URL by a real HTTP request, checked for
type and size, stored and attached, or refused with the citizen told why; filing never waits."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.db import get_session_factory
from backend.models import Case, OutboxMessage
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
    response = client.post("/api/v1/grievances", json=body, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()["reference"]


def _case(settings, reference) -> Case:
    with get_session_factory(settings.database_url)() as session:
        return session.scalar(select(Case).where(Case.reference == reference))


def test_a_photo_is_stored_attached_and_served_to_officials(client, auth, settings, media_host):
    reference = _file(client, auth, f"{media_host}/photo.jpg")
    name = _case(settings, reference).details["photo"]
    assert (settings.media_dir / name).read_bytes() == JPEG
    served = client.get(f"/api/v1/grievances/photos/{name}", headers=auth)
    assert served.status_code == 200 and served.content == JPEG
    assert client.get(f"/api/v1/grievances/photos/{name}").status_code == 401
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


def test_only_web_addresses_are_fetched(client, auth):
    body = {"category": "drainage", "description": "Drain overflowing", "ward": "BMC-W12",
            "citizen_phone": "+919812345678", "photo_url": "file:///etc/passwd"}
    assert client.post("/api/v1/grievances", json=body, headers=auth).status_code == 422

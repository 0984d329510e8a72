"""A worker process killed (SIGKILL) in the middle of a send: the message is neither lost nor sent
twice. Two ways to die: before Twilio took the message (the survivor finds nothing at Twilio for
the number since the attempt and sends it), and after Twilio took it but before the worker could
write that down (Twilio has a message for the number, whose is unknown: the survivor waits, and
Twilio's signed status callback, naming the row, settles it). Runs `python -m backend.outbox_worker`
as a real process against a Twilio-shaped HTTP server, on SQLite and PostgreSQL."""
import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.db import get_session_factory
from backend.main import create_app
from backend.models import OutboxMessage
from backend.outbox_worker import OutboxWorker
from backend.services import outbox
from backend.senders.twilio import TwilioSender
from backend.settings import Settings, get_settings
from common.signatures import sign

ROOT = Path(__file__).resolve().parents[2]
PHONE = "+919437000099"


class TwilioServer:
    """Accepts messages like api.twilio.com; `hang` makes the next POST stall before (or after)
    recording, as a slow network would while the worker dies."""

    def __init__(self) -> None:
        self.accepted: list[dict] = []
        self.hang: str | None = None  # None | "before_accepting" | "after_accepting"
        self.request_arrived = threading.Event()
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # noqa: ANN002
                pass

            def do_POST(self):  # noqa: N802
                form = dict(parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode(), keep_blank_values=True))
                mode, server.hang = server.hang, None
                resource = {"sid": f"SM{uuid.uuid4().hex}", "to": form["To"], "body": form.get("Body", ""),
                            "date_created": format_datetime(datetime.now(UTC)), "status": "queued",
                            "status_callback": form["StatusCallback"]}
                if mode == "after_accepting":
                    server.accepted.append(resource)
                if mode:
                    server.request_arrived.set()
                    server.release.wait(30)
                    return
                server.accepted.append(resource)
                body = json.dumps(resource).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                to = dict(parse_qsl(urlsplit(self.path).query)).get("To")
                body = json.dumps({"messages": [m for m in server.accepted if m["to"] == to]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> "TwilioServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()


@pytest.mark.parametrize("dies", ["before_accepting", "after_accepting"])
def test_a_worker_killed_mid_send_loses_nothing_and_doubles_nothing(database_url, dies, tmp_path):
    with TwilioServer() as twilio:
        settings = Settings(
            database_url=database_url, twilio_api_base=twilio.url, outbox_lease_seconds=1.0,
            outbox_poll_seconds=0.1, run_migrations_on_start=False,
        )
        with get_session_factory(database_url)() as session:
            message = outbox.new_message(channel="sms", recipient=PHONE, body=f"alert {dies}", kind="notification", now=datetime.now(UTC))
            session.add(message)
            session.commit()
            message_id = message.id

        twilio.hang = dies
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SATHI_DATABASE_URL": database_url, "SATHI_TWILIO_API_BASE": twilio.url,
               "SATHI_OUTBOX_LEASE_SECONDS": "1", "SATHI_OUTBOX_POLL_SECONDS": "0.1"}
        process = subprocess.Popen([sys.executable, "-m", "backend.outbox_worker"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=(tmp_path / "worker.log").open("wb"))
        try:
            assert twilio.request_arrived.wait(30), (tmp_path / "worker.log").read_text()
            os.kill(process.pid, signal.SIGKILL)  # dies inside the provider call
            process.wait(10)
        finally:
            if process.poll() is None:
                process.kill()
        with get_session_factory(database_url)() as session:
            assert session.get(OutboxMessage, message_id).status == "sending"

        # The survivor comes up after the dead worker's lease and the time a request may be in flight.
        survivor = OutboxWorker(settings, clock=lambda: datetime.now(UTC) + TwilioSender.in_flight + timedelta(seconds=2))
        survivor.run_once()
        survivor.run_once()
        if dies == "after_accepting":
            with get_session_factory(database_url)() as session:
                assert session.get(OutboxMessage, message_id).status == "in_doubt"  # waits, sends nothing
            assert len(twilio.accepted) == 1
            _status_callback(settings, twilio.accepted[0], "delivered")
            survivor.run_once()

        assert [m["body"] for m in twilio.accepted] == [f"alert {dies}"]  # exactly once
        with get_session_factory(database_url)() as session:
            row = session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id))
            assert row.status == ("sent" if dies == "before_accepting" else "delivered")
            assert row.provider_sid == twilio.accepted[0]["sid"]


def _status_callback(settings: Settings, message: dict, state: str) -> None:
    """Twilio's signed report on a message it took, through the backend's real endpoint."""
    url = message["status_callback"].replace(settings.public_backend_url.rstrip("/"), "http://testserver")
    settings = settings.model_copy(update={"public_backend_url": "http://testserver", "outbox_worker_in_process": False,
                                           "sweep_in_process": False})
    params = {"MessageSid": message["sid"], "MessageStatus": state, "To": message["to"]}
    app = create_app(settings)
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as client:
        response = client.post(url.removeprefix("http://testserver"), data=params,
                               headers={"X-Twilio-Signature": sign(settings.twilio_auth_token, url, params)})
    assert response.status_code == 204, response.text

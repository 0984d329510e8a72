"""No whole phone number (nor a message body with a name) in the backend's logs: uvicorn's access
log of a real backend process, masked by the filter the app installs; and database errors on
SQLite and PostgreSQL, whose messages and tracebacks carry neither the bound parameters nor
PostgreSQL's DETAIL with the failing row."""
import logging
import os
import socket
import subprocess
import time
import traceback
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import IntegrityError
from uvicorn.logging import AccessFormatter

from backend.db import get_session_factory
from backend.logging_setup import MaskPhoneNumbers, mask_numbers
from backend.models import Citizen, OutboxMessage
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
PHONE = "+919437100017"
NAME = "Sabitri Behera"


@pytest.mark.parametrize("text, masked", [
    ("GET /Messages.json?To=%2B919437100017&PageSize=50", "GET /Messages.json?To=***0017&PageSize=50"),
    ("To=whatsapp%3A%2B919437100017", "To=whatsapp%3A***0017"),
    ("whatsapp:+919437100017 said hello", "whatsapp:***0017 said hello"),
    ("to 9437100017.", "to ***0017."),
    ("/Accounts/AC00000000000000000000000000000000/Messages.json", "/Accounts/AC00000000000000000000000000000000/Messages.json"),
    ("outbox_id=12345", "outbox_id=12345"),
])
def test_phone_like_digit_runs_are_masked(text, masked):
    assert mask_numbers(text) == masked


def test_the_access_log_line_keeps_its_shape():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/Messages.json?To=%2B919437100017", "1.1", 200), None)
    assert MaskPhoneNumbers().filter(record)
    line = AccessFormatter("%(levelprefix)s %(message)s", use_colors=False).format(record)
    assert "919437100017" not in line and '"GET /Messages.json?To=***0017 HTTP/1.1" 200' in line


def test_an_exceptions_traceback_is_masked_too():
    try:
        raise ValueError(f"Key (phone)=({PHONE}) already exists.")
    except ValueError:
        record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI application", (), __import__("sys").exc_info())
    MaskPhoneNumbers().filter(record)
    assert "919437100017" not in logging.Formatter().format(record) and "***0017" in record.exc_text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_running_backends_access_log_has_no_whole_number(tmp_path):
    """The outbox's in-doubt lookup, as the sandbox's access log records it, in a real uvicorn."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SATHI_DATABASE_URL": f"sqlite:///{tmp_path / 'sathi.db'}",
           "SATHI_OUTBOX_WORKER_IN_PROCESS": "false", "SATHI_SWEEP_IN_PROCESS": "false", "SATHI_SANDBOX_ENABLED": "true"}
    log = tmp_path / "backend.log"
    with open(log, "wb") as out:
        backend = subprocess.Popen([str(ROOT / ".venv/bin/uvicorn"), "backend.main:app", "--port", str(port)],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        answered = httpx.get(f"{base}/sandbox/twilio/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json",
                             params={"To": f"whatsapp:{PHONE}"}, auth=("AC00000000000000000000000000000000", "dev-twilio-token"), timeout=10)
        assert answered.status_code == 200
    finally:
        backend.terminate()
        backend.wait(timeout=15)
    written = log.read_text()
    assert "Messages.json?To=whatsapp%3A***0017" in written  # the line is there, masked
    assert "919437100017" not in written


def _error(database_url: str, *rows) -> str:
    """The whole traceback of the database's refusal, as a logger.exception would print it."""
    with get_session_factory(database_url)() as session:
        session.add_all(rows)
        with pytest.raises(IntegrityError) as raised:
            session.commit()
    return "".join(traceback.format_exception(raised.value))


def test_a_refused_row_is_not_repeated_in_the_error(database_url):
    message = OutboxMessage(channel="whatsapp", recipient=PHONE, kind="reply", body=f"{NAME}, your request is filed",
                            next_attempt_at=None, created_at=NOW, updated_at=NOW)  # NOT NULL refused
    printed = _error(database_url, message)
    assert "next_attempt_at" in printed  # still says what was wrong
    assert "919437100017" not in printed and NAME not in printed


def test_a_duplicate_key_is_not_repeated_in_the_error(database_url):
    with get_session_factory(database_url)() as session:
        session.add(Citizen(phone=PHONE, updated_at=NOW))
        session.commit()
    printed = _error(database_url, Citizen(phone=PHONE, updated_at=NOW))
    assert "919437100017" not in printed


def test_a_logged_object_whose_text_holds_a_number_is_masked():
    """httpx logs `HTTP Request: GET <httpx.URL>`: the URL is no string until it is formatted."""
    url = httpx.URL("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json", params={"To": f"whatsapp:{PHONE}"})
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, 'HTTP Request: %s %s "%s %d %s"', ("GET", url, "HTTP/1.1", 200, "OK"), None)
    assert MaskPhoneNumbers().filter(record)
    assert logging.Formatter().format(record) == ('HTTP Request: GET https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json'
                                                  '?To=whatsapp%3A***0017 "HTTP/1.1 200 OK"')

"""Real-browser tests of the console: Debian's Chromium driven by Playwright against a real
backend process (uvicorn, the sandboxes on, a fresh SQLite database), one browser and one backend
per module. Cases are filed through the backend's own services in the test's database; sign-in
codes are read where a phone would get them: the Twilio sandbox's messages."""
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from backend.db import get_session_factory
from backend.settings import Settings
from scripts.stack import Stack, StackConfig
from tests import log_scan
from tests.conftest import PORT_BASE, SIGNIN_CODE

CHROMIUM = Path("/usr/bin/chromium")
# No internet here, and Playwright must never fetch a browser: Debian's, headless, quiet.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TWILIO_SID = "AC00000000000000000000000000000000"
TWILIO_TOKEN = "console-test-twilio-token"
# The sign-in code opens its message (after "Sathi: " on SMS): a reference's digits in an alert
# that reaches the same phone meanwhile ("New job WTR-2026-000001") are never taken for it.


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the console's browser tests need Debian's Chromium. Install it with "
                    "scripts/setup.sh, or: apt-get install -y --no-install-recommends chromium chromium-driver",
                    pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Backend:
    url: str
    settings: Settings  # the same database and master data the process uses, for filing and checking

    def session(self):  # noqa: ANN201
        return get_session_factory(self.settings.database_url)()

    def messages(self, to: str) -> list[dict]:
        """What the Twilio sandbox delivered to this address (whatsapp:+91... or +91...), newest first."""
        response = httpx.get(f"{self.url}/sandbox/twilio/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
                             params={"To": to, "PageSize": "50"}, auth=(TWILIO_SID, TWILIO_TOKEN), timeout=10)
        response.raise_for_status()
        return response.json()["messages"]

    def signin_code(self, to: str, *, after: set[str], timeout: float = 15.0) -> str:
        """The code of the first new sign-in message to this address (alerts arriving meanwhile are passed by)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages(to):
                found = SIGNIN_CODE.match(message["body"]) if message["sid"] not in after else None
                if found:
                    return found.group(1) or found.group(2)
            time.sleep(0.1)
        raise AssertionError(f"no sign-in code reached the phone in {timeout:.0f} s")

    def wait_for_message(self, to: str, *, after: set[str], contains: str = "", timeout: float = 15.0) -> str:
        """The body of the first new message to this address (the outbox worker sends it within a second)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages(to):
                if message["sid"] not in after and contains in message["body"]:
                    return message["body"]
            time.sleep(0.1)
        raise AssertionError(f"no new message containing {contains!r} reached the phone in {timeout:.0f} s")


@pytest.fixture(scope="module")
def backend(tmp_path_factory) -> Iterator[Backend]:
    var = tmp_path_factory.mktemp("console")
    port = PORT_BASE + 80  # clear of the e2e stacks' ports from the same base
    config = StackConfig(
        model=var, var_dir=var, backend_port=port, twilio_auth_token=TWILIO_TOKEN,
        extra_env={
            "SATHI_SANDBOX_ENABLED": "true", "SATHI_SWEEP_IN_PROCESS": "false", "SATHI_OUTBOX_POLL_SECONDS": "0.1",
            "SATHI_TWILIO_ACCOUNT_SID": TWILIO_SID, "SATHI_SIGNIN_CODES_PER_ADDRESS": "50",
            "SATHI_MEDIA_DIR": str(var / "media"), "SATHI_CERTIFICATE_KEY_FILE": str(var / "keys" / "certificate.pem"),
        },
    )
    stack = Stack(config)
    try:
        stack.start("backend", timeout=60)
        settings = Settings(database_url=config.effective_database_url, media_dir=var / "media",
                            certificate_key_file=var / "keys" / "certificate.pem", public_backend_url=config.backend_url)
        yield Backend(config.backend_url, settings)
    finally:
        stack.stop()
    found = log_scan.scan(var)
    assert not found, "the backend's log holds whole phone numbers:\n" + "\n".join(found[:20])


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser profile (no cookies) for each test."""
    context = browser.new_context(locale="en-IN")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def now() -> datetime:
    return datetime.now(UTC)

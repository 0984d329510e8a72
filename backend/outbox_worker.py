"""Delivers the outbox: `python -m backend.outbox_worker` (or in the backend process, the default).

Safe to run several at once, anywhere: see backend/services/outbox.py for how rows are claimed and
how a crash in the middle of a provider call is settled without losing or doubling a message. Each
row is handled on its own: an error on one is rolled back and logged (masked), and the pass goes on
with the rest; the row itself is settled later like any send in doubt."""

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

import locales
from backend import logging_setup
from backend.db import get_session_factory
from backend.models import Citizen, OutboxMessage
from backend.privacy import mask_phone
from backend.senders import NOT_SENT, UNSUBSCRIBED_CODES, InDoubt, OutgoingMessage, PermanentFailure, Sender, TemporaryFailure
from backend.senders.http_gateway import HttpGatewaySender, dlt_templates
from backend.senders.twilio import TwilioSender
from backend.services import citizens, outbox, staff_menu
from backend.settings import Settings, get_settings
from backend.workflow import WorkflowDef

logger = logging.getLogger("sathi.outbox")


@lru_cache
def whatsapp_templates(path: Path) -> dict[str, dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


class TemplateMissing(Exception):
    """A notice that could not reach a phone outside WhatsApp's window or through an Indian SMS gateway."""


def check_templates(workflows: Mapping[str, WorkflowDef], masterdata_dir: Path) -> None:
    """Every notice of every workflow has its WhatsApp template in every language (sent once the
    24-hour window has closed) and its DLT template id (every SMS through an Indian gateway);
    checked when the backend starts, so a new notice without them stops the start, not a citizen's alert."""
    keys = sorted({notice.key for workflow in workflows.values() for action in workflow.actions for notice in action.notify})
    templates = whatsapp_templates(masterdata_dir / "whatsapp_templates.yml")
    registered = dlt_templates(masterdata_dir / "dlt_templates.yml")
    for key in keys:
        languages = (templates.get(key) or {}).get("content_sid") or {}
        missing = [language for language in locales.LANGUAGES if not languages.get(language)]
        if missing:
            raise TemplateMissing(f"whatsapp_templates.yml: no template for {key} in {', '.join(missing)}")
        if key not in registered:
            raise TemplateMissing(f"dlt_templates.yml: no DLT template id for {key}")


def default_senders(settings: Settings) -> dict[str, Sender]:
    twilio = TwilioSender(settings)
    sms = HttpGatewaySender(settings) if settings.sms_provider == "http_gateway" else twilio
    return {"whatsapp": twilio, "sms": sms}


class OutboxWorker:
    def __init__(
        self,
        settings: Settings,
        senders: dict[str, Sender] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.senders = senders or default_senders(settings)
        self.clock = clock
        self.session_factory = get_session_factory(settings.database_url)
        self.wake = threading.Event()

    def run_once(self) -> int:
        """Settles what a dead or unanswered send left, then sends everything due. Returns how many it tried."""
        tried = 0
        with self.session_factory() as session:
            outbox.expire_leases(session, now=self.clock())
            for doubtful in outbox.in_doubt(session, now=self.clock()):
                self._guarded(session, doubtful, self._settle)
            while (
                message := outbox.claim_next(session, now=self.clock(), lease_seconds=self.settings.outbox_lease_seconds)
            ) is not None:
                self._guarded(session, message, self._deliver)
                tried += 1
        return tried

    @staticmethod
    def _guarded(session, message: OutboxMessage, step: Callable) -> None:  # noqa: ANN001
        """One row's error stays that row's: rolled back, logged without the number, pass goes on.
        A row left 'sending' by it is settled after its lease like a crashed send."""
        message_id, recipient = message.id, message.recipient
        try:
            step(session, message)
        except Exception:
            session.rollback()
            logger.exception("outbox %s to %s: error, the pass goes on", message_id, mask_phone(recipient))

    def run_forever(self, stop: threading.Event) -> None:
        logger.info("outbox worker started")
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # a database blip must not end the worker; the rows wait
                logger.exception("outbox pass failed; retrying")
            self.wake.wait(self.settings.outbox_poll_seconds)
            self.wake.clear()

    def _deliver(self, session, message: OutboxMessage) -> None:  # noqa: ANN001
        citizen = citizens.citizen_or_none(session, message.recipient)
        if citizen and citizen.opted_out_at and message.kind != "opt_out_confirmation":
            outbox.mark_failed(session, message, code="opted_out", detail="", now=self.clock(), status="suppressed")
            return
        sender = self.senders[message.channel]
        try:
            outgoing = self._outgoing(message, citizen)
            provider_sid = sender.send(outgoing)
        except TemporaryFailure as failure:
            outbox.mark_retry(
                session,
                message,
                code=failure.code,
                detail=failure.detail,
                now=self.clock(),
                max_attempts=self.settings.outbox_max_attempts,
                backoff_seconds=self.settings.outbox_backoff_seconds,
            )
        except InDoubt as failure:  # it may be at the provider: settled before any resend
            outbox.mark_in_doubt(
                session,
                message,
                code=failure.code,
                detail=failure.detail,
                now=self.clock(),
                check_at=(message.claimed_at or self.clock()) + sender.in_flight,  # claimed_at: set by the claim
            )
        except PermanentFailure as failure:
            if failure.code in UNSUBSCRIBED_CODES:
                citizens.set_opted_out(session, phone=message.recipient, opted_out=True, now=self.clock())
            else:
                outbox.fall_back_to_sms(session, message, now=self.clock())
            outbox.mark_failed(session, message, code=failure.code, detail=failure.detail, now=self.clock())
        else:
            self._sent(session, message, sender, provider_sid)
            logger.info("outbox %s sent to %s", message.id, mask_phone(message.recipient))

    def _sent(self, session, message: OutboxMessage, sender: Sender, provider_sid: str) -> None:  # noqa: ANN001
        if message.menu:  # what the message offers is what "1", "2"... mean from now on
            held = citizens.citizen_or_none(session, message.recipient)
            # but not in the middle of a step (a reason being written): "1" must not change its case then
            if not staff_menu.waiting(held.menu if held else None, self.clock()):
                citizens.set_menu(session, phone=message.recipient, menu=message.menu, now=self.clock())
        outbox.mark_sent(session, message, provider=sender.name, provider_sid=provider_sid, now=self.clock())

    def _settle(self, session, message: OutboxMessage) -> None:  # noqa: ANN001
        """A row in doubt: found by its marker -> sent; surely not at the provider, or silent past
        settle_after -> sent again; otherwise it waits (for its status callback, or the next check)."""
        sender, now = self.senders[message.channel], self.clock()
        attempted = message.claimed_at or message.updated_at
        if now < attempted + sender.in_flight:  # the provider may still be taking it
            outbox.check_again(session, message, at=attempted + sender.in_flight)
            return
        try:
            found = sender.find_sent(
                self._outgoing(message, citizens.citizen_or_none(session, message.recipient)),
                other_row=lambda sid: outbox.sid_owner(session, sid) not in (None, message.id),
            )
        except TemporaryFailure:
            found = None
        except PermanentFailure as failure:
            outbox.mark_failed(session, message, code=failure.code, detail=failure.detail, now=now)
            return
        if isinstance(found, str):
            self._sent(session, message, sender, found)
            logger.info("outbox %s was in doubt: the provider has it", message.id)
        elif found is NOT_SENT or now >= attempted + sender.settle_after:
            if outbox.release_for_resend(session, message, now=now):
                logger.warning(
                    "outbox %s was in doubt: %s; sending again",
                    message.id,
                    "the provider has nothing" if found is NOT_SENT else "no report from the provider",
                )
        else:
            outbox.check_again(session, message, at=min(now + sender.in_flight, attempted + sender.settle_after))

    def _outgoing(self, message: OutboxMessage, citizen: Citizen | None) -> OutgoingMessage:
        content_sid: str | None = None
        content_variables: dict[str, str] = {}
        if message.channel == "whatsapp" and not self._window_open(citizen):
            content_sid, content_variables = self._whatsapp_template(message)
        elif message.channel == "sms" and self.settings.sms_provider == "http_gateway":
            content_sid = dlt_templates(self.settings.masterdata_dir / "dlt_templates.yml").get(message.locale_key or "")
            if not content_sid:
                raise PermanentFailure("no_dlt_template", f"no DLT template registered for {message.locale_key}")
        return OutgoingMessage(
            outbox_id=message.id,
            channel=message.channel,
            to=message.recipient,
            body=message.body,
            media_url=message.media_url,
            content_sid=content_sid,
            content_variables=content_variables,
            claimed_at=message.claimed_at,
        )

    def _window_open(self, citizen: Citizen | None) -> bool:
        last = citizen.whatsapp_last_inbound_at if citizen else None
        return bool(last and self.clock() - last < timedelta(hours=self.settings.whatsapp_window_hours))

    def _whatsapp_template(self, message: OutboxMessage) -> tuple[str, dict[str, str]]:
        template = whatsapp_templates(self.settings.masterdata_dir / "whatsapp_templates.yml").get(message.locale_key or "") or {}
        content_sid = template.get("content_sid", {}).get(message.language)
        if not content_sid:
            raise PermanentFailure(
                "outside_whatsapp_window", f"no approved template for {message.locale_key} in {message.language}"
            )
        names = template.get("variables", [])
        return content_sid, {str(i): message.variables.get(name, "") for i, name in enumerate(names, start=1)}


def start_in_background(settings: Settings) -> tuple[threading.Thread, threading.Event, Callable[[], None]]:
    """The worker in a thread of this process: the thread, the event that stops it, and the function
    that wakes it (the API calls it after a commit that queued messages)."""
    worker, stop = OutboxWorker(settings), threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), name="outbox-worker", daemon=True)
    thread.start()
    return thread, stop, worker.wake.set


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging_setup.install()  # no whole numbers in what this process prints (httpx logs each URL)
    settings = get_settings()
    settings.refuse_published_defaults()
    worker, stop = OutboxWorker(settings), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    worker.run_forever(stop)


if __name__ == "__main__":
    main()

"""The one flow every text channel (Twilio WhatsApp, Twilio SMS, an SMS gateway) shares: verify the
request, decode it, keep it durably, answer the provider at once, run the conversation turn, and
queue the replies in the outbox. A subclass only says how to verify and decode its provider's
requests (courier: one handler per channel type, one interface).

Nothing acknowledged is lost. The backend keeps each message (`pending`) before the provider hears
200, and the replies are queued in the same transaction that marks it done. A turn cut short (this
process died, the backend or the action server was down) is taken up again by any channel process
once its lease ends: if the tracker shows the turn ran, its replies are read back from there; if
not, it runs again, and filing stays idempotent. When the backend cannot be reached at all, the
message goes to a spool on this machine and the citizen is told, from the local locales, that it is
kept and will be answered."""
import asyncio
import inspect
import logging
import uuid
from collections import defaultdict
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import action_endpoint
from channels import keywords
from channels.backend_link import BackendLink, BackendUnavailable, Claim, UnfinishedTurn
from channels.collector import ReplyCollector
from channels.configured_input import ConfiguredInput
from channels.inbound import InboundText, MalformedWebhook
from channels.replies import text_replies
from channels.spool import Spool
from locales import render
from locales.detect import detect
from backend.privacy import mask_phone
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, UserUttered

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
RESUME_SECONDS = 3.0  # how often a channel process looks for turns nobody finished
# How long the provider's answer may wait for the backend's claim; then the message is kept in the
# local spool and claimed from there (Twilio's answer stays fast under any load).
CLAIM_BUDGET_SECONDS = 0.3
RETRY_DELAY_SECONDS = 10.0  # a turn whose action server was down waits this long before the next try
MAX_TURN_ATTEMPTS = 6  # then the citizen is asked to send the message again
# Turns are CPU work on Rasa's one event loop: a few at a time keeps the loop free to answer the
# provider's webhooks at once in a burst, and costs no throughput (the CPU is the limit either way).
MAX_CONCURRENT_TURNS = 4


@dataclass(frozen=True)
class Turn:
    inbound_id: int | None
    sid: str
    sender: str
    text: str
    metadata: dict[str, Any]
    opted_out: bool
    menu: dict[str, str] | None
    attempts: int = 1
    resumed: bool = False

    @classmethod
    def resumed_from(cls, turn: UnfinishedTurn) -> "Turn":
        payload = turn.payload
        return cls(turn.inbound_id, turn.external_id, str(payload.get("sender", "")), str(payload.get("text", "")),
                   dict(payload.get("metadata") or {}), turn.opted_out, turn.menu, turn.attempts, resumed=True)


class TextChannelInput(ConfiguredInput):
    provider = ""  # the dedupe namespace: twilio | http_gateway
    channel = ""  # whatsapp | sms

    def __init__(self, backend_url: str, api_token: str, spool_path: str | None = None) -> None:
        self.backend = BackendLink(backend_url, api_token)
        # Which process holds a turn; unique per process, so another may take over what it leaves.
        self.claimant = f"{self.name()[:16]}-{uuid.uuid4().hex[:16]}"
        self.spool = Spool(spool_path) if spool_path else None
        self._sender_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task] = set()
        self._in_flight: set[str] = set()
        self._turns = asyncio.Semaphore(MAX_CONCURRENT_TURNS)
        self._tracker_store: Any = None
        self._wake = asyncio.Event()  # set when a message is kept, so the spool is drained at once

    # What a provider-specific subclass supplies.
    def verified_form(self, request: Request) -> dict[str, str] | None:
        raise NotImplementedError

    def parse(self, form: dict[str, str]) -> InboundText:
        raise NotImplementedError

    def acknowledgement(self, reply: str | None = None) -> HTTPResponse:
        """The provider's 200; `reply` is a message to send back with it where the provider can."""
        raise NotImplementedError

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.listener("after_server_start")
        async def resume_unfinished(app: Any, _loop: Any) -> None:
            agent = getattr(app.ctx, "agent", None)
            action_endpoint.install(agent)  # the agent serves every channel, voice included
            self._tracker_store = getattr(agent, "tracker_store", None)
            self._spawn(self._resume_forever(on_new_message))

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            form = self.verified_form(request)
            if form is None:
                return response.text("invalid signature", status=403)
            try:
                message = self.parse(form)
            except MalformedWebhook:
                return response.text("malformed webhook", status=400)
            payload = message.payload(self.channel)
            if self.spool is not None and self.spool.holds(self.channel, message.sender):
                return self._keep_quietly(message, payload)  # behind what of theirs already waits
            try:
                claim = await self._claim_within_budget(message, payload)
            except asyncio.TimeoutError:
                return self._keep_quietly(message, payload)  # the backend is slow, not down
            except BackendUnavailable as exc:
                return self._keep_for_later(message, payload, exc)
            if claim.first:
                self._spawn(self._converse(
                    Turn(claim.inbound_id, message.sid, message.sender, message.text, payload["metadata"], claim.opted_out, claim.menu),
                    on_new_message,
                ))
            return self.acknowledgement()

        return webhook

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _claim_within_budget(self, message: InboundText, payload: dict[str, Any]) -> Claim:
        claim = self.backend.claim(
            provider=self.provider, external_id=message.sid, channel=self.channel, phone=message.sender,
            payload=payload, claimant=self.claimant, retry=self.spool is None,
        )
        if self.spool is None:
            return await claim
        # A claim cut short may still have been stored: the spool's claim, by the same claimant, finds it.
        return await asyncio.wait_for(claim, CLAIM_BUDGET_SECONDS)

    def _keep_quietly(self, message: InboundText, payload: dict[str, Any]) -> HTTPResponse:
        assert self.spool is not None
        self.spool.keep(self.channel, message.sid, message.sender, payload)
        self._wake.set()
        return self.acknowledgement()

    def _keep_for_later(self, message: InboundText, payload: dict[str, Any], exc: Exception) -> HTTPResponse:
        if self.spool is None:
            logger.error("%s: backend unavailable and no spool configured, message not taken: %s", self.name(), exc)
            return response.text("temporarily unavailable", status=503)
        first_for_sender = self.spool.keep(self.channel, message.sid, message.sender, payload)
        logger.error("%s: backend unavailable (%s); message from %s kept in the spool", self.name(), exc, mask_phone(message.sender))
        keyword = keywords.match(message.text)
        if not first_for_sender or (keyword and keyword.kind in ("stop", "start")):
            return self.acknowledgement()  # told once per outage; STOP gets its own confirmation later
        language = detect(message.text).language or "en"
        return self.acknowledgement(render("utter_message_kept", language, self.name())["text"])

    async def _resume_forever(self, on_new_message: OnNewMessage) -> None:
        while True:
            self._wake.clear()
            try:
                await self._drain_spool(on_new_message)
                for unfinished in await self.backend.take_unfinished(provider=self.provider, channel=self.channel, claimant=self.claimant):
                    self._spawn(self._converse(Turn.resumed_from(unfinished), on_new_message))
            except BackendUnavailable:
                pass  # still down: the next pass tries again
            except Exception:
                logger.exception("%s: resuming unfinished turns failed", self.name())
            try:  # a message just kept wakes the pass at once
                await asyncio.wait_for(self._wake.wait(), RESUME_SECONDS)
            except asyncio.TimeoutError:
                pass

    async def _drain_spool(self, on_new_message: OnNewMessage) -> None:
        if self.spool is None:
            return
        for kept in self.spool.waiting(self.channel):
            claim = await self.backend.claim(
                provider=self.provider, external_id=kept.sid, channel=self.channel, phone=kept.sender,
                payload=kept.payload, claimant=self.claimant,
            )
            self.spool.forget(self.channel, kept.sid)
            if claim.first:
                self._spawn(self._converse(
                    Turn(claim.inbound_id, kept.sid, kept.sender, str(kept.payload.get("text", "")),
                         dict(kept.payload.get("metadata") or {}), claim.opted_out, claim.menu),
                    on_new_message,
                ))

    async def _converse(self, turn: Turn, on_new_message: OnNewMessage) -> None:
        if turn.sid in self._in_flight:  # this process is still on it
            return
        self._in_flight.add(turn.sid)
        try:
            # One conversation turn at a time per sender, so replies leave in the order messages came.
            async with self._sender_locks[turn.sender], self._turns:
                try:
                    await self._handle(turn, on_new_message)
                except BackendUnavailable as exc:  # the turn stays pending; its lease runs out and it is resumed
                    logger.error("%s: turn from %s left for the next pass: %s", self.name(), mask_phone(turn.sender), exc)
                except Exception:
                    logger.exception("%s: conversation turn failed", self.name())
                    await self._retry_later(turn)
        finally:
            self._in_flight.discard(turn.sid)
            if turn.sender in self._sender_locks and not self._sender_locks[turn.sender].locked():
                self._sender_locks.pop(turn.sender, None)

    async def _handle(self, turn: Turn, on_new_message: OnNewMessage) -> None:
        keyword = keywords.match(turn.text)
        if keyword and keyword.kind == "start" and not turn.opted_out:
            keyword = None  # nothing to undo: "start" is just a word in the conversation
        if keyword and keyword.kind in ("stop", "start"):
            await self.backend.opt_out(
                phone=turn.sender, channel=self.channel, opted_out=keyword.kind == "stop", language=keyword.language,
                inbound_id=turn.inbound_id,
            )
            return
        if turn.opted_out:  # they said STOP: nothing goes to this number until START
            await self.backend.queue_replies(channel=self.channel, phone=turn.sender, replies=[], menu=None, inbound_id=turn.inbound_id)
            return
        messages = await self._bot_messages(turn, keyword, on_new_message)
        if not messages:
            # Every turn of this bot says something; silence means an action could not run (Rasa
            # logs that and carries on), so the turn is tried again once the part is back.
            logger.warning("%s: the turn from %s produced no reply; trying again later", self.name(), mask_phone(turn.sender))
            await self._retry_later(turn)
            return
        replies, menu = text_replies(messages, self.channel)
        await self.backend.queue_replies(channel=self.channel, phone=turn.sender, replies=replies, menu=menu, inbound_id=turn.inbound_id)

    async def _bot_messages(self, turn: Turn, keyword: keywords.Keyword | None, on_new_message: OnNewMessage) -> list[dict[str, Any]]:
        """What the bot said to this message (nothing when the turn could not run to its end)."""
        if turn.resumed:
            said = await self._said_before(turn)
            if said:  # the turn ran before the crash; only its replies were not queued
                return said
        if turn.attempts > MAX_TURN_ATTEMPTS:
            return [{"text": render("utter_turn_failed", detect(turn.text).language or "en", self.name())["text"]}]
        text = turn.text
        if keyword and keyword.kind == "status":
            text = f'/check_status{{"reference":"{keyword.reference}"}}'
        elif turn.menu and text.strip() in turn.menu:
            text = turn.menu[text.strip()]
        collector = ReplyCollector(self.name())
        # A second try is a new message to the dialogue: the first one's events are already in its tracker.
        message_id = turn.sid if turn.attempts == 1 else f"{turn.sid}#{turn.attempts}"
        await on_new_message(
            UserMessage(text, collector, turn.sender, input_channel=self.name(), message_id=message_id, metadata=turn.metadata)
        )
        return collector.messages

    async def _said_before(self, turn: Turn) -> list[dict[str, Any]] | None:
        """The bot's messages after the last try of this turn in the saved conversation, if any."""
        events = await self._events(turn.sender)
        start = None
        for index, event in enumerate(events):
            if isinstance(event, UserUttered) and (event.message_id == turn.sid or str(event.message_id or "").startswith(f"{turn.sid}#")):
                start = index
        if start is None:
            return None
        said = []
        for event in events[start + 1:]:
            if isinstance(event, UserUttered):
                break
            if isinstance(event, BotUttered):
                said.append({"text": event.text, **{k: v for k, v in (event.data or {}).items() if v}})
        return said

    async def _events(self, sender: str) -> list[Any]:
        if self._tracker_store is None:
            return []
        tracker = self._tracker_store.retrieve(sender)
        if inspect.isawaitable(tracker):
            tracker = await tracker
        return list(tracker.events) if tracker is not None else []

    async def _retry_later(self, turn: Turn) -> None:
        if turn.inbound_id is None:
            return
        try:
            await self.backend.retry_later(inbound_id=turn.inbound_id, claimant=self.claimant, delay_seconds=RETRY_DELAY_SECONDS)
        except BackendUnavailable:
            pass  # the lease runs out anyway

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
kept and will be answered.

While a turn runs its process renews the lease, and replies are taken only from the process that
holds it, so a slow turn is never run a second time elsewhere."""

import asyncio
import inspect
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from backend.privacy import mask_phone
from bot import action_endpoint, in_process_actions
from channels.backend_link import BackendLink, BackendRefused, BackendUnavailable, Claim, TurnStart, UnfinishedTurn
from channels.collector import ReplyCollector
from channels.configured_input import ConfiguredInput
from channels.inbound import InboundText, MalformedWebhook
from channels.replies import text_replies
from channels.spool import Spool
from common.languages import DEFAULT_LANGUAGE
from locales import keywords, render
from locales.detect import detect

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
    inbound_id: int
    sid: str
    sender: str
    text: str
    metadata: dict[str, Any]
    attempts: int = 1
    resumed: bool = False

    @classmethod
    def claimed(cls, claim: Claim, sid: str, payload: dict[str, Any]) -> "Turn":
        assert claim.inbound_id is not None
        return cls(
            claim.inbound_id, sid, str(payload["sender"]), str(payload.get("text", "")), dict(payload.get("metadata") or {})
        )

    @classmethod
    def resumed_from(cls, turn: UnfinishedTurn) -> "Turn":
        payload = turn.payload
        return cls(
            turn.inbound_id,
            turn.external_id,
            str(payload.get("sender", "")),
            str(payload.get("text", "")),
            dict(payload.get("metadata") or {}),
            turn.attempts,
            resumed=True,
        )


class TextChannelInput(ConfiguredInput):
    provider = ""  # the dedupe namespace: twilio | http_gateway
    channel = ""  # whatsapp | sms

    def __init__(self, backend_url: str, channels_token: str, spool_path: str | None = None) -> None:
        self.backend = BackendLink(backend_url, channels_token)
        # Which process holds a turn; unique per process, so another may take over what it leaves.
        self.claimant = f"{self.name()[:16]}-{uuid.uuid4().hex[:16]}"
        self.spool = Spool(spool_path) if spool_path else None
        self._sender_locks: dict[str, asyncio.Lock] = {}
        self._sender_turns: Counter[str] = Counter()  # turns holding or waiting for each sender's lock
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
            in_process_actions.install()  # language detection without a call to the action server
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
            if self.spool is not None and self.spool.holds(self.name(), message.sender):
                return self._keep_quietly(message, payload)  # behind what of theirs already waits
            try:
                claim = await self._claim_within_budget(message, payload)
            except TimeoutError:
                return self._keep_quietly(message, payload)  # the backend is slow, not down
            except BackendUnavailable as exc:
                return self._keep_for_later(message, payload, exc)
            except BackendRefused as exc:
                logger.error("%s: the backend refused a message from %s: %s", self.name(), mask_phone(message.sender), exc)
                return response.text("message refused", status=400)
            if claim.first:
                self._spawn(self._converse(Turn.claimed(claim, message.sid, payload), on_new_message))
            return self.acknowledgement()

        return webhook

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _local_reply(self, key: str, text: str) -> str:
        """A reply that needs nothing but this process: in the language and script the text is in
        where it says so decisively (a script, or enough of a language's own words), as a message
        must to switch a chat's language; else in the default ("help" alone is no Odia)."""
        detected = detect(text)
        language = detected.language if detected.decisive else None
        return render(key, language or DEFAULT_LANGUAGE, self.name(), latin_sms=bool(language) and detected.latin_script)["text"]

    async def _claim_within_budget(self, message: InboundText, payload: dict[str, Any]) -> Claim:
        claim = self.backend.claim(
            provider=self.provider,
            external_id=message.sid,
            channel=self.channel,
            phone=message.sender,
            payload=payload,
            claimant=self.claimant,
            retry=self.spool is None,
        )
        if self.spool is None:
            return await claim
        # A claim cut short may still have been stored: the spool's claim, by the same claimant, finds it.
        return await asyncio.wait_for(claim, CLAIM_BUDGET_SECONDS)

    def _keep_quietly(self, message: InboundText, payload: dict[str, Any]) -> HTTPResponse:
        assert self.spool is not None
        self.spool.keep(self.name(), message.sid, message.sender, payload)
        self._wake.set()
        return self.acknowledgement()

    def _keep_for_later(self, message: InboundText, payload: dict[str, Any], exc: Exception) -> HTTPResponse:
        if self.spool is None:
            logger.error("%s: backend unavailable and no spool configured, message not taken: %s", self.name(), exc)
            return response.text("temporarily unavailable", status=503)
        first_for_sender = self.spool.keep(self.name(), message.sid, message.sender, payload)
        logger.error(
            "%s: backend unavailable (%s); message from %s kept in the spool", self.name(), exc, mask_phone(message.sender)
        )
        keyword = keywords.match(message.text)
        if not first_for_sender or (keyword and keyword.about_messages):
            return self.acknowledgement()  # told once per outage; STOP gets its own confirmation later
        return self.acknowledgement(self._local_reply("utter_message_kept", message.text))

    async def _resume_forever(self, on_new_message: OnNewMessage) -> None:
        while True:
            self._wake.clear()
            for step in (self._drain_spool, self._resume_unfinished):
                try:
                    await step(on_new_message)
                except BackendUnavailable:
                    pass  # still down: the next pass tries again
                except Exception:
                    logger.exception("%s: resuming unfinished turns failed", self.name())
            try:  # a message just kept wakes the pass at once
                await asyncio.wait_for(self._wake.wait(), RESUME_SECONDS)
            except TimeoutError:
                pass

    async def _resume_unfinished(self, on_new_message: OnNewMessage) -> None:
        for unfinished in await self.backend.take_unfinished(
            provider=self.provider, channel=self.channel, claimant=self.claimant
        ):
            self._spawn(self._converse(Turn.resumed_from(unfinished), on_new_message))

    async def _drain_spool(self, on_new_message: OnNewMessage) -> None:
        if self.spool is None:
            return
        for kept in self.spool.waiting(self.name()):
            try:
                claim = await self.backend.claim(
                    provider=self.provider,
                    external_id=kept.sid,
                    channel=self.channel,
                    phone=kept.sender,
                    payload=kept.payload,
                    claimant=self.claimant,
                )
            except BackendRefused as exc:  # it will never be taken: it must not hold up the rest
                logger.error("%s: the backend refused a kept message from %s: %s", self.name(), mask_phone(kept.sender), exc)
                self.spool.forget(self.name(), kept.sid)
                continue
            self.spool.forget(self.name(), kept.sid)
            if claim.first:
                self._spawn(self._converse(Turn.claimed(claim, kept.sid, kept.payload), on_new_message))

    async def _converse(self, turn: Turn, on_new_message: OnNewMessage) -> None:
        if turn.sid in self._in_flight:  # this process is still on it
            return
        self._in_flight.add(turn.sid)
        self._sender_turns[turn.sender] += 1
        lock = self._sender_locks.setdefault(turn.sender, asyncio.Lock())
        try:
            # One conversation turn at a time per sender, so replies leave in the order messages came.
            async with lock, self._turns:
                try:
                    start = await self.backend.start_turn(inbound_id=turn.inbound_id, claimant=self.claimant)
                    if start is None:
                        return  # finished meanwhile, or another process has taken it over
                    keep = asyncio.create_task(self._keep_lease(turn, start.lease_seconds))
                    try:
                        await self._handle(turn, start, on_new_message)
                    finally:
                        keep.cancel()
                except BackendUnavailable as exc:  # the turn stays pending; its lease runs out and it is resumed
                    logger.error("%s: turn from %s left for the next pass: %s", self.name(), mask_phone(turn.sender), exc)
                except Exception:
                    logger.exception("%s: conversation turn failed", self.name())
                    await self._retry_later(turn)
        finally:
            self._in_flight.discard(turn.sid)
            self._sender_turns[turn.sender] -= 1
            if not self._sender_turns[turn.sender]:  # no turn of theirs holds or awaits the lock
                del self._sender_turns[turn.sender]
                self._sender_locks.pop(turn.sender, None)

    async def _keep_lease(self, turn: Turn, lease_seconds: float) -> None:
        while True:
            await asyncio.sleep(lease_seconds / 3)
            try:
                await self.backend.start_turn(inbound_id=turn.inbound_id, claimant=self.claimant)
            except (BackendUnavailable, BackendRefused):
                pass  # the next beat tries again; at worst another process takes the turn over

    async def _handle(self, turn: Turn, start: TurnStart, on_new_message: OnNewMessage) -> None:
        keyword = keywords.match(turn.text)
        if keyword and keyword.kind == "start" and not start.opted_out:
            keyword = None  # nothing to undo: "start" is just a word in the conversation
        with_person = start.with_person
        if keyword and keyword.kind == "menu":
            if with_person:  # back to the assistant: the conversation with the office ends
                await self.backend.leave_person(inbound_id=turn.inbound_id, claimant=self.claimant)
                with_person = False
            keyword = None  # and the bot answers "menu" as the word it is
        if keyword and keyword.about_messages:
            await self.backend.opt_out(
                phone=turn.sender,
                channel=self.channel,
                opted_out=keyword.kind == "stop",
                language=keyword.language,
                inbound_id=turn.inbound_id,
                claimant=self.claimant,
            )
            return
        # A person who works cases: the staff's chat answers (the console's rights, over chat), not the bot.
        if (
            start.staff
            and turn.attempts <= MAX_TURN_ATTEMPTS
            and await self.backend.staff_turn(inbound_id=turn.inbound_id, claimant=self.claimant)
        ):
            return
        # A person answers it, in the console; the bot stays out of their conversation (unless the
        # message has failed too often to pass on: then it gets the bot's apology, not another try).
        # Kept even after a STOP: the office reads it, though nothing is sent back until START.
        if (
            with_person
            and not keyword
            and turn.attempts <= MAX_TURN_ATTEMPTS
            and await self.backend.to_person(inbound_id=turn.inbound_id, claimant=self.claimant)
        ):
            return
        if start.opted_out:  # they said STOP: nothing goes to this number until START
            await self._finish(turn, [], None)
            return
        messages = await self._bot_messages(turn, keyword, start, on_new_message)
        if not messages:
            # Every turn of this bot says something; silence means an action could not run (Rasa
            # logs that and carries on), so the turn is tried again once the part is back.
            logger.warning("%s: the turn from %s produced no reply; trying again later", self.name(), mask_phone(turn.sender))
            await self._retry_later(turn)
            return
        replies, menu = text_replies(messages, self.channel)
        await self._finish(turn, replies, menu)

    async def _finish(self, turn: Turn, replies: list[dict[str, Any]], menu: dict[str, str] | None) -> None:
        try:
            await self.backend.queue_replies(
                channel=self.channel,
                phone=turn.sender,
                replies=replies,
                menu=menu,
                inbound_id=turn.inbound_id,
                claimant=self.claimant,
            )
        except BackendRefused as exc:  # replies the backend will never take: the turn ends in an apology
            logger.error("%s: replies to %s refused: %s", self.name(), mask_phone(turn.sender), exc)
            sorry = [{"body": self._local_reply("utter_turn_failed", turn.text)}]
            await self.backend.queue_replies(
                channel=self.channel,
                phone=turn.sender,
                replies=sorry,
                menu=None,
                inbound_id=turn.inbound_id,
                claimant=self.claimant,
            )

    async def _bot_messages(
        self, turn: Turn, keyword: keywords.Keyword | None, start: TurnStart, on_new_message: OnNewMessage
    ) -> list[dict[str, Any]]:
        """What the bot said to this message (nothing when the turn could not run to its end)."""
        if turn.attempts > MAX_TURN_ATTEMPTS:
            return [{"text": self._local_reply("utter_turn_failed", turn.text)}]
        if turn.resumed:
            said = await self._said_before(turn)
            if said:  # the turn ran before the crash; only its replies were not queued
                return said
        text = turn.text
        if keyword and keyword.kind == "status":
            text = f'/check_status{{"reference":"{keyword.reference}"}}'
        elif start.menu and text.strip() in start.menu:
            text = start.menu[text.strip()]
        collector = ReplyCollector(self.name())
        # A second try is a new message to the dialogue: the first one's events are already in its tracker.
        message_id = turn.sid if turn.attempts == 1 else f"{turn.sid}#{turn.attempts}"
        # The grant goes with the message: the action server acts for this phone only, for this turn.
        metadata = {**turn.metadata, "turn": start.turn}
        await on_new_message(
            UserMessage(text, collector, turn.sender, input_channel=self.name(), message_id=message_id, metadata=metadata)
        )
        return collector.messages

    async def _said_before(self, turn: Turn) -> list[dict[str, Any]] | None:
        """The bot's messages after the last try of this turn in the saved conversation, if any."""
        events = await self._events(turn.sender)
        last_try = None
        for index, event in enumerate(events):
            if isinstance(event, UserUttered) and (
                event.message_id == turn.sid or str(event.message_id or "").startswith(f"{turn.sid}#")
            ):
                last_try = index
        if last_try is None:
            return None
        said = []
        for event in events[last_try + 1 :]:
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
        try:
            await self.backend.retry_later(inbound_id=turn.inbound_id, claimant=self.claimant, delay_seconds=RETRY_DELAY_SECONDS)
        except BackendUnavailable:
            pass  # the lease runs out anyway

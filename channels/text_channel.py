"""What every text channel (WhatsApp, SMS through Twilio or an Indian gateway) does with a message.

The provider gets its answer as soon as the request is verified and its message id is claimed in
the backend's table; the conversation runs after that, and the replies go into the backend's
outbox, which sends them in order. A message id seen before (a provider's retry, or the same
request reaching a second Rasa worker) is acknowledged and dropped. Subclasses say how to verify
and decode their provider's requests (courier: one handler per channel type, one interface)."""
import asyncio
import logging
from collections import defaultdict
from typing import Any, Awaitable, Callable

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import keywords
from channels.backend_link import BackendLink, BackendUnavailable, Claim
from channels.collector import ReplyCollector
from channels.configured_input import ConfiguredInput
from channels.inbound import InboundText, MalformedWebhook
from channels.replies import text_replies
from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class TextChannelInput(ConfiguredInput):
    provider = ""  # the dedupe namespace: twilio | http_gateway
    channel = ""  # whatsapp | sms

    def __init__(self, backend_url: str, api_token: str) -> None:
        self.backend = BackendLink(backend_url, api_token)
        self._sender_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task] = set()

    # What a provider-specific subclass supplies.
    def verified_form(self, request: Request) -> dict[str, str] | None:
        raise NotImplementedError

    def parse(self, form: dict[str, str]) -> InboundText:
        raise NotImplementedError

    def acknowledgement(self) -> HTTPResponse:
        raise NotImplementedError

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

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
            try:
                claim = await self.backend.claim(
                    provider=self.provider, external_id=message.sid, channel=self.channel, phone=message.sender
                )
            except BackendUnavailable as exc:
                # Without the backend nothing can be deduplicated or sent; the provider records the failure.
                logger.error("%s: backend unavailable, message not taken: %s", self.name(), exc)
                return response.text("temporarily unavailable", status=503)
            if claim.first:
                task = asyncio.create_task(self._converse(message, claim, on_new_message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return self.acknowledgement()

        return webhook

    async def _converse(self, message: InboundText, claim: Claim, on_new_message: OnNewMessage) -> None:
        # One conversation turn at a time per sender, so replies leave in the order messages came.
        async with self._sender_locks[message.sender]:
            try:
                await self._handle(message, claim, on_new_message)
            except BackendUnavailable as exc:
                logger.error("%s: replies could not be queued: %s", self.name(), exc)
            except Exception:
                logger.exception("%s: conversation turn failed", self.name())
        if not self._sender_locks[message.sender].locked():
            self._sender_locks.pop(message.sender, None)

    async def _handle(self, message: InboundText, claim: Claim, on_new_message: OnNewMessage) -> None:
        keyword = keywords.match(message.text)
        if keyword and keyword.kind == "start" and not claim.opted_out:
            keyword = None  # nothing to undo: "start" is just a word in the conversation
        if keyword and keyword.kind in ("stop", "start"):
            await self.backend.opt_out(
                phone=message.sender, channel=self.channel, opted_out=keyword.kind == "stop", language=keyword.language
            )
            return
        if claim.opted_out:
            return  # they said STOP: nothing goes to this number until START
        text = message.text
        if keyword and keyword.kind == "status":
            text = f'/check_status{{"reference":"{keyword.reference}"}}'
        elif claim.menu and text.strip() in claim.menu:
            text = claim.menu[text.strip()]
        collector = ReplyCollector(self.name())
        await on_new_message(
            UserMessage(text, collector, message.sender, input_channel=self.name(), message_id=message.sid,
                        metadata=message.metadata(self.channel))
        )
        replies, menu = text_replies(collector.messages, self.channel)
        await self.backend.queue_replies(channel=self.channel, phone=message.sender, replies=replies, menu=menu)

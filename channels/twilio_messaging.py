"""Twilio WhatsApp and SMS as Rasa input channels.

Twilio gets its answer (empty TwiML) as soon as the signature is checked and the MessageSid is
claimed in the backend's table; the conversation runs after that and its replies go into the
backend's outbox, which sends them through Twilio's REST API in order. A MessageSid seen before
(Twilio's retry, or the same request reaching a second Rasa worker) is answered and dropped."""
import asyncio
import logging
from collections import defaultdict
from typing import Any, Awaitable, Callable

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import keywords
from channels.backend_link import BackendUnavailable, Claim
from channels.collector import ReplyCollector
from channels.inbound import InboundText, MalformedWebhook, parse_message
from channels.replies import text_replies
from channels.twilio_base import TwilioInput
from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioMessagingInput(TwilioInput):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sender_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._tasks: set[asyncio.Task] = set()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            form = self.signed_form(request)
            if form is None:
                return response.text("invalid signature", status=403)
            try:
                message = parse_message(form)
            except MalformedWebhook:
                return response.text("malformed webhook", status=400)
            try:
                claim = await self.backend.claim(
                    provider=self.provider, external_id=message.sid, channel=self.channel, phone=message.sender
                )
            except BackendUnavailable as exc:
                # Without the backend nothing can be deduplicated or sent; Twilio records the failure.
                logger.error("%s: backend unavailable, message not taken: %s", self.name(), exc)
                return response.text("temporarily unavailable", status=503)
            if claim.first:
                task = asyncio.create_task(self._converse(message, claim, on_new_message))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return webhook

    async def _converse(self, message: InboundText, claim: Claim, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        # One conversation turn at a time per sender, so replies leave in the order messages came.
        async with self._sender_locks[message.sender]:
            try:
                await self._handle(message, claim, on_new_message)
            except BackendUnavailable as exc:
                logger.error("%s: replies could not be queued: %s", self.name(), exc)
            except Exception:
                logger.exception("%s: conversation turn failed", self.name())

    async def _handle(self, message: InboundText, claim: Claim, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        keyword = keywords.match(message.text)
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


class WhatsAppInput(TwilioMessagingInput):
    channel = "whatsapp"

    @classmethod
    def name(cls) -> str:
        return "twilio_whatsapp"


class SmsInput(TwilioMessagingInput):
    channel = "sms"

    @classmethod
    def name(cls) -> str:
        return "twilio_sms"

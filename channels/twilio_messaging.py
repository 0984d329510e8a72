"""Twilio WhatsApp and Twilio SMS as Rasa input channels (the flow is channels/text_channel.py)."""

from typing import Any
from xml.sax.saxutils import escape

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.inbound import InboundText, parse_message
from channels.text_channel import TextChannelInput
from channels.twilio_base import TwilioRequestCheck
from common.channels import SMS, TWILIO_SMS, TWILIO_WHATSAPP, WHATSAPP

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioMessagingInput(TextChannelInput):
    provider = "twilio"
    secret_credentials = {"auth_token": "SATHI_TWILIO_AUTH_TOKEN"}

    def __init__(
        self,
        auth_token: str,
        public_base_url: str,
        backend_url: str,
        channels_token: str,
        spool_path: str | None = None,
        **_: Any,
    ) -> None:
        super().__init__(backend_url, channels_token, spool_path)
        self.check = TwilioRequestCheck(auth_token, public_base_url)

    def verified_form(self, request: Request) -> dict[str, str] | None:
        return self.check.signed_form(request)

    def parse(self, form: dict[str, str]) -> InboundText:
        return parse_message(form)

    def acknowledgement(self, reply: str | None = None) -> HTTPResponse:
        # A <Message> in the answer is sent by Twilio itself: it needs nothing of ours to be up.
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(reply)}</Message></Response>'
            if reply
            else EMPTY_TWIML
        )
        return response.text(body, content_type="text/xml")


class WhatsAppInput(TwilioMessagingInput):
    channel = WHATSAPP

    @classmethod
    def name(cls) -> str:
        return TWILIO_WHATSAPP


class SmsInput(TwilioMessagingInput):
    channel = SMS

    @classmethod
    def name(cls) -> str:
        return TWILIO_SMS

"""What every Twilio input channel does first: check X-Twilio-Signature against the public URL
(403 and nothing else when it fails), decode the form, and talk to the backend. One subclass per
channel type, as courier has one handler per channel."""
import logging
from typing import Any
from urllib.parse import parse_qsl

from sanic.request import Request

from channels.backend_link import BackendLink
from channels.twilio_signature import is_valid, public_url
from rasa.core.channels.channel import InputChannel

logger = logging.getLogger(__name__)


class TwilioInput(InputChannel):
    channel = ""  # whatsapp | sms | voice
    provider = "twilio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "TwilioInput":
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(**credentials)

    def __init__(self, auth_token: str, public_base_url: str, backend_url: str, api_token: str, **options: Any) -> None:
        self.auth_token = auth_token
        self.public_base_url = public_base_url
        self.backend = BackendLink(backend_url, api_token)
        self.options = options

    def signed_form(self, request: Request) -> dict[str, str] | None:
        """The POSTed parameters if Twilio signed exactly them for our public URL, else None."""
        # Parsed here rather than by Sanic, which drops empty fields ("Body=") that Twilio signs too.
        form = dict(parse_qsl((request.body or b"").decode("utf-8", "replace"), keep_blank_values=True))
        url = public_url(self.public_base_url, request.path, request.query_string)
        if is_valid(self.auth_token, url, form, request.headers.get("X-Twilio-Signature")):
            return form
        logger.warning("%s: rejected a request with a bad or missing X-Twilio-Signature", self.name())
        return None

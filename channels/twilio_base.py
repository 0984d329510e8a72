"""X-Twilio-Signature on an incoming request, checked against the public URL Twilio called
(rebuilt from configuration, so it holds behind a proxy). Every Twilio channel checks it first."""

import logging
from urllib.parse import parse_qsl

from sanic.request import Request

from common.signatures import is_valid, public_url

logger = logging.getLogger(__name__)


class TwilioRequestCheck:
    def __init__(self, auth_token: str, public_base_url: str) -> None:
        self.auth_token = auth_token
        self.public_base_url = public_base_url

    def signed_form(self, request: Request) -> dict[str, str] | None:
        """The POSTed parameters if Twilio signed exactly them for our public URL, else None."""
        # Parsed here rather than by Sanic, which drops empty fields ("Body=") that Twilio signs too.
        form = dict(parse_qsl((request.body or b"").decode("utf-8", "replace"), keep_blank_values=True))
        url = public_url(self.public_base_url, request.path, request.query_string)
        if is_valid(self.auth_token, url, form, request.headers.get("X-Twilio-Signature")):
            return form
        logger.warning("rejected a request to %s with a bad or missing X-Twilio-Signature", request.path)
        return None

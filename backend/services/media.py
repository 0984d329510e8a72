"""Photos a citizen sends with a complaint: fetched from the URL the channel gave (Twilio media
needs the account's basic auth), checked for type and size, stored under media_dir, and attached
to the case. What cannot be attached is recorded on the case with a reason the citizen is told."""
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from backend.settings import Settings

logger = logging.getLogger(__name__)

IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
DOCUMENT_TYPES = {**IMAGE_TYPES, "application/pdf": ".pdf"}  # a certificate's supporting documents


@dataclass(frozen=True)
class Fetched:
    name: str | None  # stored file name, or None when refused
    error: str | None  # too_large | not_an_image | unreachable


def _auth(settings: Settings, url: str) -> tuple[str, str] | None:
    host = urlsplit(url).hostname or ""
    return (settings.twilio_account_sid, settings.twilio_auth_token) if host.endswith("twilio.com") else None


def fetch_photo(settings: Settings, url: str, transport: httpx.BaseTransport | None = None,
                types: dict[str, str] = IMAGE_TYPES) -> Fetched:
    """types: the content types taken, with the file ending each is stored under."""
    limit = settings.max_photo_bytes
    try:
        with httpx.Client(timeout=10, follow_redirects=True, transport=transport, auth=_auth(settings, url)) as client:
            with client.stream("GET", url) as response:
                if response.status_code != 200:
                    return Fetched(None, "unreachable")
                content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if content_type not in types:
                    return Fetched(None, "not_an_image")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    return Fetched(None, "too_large")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > limit:  # a missing or false Content-Length does not get past this
                        return Fetched(None, "too_large")
    except httpx.HTTPError as exc:
        logger.warning("photo could not be fetched: %s", type(exc).__name__)
        return Fetched(None, "unreachable")
    name = f"{uuid.uuid4().hex}{types[content_type]}"
    folder = Path(settings.media_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(bytes(body))
    return Fetched(name, None)

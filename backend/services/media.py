"""Photos a citizen sends with a complaint: fetched from the URL the channel gave (Twilio media
needs the account's basic auth), checked for type and size, stored under media_dir, and attached
to the case. What cannot be attached is recorded on the case with a reason the citizen is told.

The URL comes from outside, so it is fetched only from the provider's own media hosts, as exact
names from settings (backend/settings.py, media_hosts), over https; over http only from the host
of twilio_api_base when that is http (the built-in sandbox, which the Twilio sender already reaches
with the same credentials). A name must resolve to public addresses only (but the sandbox's), and
the connection goes to the address that was checked, so DNS cannot swing it to this machine or the
private network afterwards; an address written in the settings is taken as it is. Redirects are
followed by hand, each hop checked again; the credentials go only to the media hosts, never to the
CDN a download is redirected to."""

import hashlib
import hmac
import ipaddress
import logging
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from backend.settings import Settings
from common.signatures import same_secret

logger = logging.getLogger(__name__)
LINK_DAYS = 7  # a proof photo's public link: the notice is sent by then, or not at all

IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
DOCUMENT_TYPES = {**IMAGE_TYPES, "application/pdf": ".pdf"}  # a certificate's supporting documents
REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 3  # Twilio's media URL redirects once, to its CDN

Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Fetched:
    name: str | None  # stored file name, or None when refused
    error: str | None  # too_large | not_an_image | unreachable


class Refused(Exception):
    """A URL (or a redirect) that may not be fetched; the citizen is told it was unreachable."""


@dataclass(frozen=True)
class Hop:
    """One request, checked: where it connects (the checked address) and what it says it is."""

    url: httpx.URL
    host: str  # the Host header: the name the URL gave
    auth: tuple[str, str] | None  # the provider's credentials, for its media hosts only
    extensions: dict[str, str]


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses in the system's order of preference (the first is connected to)."""
    return list(dict.fromkeys(str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:  # ::ffff:127.0.0.1 is 127.0.0.1
        return address.ipv4_mapped
    return address


def _public(text: str) -> bool:
    address = _address(text)
    return address is not None and address.is_global and not address.is_multicast


def check(settings: Settings, url: str, *, redirected: bool = False, resolver: Resolver = resolve) -> Hop:
    """The request for url if it may be fetched; Refused otherwise. redirected: a hop after the
    first, which may also land on the provider's CDN (media_redirect_hosts)."""
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii").lower().rstrip(".")
    except (httpx.InvalidURL, UnicodeDecodeError) as exc:
        raise Refused("malformed") from exc
    api = httpx.URL(settings.twilio_api_base)  # the provider's API (the sandbox in development)
    api_host = api.raw_host.decode("ascii").lower()
    sandbox = api_host if api.scheme == "http" else None  # development: the built-in sandbox; a live API is https
    media_hosts = {h.lower() for h in settings.media_hosts} | {api_host}
    allowed = media_hosts | ({h.lower() for h in settings.media_redirect_hosts} if redirected else set())
    if host not in allowed:
        raise Refused("host not allowed")
    if parsed.userinfo:
        raise Refused("credentials in the URL")
    if parsed.scheme != "https" and not (parsed.scheme == "http" and host == sandbox):
        raise Refused("not https")
    if _address(host) is not None:
        addresses = [host]  # an address configured exactly: taken as it is
    else:
        try:
            addresses = resolver(host, parsed.port or (443 if parsed.scheme == "https" else 80))
        except OSError as exc:
            raise Refused("does not resolve") from exc
        if not addresses:
            raise Refused("does not resolve")
        if host != sandbox and not all(_public(a) for a in addresses):
            raise Refused("resolves to a private address")
    auth = (settings.twilio_account_sid, settings.twilio_auth_token) if host in media_hosts else None
    # Connect to the address checked; TLS still verifies the certificate against the name.
    extensions = {"sni_hostname": host} if parsed.scheme == "https" and _address(host) is None else {}
    return Hop(parsed.copy_with(host=addresses[0]), parsed.netloc.decode("ascii"), auth, extensions)


def fetch_photo(
    settings: Settings,
    url: str,
    transport: httpx.BaseTransport | None = None,
    types: dict[str, str] = IMAGE_TYPES,
    resolver: Resolver = resolve,
) -> Fetched:
    """types: the content types taken, with the file ending each is stored under."""
    limit = settings.max_photo_bytes
    try:
        with httpx.Client(timeout=10, follow_redirects=False, transport=transport) as client:
            for hop_number in range(MAX_REDIRECTS + 1):
                hop = check(settings, url, redirected=hop_number > 0, resolver=resolver)
                with client.stream(
                    "GET", hop.url, headers={"Host": hop.host}, auth=hop.auth, extensions=hop.extensions
                ) as response:
                    if response.status_code in REDIRECTS and response.headers.get("location"):
                        url = str(httpx.URL(url).join(response.headers["location"]))
                        continue
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
                    break
            else:
                raise Refused("too many redirects")
    except Refused as exc:
        logger.warning("photo refused: %s", exc)
        return Fetched(None, "unreachable")
    except (httpx.HTTPError, OSError) as exc:
        logger.warning("photo could not be fetched: %s", type(exc).__name__)
        return Fetched(None, "unreachable")
    name = f"{uuid.uuid4().hex}{types[content_type]}"
    folder = Path(settings.media_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(bytes(body))
    return Fetched(name, None)


def public_link(settings: Settings, name: str, now: datetime) -> str:
    """An unguessable link to one stored photo (an official's proof of the work), for the citizen's
    notice: Twilio fetches it from there, when the notice is sent (retries, a template later). Signed
    with the secret of the certificate links, for this file only, until LINK_DAYS from now."""
    until = int((now + timedelta(days=LINK_DAYS)).timestamp())
    return f"{settings.public_backend_url.rstrip('/')}/p/{_signed(settings, name, until)}"


def _signed(settings: Settings, name: str, until: int) -> str:
    mac = hmac.new(settings.certificate_link_secret.encode(), f"photo:{name}:{until}".encode(), hashlib.sha256).hexdigest()
    return f"{name}.{until}.{mac[:20]}"


def linked_file(settings: Settings, token: str, now: datetime) -> Path | None:
    """The stored photo a public link names, if the link is genuine, not expired, and the file is there."""
    name, _, rest = token.rpartition(".")
    name, _, until = name.rpartition(".")
    if not until.isdigit() or "/" in name or name.startswith(".") or not same_secret(token, _signed(settings, name, int(until))):
        return None
    if int(until) < now.timestamp():
        return None
    path = Path(settings.media_dir) / name
    return path if path.is_file() else None

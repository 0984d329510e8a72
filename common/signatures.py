"""Request signatures, which the channels check and the backend checks too (and its sandbox makes).
X-Twilio-Signature is checked with the twilio library's own validator (and computed with it by the
sandbox and the phone simulator, so both sides agree byte for byte); an Indian SMS
gateway signs the raw body with HMAC-SHA256 of a shared secret.

Twilio signs the URL it called. Behind a proxy or a load balancer the request arrives on another
host and scheme, so the URL is rebuilt from the configured public base URL plus the path and query
the request carried."""

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator


def public_url(public_base_url: str, path: str, query: str = "") -> str:
    base = urlsplit(public_base_url.rstrip("/"))
    url = f"{base.scheme}://{base.netloc}{base.path}{path}"
    return f"{url}?{query}" if query else url


def is_valid(auth_token: str, url: str, params: Mapping[str, str], signature: str | None) -> bool:
    if not signature or not auth_token:
        return False
    return RequestValidator(auth_token).validate(url, dict(params), signature)


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    return RequestValidator(auth_token).compute_signature(url, dict(params))


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a credential a caller sent with the one expected. Compared as
    bytes: compare_digest refuses str with non-ASCII characters (TypeError, a 500), and anyone may
    send those in a header or a path."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def gateway_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

"""The key that signs certificates, and the signed payload their QR code carries.

The payload is `SATHI1.<claims>.<signature>`: the certificate's claims as compact JSON and their
Ed25519 signature, both base64url. Anyone with the published public key can check it offline; the
verification page and API also look the certificate up, so a revoked one is caught. The private
key is a PEM file (SATHI_CERTIFICATE_KEY_FILE) made on first use; several workers racing to make
it agree on one file (O_EXCL), and a deployment mounts the same file on every backend host."""

import base64
import json
import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX = "SATHI1"


class BadPayload(Exception):
    """Not a payload this office signed: altered, malformed or signed by another key."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache
def private_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
        except FileExistsError:
            pass  # another worker made it first: use theirs
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds no Ed25519 private key")
    return key


def public_key_pem(path: Path) -> str:
    return (
        private_key(path)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def sign(path: Path, claims: dict) -> str:
    body = json.dumps(claims, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    return f"{PREFIX}.{_b64(body)}.{_b64(private_key(path).sign(body))}"


def verify(path: Path, payload: str, public_key: Ed25519PublicKey | None = None) -> dict:
    """The claims of a payload signed with this office's key; BadPayload otherwise."""
    parts = (payload or "").strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise BadPayload("not a Sathi certificate code")
    try:
        body, signature = _unb64(parts[1]), _unb64(parts[2])
        (public_key or private_key(path).public_key()).verify(signature, body)
        claims = json.loads(body)
    except (ValueError, InvalidSignature) as exc:
        raise BadPayload("the signature does not match") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("r"), str):
        raise BadPayload("no certificate number in it")
    return claims

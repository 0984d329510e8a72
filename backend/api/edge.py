"""Every string a caller sends is cleaned before any route reads it: NUL and lone surrogates leave
the path, the query and JSON or form bodies (locales.script.clean_text). Neither can be stored
(PostgreSQL refuses NUL in text; a lone surrogate has no UTF-8), so one in a name, an office code
or a reference would otherwise be a server error wherever it reached the database or a response.

A body is rewritten only when it held one, so a signed webhook's bytes stay as they were signed."""

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from locales.script import clean_text

_PERCENT_NUL = b"%00"


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items()}
    return value


def _clean_body(body: bytes, content_type: str) -> bytes:
    if "json" in content_type:
        if b"\\u" not in body:  # NUL and surrogates can only arrive escaped in valid JSON
            return body
        try:
            parsed = json.loads(body)
        except ValueError:
            return body  # the route answers 422 as for any malformed body
        cleaned = _clean(parsed)
        return body if cleaned == parsed else json.dumps(cleaned, ensure_ascii=False).encode()
    if "x-www-form-urlencoded" in content_type:
        return body.replace(_PERCENT_NUL, b"").replace(b"\x00", b"")
    return body


class CleanInput:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = {
            **scope,
            "path": clean_text(scope["path"]),
            "raw_path": (scope.get("raw_path") or b"").replace(_PERCENT_NUL, b""),
            "query_string": scope.get("query_string", b"").replace(_PERCENT_NUL, b"").replace(b"\x00", b""),
        }
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").decode("latin-1").lower()
        if scope["method"] not in ("POST", "PUT", "PATCH") or not (
            "json" in content_type or "x-www-form-urlencoded" in content_type
        ):
            await self.app(scope, receive, send)
            return
        body, messages = b"", []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                messages.append(message)
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        cleaned = _clean_body(body, content_type)
        if cleaned != body:
            scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"content-length"] + [
                (b"content-length", str(len(cleaned)).encode())
            ]
        pending: list[Message] = [{"type": "http.request", "body": cleaned, "more_body": False}, *messages]

        async def replay() -> Message:
            return pending.pop(0) if pending else await receive()

        await self.app(scope, replay, send)

"""The channel's client of the backend (runs inside the Rasa process): dedupe claims, opt-out,
replies into the outbox. One aiohttp session per channel, created on Rasa's event loop."""
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)


class BackendUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Claim:
    first: bool
    opted_out: bool
    menu: dict[str, str] | None
    response: str | None


class BackendLink:
    def __init__(self, backend_url: str, api_token: str, timeout_seconds: float = 5.0) -> None:
        self.base = backend_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_token}"}
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def _request(self, method: str, path: str, body: dict[str, Any]) -> Any:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self.headers, timeout=self.timeout)
        try:
            async with self._session.request(method, f"{self.base}{path}", json=body) as response:
                if response.status >= 400:
                    raise BackendUnavailable(f"{method} {path}: HTTP {response.status}")
                return await response.json() if response.status != 204 else None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise BackendUnavailable(f"{method} {path}: {type(exc).__name__}") from exc

    async def claim(self, *, provider: str, external_id: str, channel: str, phone: str) -> Claim:
        data = await self._request(
            "POST", "/api/v1/channels/inbound",
            {"provider": provider, "external_id": external_id, "channel": channel, "phone": phone},
        )
        return Claim(data["first"], data["opted_out"], data.get("menu"), data.get("response"))

    async def store_response(self, *, provider: str, external_id: str, response: str) -> None:
        await self._request("PUT", "/api/v1/channels/inbound/response", {"provider": provider, "external_id": external_id, "response": response})

    async def opt_out(self, *, phone: str, channel: str, opted_out: bool, language: str) -> None:
        await self._request("POST", "/api/v1/channels/opt-out", {"phone": phone, "channel": channel, "opted_out": opted_out, "language": language})

    async def queue_replies(
        self, *, channel: str, phone: str, replies: list[dict[str, Any]], menu: dict[str, str] | None, kind: str = "reply"
    ) -> None:
        if replies or menu is not None:
            await self._request(
                "POST", "/api/v1/outbox/replies",
                {"channel": channel, "phone": phone, "replies": replies, "menu": menu, "kind": kind},
            )

"""The channel's client of the backend (runs inside the Rasa process): dedupe claims that keep the
turn durable, opt-out, replies into the outbox, unfinished turns to resume. One aiohttp session per
channel, created on Rasa's event loop.

Every call here is safe to repeat (a claim by the same claimant is still first, finishing a turn
twice queues nothing), so a connection the backend closed under us, a reset or a refused connect
is retried a few times before the caller hears BackendUnavailable."""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

from common.channels import CLAIM_FIELDS, REQUIRED_CLAIM_FIELDS, Claim

__all__ = ["Claim"]  # the channels have it from here

logger = logging.getLogger(__name__)

RETRY_DELAYS = (0.2, 0.6, 1.5)  # then the turn waits in the durable store for the next pass


class BackendUnavailable(Exception):
    """The backend could not be reached or could not do it now: the message waits and is tried again."""


class BackendRefused(Exception):
    """The backend answered that it will never take this (4xx): trying again cannot help."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


# 4xx answers that say nothing about the message itself: a token being rotated, a proxy's limit.
_NOT_ABOUT_THE_MESSAGE = {401, 403, 408, 429}


@dataclass(frozen=True)
class UnfinishedTurn:
    inbound_id: int
    external_id: str
    payload: dict[str, Any]
    attempts: int
    turn: str


@dataclass(frozen=True)
class TurnStart:
    opted_out: bool
    menu: dict[str, str] | None
    lease_seconds: float
    turn: str  # the grant to act for the message's phone: it goes to the dialogue with the message
    with_person: bool = False  # the citizen's conversation with a person is open: the message goes there
    staff: bool = False  # a person who works cases wrote: the backend's staff chat answers, not the bot


class BackendLink:
    def __init__(self, backend_url: str, channels_token: str, timeout_seconds: float = 5.0) -> None:
        self.base = backend_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {channels_token}"}
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # Idle connections are dropped before uvicorn's 5 s keep-alive closes them under us.
            connector = aiohttp.TCPConnector(limit=64, keepalive_timeout=2)
            self._session = aiohttp.ClientSession(headers=self.headers, timeout=self.timeout, connector=connector)
        return self._session

    async def _request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        delays: tuple[float, ...] = RETRY_DELAYS,
        params: dict[str, str] | None = None,
    ) -> Any:
        for attempt, delay in enumerate((*delays, None)):
            try:
                async with self._client().request(method, f"{self.base}{path}", json=body, params=params) as response:
                    if response.status >= 500 and delay is not None:
                        raise _Retry(f"HTTP {response.status}")
                    if response.status >= 500 or response.status in _NOT_ABOUT_THE_MESSAGE:
                        raise BackendUnavailable(f"{method} {path}: HTTP {response.status}")
                    if response.status >= 400:
                        raise BackendRefused(f"{method} {path}: HTTP {response.status}", response.status)
                    return await response.json() if response.status != 204 else None
            except (_Retry, aiohttp.ClientError, TimeoutError) as exc:
                if delay is None:
                    raise BackendUnavailable(f"{method} {path}: {type(exc).__name__} after {attempt + 1} tries") from exc
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def claim(
        self,
        *,
        provider: str,
        external_id: str,
        channel: str,
        phone: str,
        payload: dict[str, Any] | None = None,
        claimant: str | None = None,
        retry: bool = True,
    ) -> Claim:
        """retry=False: one try, for a caller that has somewhere else to keep the message."""
        data = await self._request(
            "POST",
            "/api/v1/channels/inbound",
            {
                "provider": provider,
                "external_id": external_id,
                "channel": channel,
                "phone": phone,
                "payload": payload,
                "claimant": claimant,
            },
            delays=RETRY_DELAYS if retry else (),
        )
        # first and opted_out must be there: a body without them is a fault, not "a repeat" to drop.
        return Claim(**{name: data[name] if name in REQUIRED_CLAIM_FIELDS else data.get(name) for name in CLAIM_FIELDS})

    async def stored_response(self, *, provider: str, external_id: str) -> str | None:
        """What the step answered, if it was stored."""
        try:
            data = await self._request(
                "GET", "/api/v1/channels/inbound/response", None, params={"provider": provider, "external_id": external_id}
            )
        except BackendRefused:
            return None
        return str(data["response"])

    async def store_response(self, *, provider: str, external_id: str, response: str) -> None:
        await self._request(
            "PUT", "/api/v1/channels/inbound/response", {"provider": provider, "external_id": external_id, "response": response}
        )

    async def opt_out(
        self,
        *,
        phone: str,
        channel: str,
        opted_out: bool,
        language: str,
        inbound_id: int | None = None,
        claimant: str | None = None,
    ) -> None:
        await self._request(
            "POST",
            "/api/v1/channels/opt-out",
            {
                "phone": phone,
                "channel": channel,
                "opted_out": opted_out,
                "language": language,
                "inbound_id": inbound_id,
                "claimant": claimant,
            },
        )

    async def queue_replies(
        self,
        *,
        channel: str,
        phone: str,
        replies: list[dict[str, Any]],
        menu: dict[str, str] | None,
        kind: str = "reply",
        inbound_id: int | None = None,
        claimant: str | None = None,
    ) -> None:
        """With inbound_id this also finishes that turn (if the claimant still holds it), even with nothing to say."""
        if replies or menu is not None or inbound_id is not None:
            await self._request(
                "POST",
                "/api/v1/outbox/replies",
                {
                    "channel": channel,
                    "phone": phone,
                    "replies": replies,
                    "menu": menu,
                    "kind": kind,
                    "inbound_id": inbound_id,
                    "claimant": claimant,
                },
            )

    async def start_turn(self, *, inbound_id: int, claimant: str) -> TurnStart | None:
        """Begins (or, again, keeps) the turn; None when it is done or another process holds it."""
        try:
            data = await self._request("POST", f"/api/v1/channels/inbound/{inbound_id}/start", {"claimant": claimant})
        except BackendRefused as refused:
            if refused.status == 409:
                return None
            raise
        return TurnStart(
            data["opted_out"],
            data.get("menu"),
            float(data["lease_seconds"]),
            data["turn"],
            bool(data.get("with_person")),
            bool(data.get("staff")),
        )

    async def staff_turn(self, *, inbound_id: int, claimant: str) -> bool:
        """The staff's chat answers the message and finishes its turn; False when the number is no
        longer a staff member's (deactivated meanwhile), and the bot answers it."""
        data = await self._request("POST", f"/api/v1/channels/inbound/{inbound_id}/staff", {"claimant": claimant})
        return data["outcome"] != "not_staff"

    async def staff_call(self, *, inbound_id: int, text: str) -> dict[str, Any] | None:
        """The answer to a step of a staff member's call (backend/console/call.py); None when the
        caller works no cases (the IVR answers). A step answered once: asked again, the same answer."""
        # Tried once: a retry racing a slow first answer could act twice (Twilio's own retries of the
        # step are answered from the claim, with the TwiML the first one stored).
        data = await self._request("POST", f"/api/v1/channels/inbound/{inbound_id}/staff-call", {"text": text}, delays=())
        return data if data["outcome"] == "answered" else None

    async def leave_person(self, *, inbound_id: int, claimant: str) -> None:
        """The citizen goes back to the assistant: their conversation with a person is closed."""
        await self._request("POST", f"/api/v1/channels/inbound/{inbound_id}/leave-person", {"claimant": claimant})

    async def to_person(self, *, inbound_id: int, claimant: str) -> bool:
        """The message goes to the citizen's open conversation with a person (its turn is then done,
        here or by another process); False when there is none any more, and the bot answers it."""
        data = await self._request("POST", f"/api/v1/channels/inbound/{inbound_id}/to-person", {"claimant": claimant})
        return data["outcome"] != "no_conversation"

    async def take_unfinished(self, *, provider: str, channel: str, claimant: str) -> list[UnfinishedTurn]:
        data = await self._request(
            "POST", "/api/v1/channels/inbound/unfinished", {"provider": provider, "channel": channel, "claimant": claimant}
        )
        return [UnfinishedTurn(**turn) for turn in data]

    async def retry_later(self, *, inbound_id: int, claimant: str, delay_seconds: float) -> None:
        try:
            await self._request(
                "POST",
                f"/api/v1/channels/inbound/{inbound_id}/retry-later",
                {"claimant": claimant, "delay_seconds": delay_seconds},
            )
        except BackendRefused:
            pass  # done meanwhile, or another process has it: nothing to hold back


class _Retry(Exception):
    pass

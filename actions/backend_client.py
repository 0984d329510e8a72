"""The one HTTP client every action uses to reach the backend. It never raises: each call returns
an ApiResult whose `error` is None, 'unavailable', 'not_found' or the backend's error code.

It calls with the action server's own token (SATHI_ACTIONS_TOKEN), which acts for nobody, plus the
grant of the turn being answered (X-Sathi-Turn), which acts for the phone that sent the message:
actions/server.py sets it once per action run from the message's metadata (see acting_for)."""

import asyncio
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import httpx

from common.limits import MAX_ANSWER_CHARS, MAX_TEXT_CHARS
from common.secrets import DEFAULTS

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Failures where the request never reached the backend, so trying again cannot do anything twice.
# A request that may have arrived (a dropped connection, a slow answer) is not tried again here.
RETRIED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
RETRY_DELAYS = (0.3, 1.0)

UNAVAILABLE = "unavailable"
NOT_FOUND = "not_found"

TURN_HEADER = "X-Sathi-Turn"  # backend/api/callers.py
TURN_REFUSALS = {"unauthorized", "wrong_caller", "turn_required", "bad_turn", "turn_expired"}
# The grant of the turn this action run answers; each run is a task of its own, so runs for
# different citizens at once never see each other's.
CURRENT_TURN: ContextVar[str | None] = ContextVar("sathi_turn", default=None)


SESSION_START = "action_session_start"


def turn_in(tracker: dict, action: str | None = None) -> str | None:
    """The grant the channel put in the metadata of the message this run answers. A session starts
    before that message is in the tracker: Rasa keeps its metadata in a slot for the start."""
    if action == SESSION_START:
        metadata = (tracker.get("slots") or {}).get("session_started_metadata") or {}
    else:
        metadata = (tracker.get("latest_message") or {}).get("metadata") or {}
    grant = metadata.get("turn") if isinstance(metadata, dict) else None
    return grant if isinstance(grant, str) and grant else None


@contextmanager
def acting_for(grant: str | None) -> Iterator[None]:
    token = CURRENT_TURN.set(grant)
    try:
        yield
    finally:
        CURRENT_TURN.reset(token)


@dataclass(frozen=True)
class ApiResult(Generic[T]):
    # Read only when ok. An error's value is None, typed T all the same: every caller checks ok
    # first, and would otherwise have to check the value again.
    value: T = cast(T, None)
    error: str | None = None
    field: str | None = None  # the answer a refusal names (detail.field)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class CaseStatus:
    reference: str
    service: str
    state: str
    sla_due_at: str | None
    holder: str = "done"  # official | supervisor | operator | citizen | nobody | done
    vehicle: str | None = None  # desludging: the vehicle on its way
    disposal: dict | None = None  # desludging: {plant, volume_litres, at}, where the waste went
    settled_at: str | None = None  # when a case no one has to act on reached its state
    visit_on: str | None = None  # a visit service: the day booked

    @classmethod
    def of(cls, data: dict) -> "CaseStatus":
        return cls(
            data["reference"], data["service"], data["state"], data.get("sla_due_at"), data.get("holder") or "done",
            data.get("vehicle"), data.get("disposal"), data.get("settled_at"), data.get("visit_on"),
        )  # fmt: skip


class BackendClient:
    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,  # tests pass the backend app in-process
    ) -> None:
        self.transport = transport
        self.base_url = (base_url or os.environ.get("SATHI_BACKEND_URL", "http://127.0.0.1:8000")).rstrip("/")
        self.token = token or os.environ.get("SATHI_ACTIONS_TOKEN", DEFAULTS["SATHI_ACTIONS_TOKEN"])
        # Short timeouts: a turn should not hang on one call.
        self.timeout = timeout
        self._http: httpx.AsyncClient | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None

    def _client(self) -> httpx.AsyncClient:
        """One pooled client per event loop: a burst of turns reuses connections instead of
        opening one per call (tests run each on a loop of its own)."""
        loop = asyncio.get_running_loop()
        if self._http is None or self._http_loop is not loop or self._http.is_closed:
            self._http = httpx.AsyncClient(
                base_url=self.base_url,
                timeout=self.timeout,
                transport=self.transport,
                # Idle connections are dropped before uvicorn's 5 s keep-alive closes them under us.
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=20, keepalive_expiry=2.0),
            )
            self._http_loop = loop
        return self._http

    async def _call(self, method: str, path: str, **kwargs: Any) -> ApiResult[Any]:  # the JSON answer
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        if CURRENT_TURN.get():
            headers[TURN_HEADER] = CURRENT_TURN.get()
        for delay in (*RETRY_DELAYS, None):
            try:
                response = await self._client().request(method, path, headers=headers, **kwargs)
                break
            except RETRIED as exc:  # never reached the backend, or lost a reused connection
                if delay is None:
                    logger.warning("backend unreachable for %s %s: %s", method, path, type(exc).__name__)
                    return ApiResult(error=UNAVAILABLE)
                await asyncio.sleep(delay)
            except httpx.HTTPError as exc:
                logger.warning("backend unreachable for %s %s: %s", method, path, type(exc).__name__)
                return ApiResult(error=UNAVAILABLE)
        if response.status_code >= 500:
            logger.warning("backend error %s for %s %s", response.status_code, method, path)
            return ApiResult(error=UNAVAILABLE)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", {})
                code = detail.get("code") if isinstance(detail, dict) else None
                field = detail.get("field") if isinstance(detail, dict) else None
            except ValueError:
                code = field = None
            if code in TURN_REFUSALS:  # a turn without its grant is a fault of ours, not the citizen's
                logger.warning("backend refused the turn for %s %s: %s", method, path, code)
                return ApiResult(error=UNAVAILABLE)
            return ApiResult(error=code or (NOT_FOUND if response.status_code == 404 else "invalid"), field=field)
        return ApiResult(value=response.json() if response.status_code != 204 else {})

    async def chosen_language(self, phone: str) -> ApiResult[str | None]:
        """The language this phone number chose explicitly; value None when it never chose."""
        result = await self._call("POST", "/api/v1/citizens/language/lookup", json={"phone": phone})
        return ApiResult(value=result.value["language"]) if result.ok else ApiResult(error=result.error)

    async def choose_language(self, phone: str, language: str) -> ApiResult[str]:
        result = await self._call("PUT", "/api/v1/citizens/language", json={"phone": phone, "language": language})
        return ApiResult(value=language) if result.ok else ApiResult(error=result.error)

    async def opt_out(self, phone: str, channel: str, language: str) -> ApiResult[bool]:
        result = await self._call(
            "POST", "/api/v1/citizens/opt-out", json={"phone": phone, "channel": channel, "language": language}
        )
        return ApiResult(value=True) if result.ok else ApiResult(error=result.error)

    async def give_feedback(
        self, *, reference: str, phone: str, solved: bool, rating: int | None, comment: str | None = None
    ) -> ApiResult[str]:
        """ "closed", "reopened" or "completed"; errors: window_closed, wrong_state, not_your_case,
        required_below_3 (a low rating needs a comment), unknown_reference..."""
        result = await self._call(
            "POST",
            f"/api/v1/cases/{reference}/feedback",
            json={"phone": phone, "solved": solved, "rating": rating, "comment": comment},
        )
        return ApiResult(value=result.value["outcome"]) if result.ok else ApiResult(error=result.error)

    async def open_verdict(
        self, phone: str, reference: str | None = None, asked_within_hours: float | None = None, about: str | None = None
    ) -> ApiResult[dict]:
        """{"reference", "key", "variables", "menu"}: the notice that asked for a verdict not given yet
        (only one sent in the last hours, if given; only on a complaint these words may be about, if
        given); error not_found when none is open."""
        body = {"phone": phone, "reference": reference, "asked_within_hours": asked_within_hours, "about": about}
        return await self._call("POST", "/api/v1/cases/verdict/open", json=body)

    async def open_handoff(
        self, *, phone: str, language: str, channel: str, during: str | None, said: str | None = None
    ) -> ApiResult[dict]:
        """{"reference", "state", "answer_by"}: the citizen's conversation with a person, opened now or open already."""
        body = {"phone": phone, "language": language, "channel": channel, "during": during, "said": said}
        return await self._call("POST", "/api/v1/handoff", json=body)

    async def certificate_services(self) -> ApiResult[list[dict]]:
        """The catalog's applications in menu order: code, number, fees, fields, documents."""
        return await self._call("GET", "/api/v1/certificates/services")

    async def service_definition(self, code: str) -> ApiResult[dict]:
        """The service's definition: fields (name, type, prompt), documents, fees, SLA days."""
        return await self._call("GET", f"/api/v1/certificates/services/{code}")

    async def choose_service(self, text: str, phone: str, opening: str | None = None, language: str = "en") -> ApiResult[dict]:
        """{"service": the definition or None, "last": the menu's last number, "agent": {"id", "name"}
        when the phone is a Panchayat Swayam Sewak's, else None; where the service is opened by words
        (`opening`), "first_answer" (as service_answer's) and "reopen" (as open_verdict's), or None}."""
        body = {"q": text[:MAX_ANSWER_CHARS], "phone": phone, "language": language}
        if opening:
            body["opening"] = opening[: MAX_TEXT_CHARS + 1]
        return await self._call("POST", "/api/v1/certificates/services/choose", json=body)

    async def service_answer(
        self, code: str, field: str, text: str, language: str, answers: dict[str, str] | None = None
    ) -> ApiResult[dict]:
        """{"value", "label", "fee_rupees"}: what an answer to one question of any service's form means
        (a place's may be a location pin's geo URI), and the fee once the answers that set it are given
        (`answers`: the words given to the other fields); error no_match."""
        # One character over the longest answer is enough for it to say a paste is too long; no need to send 10,000.
        body = {"q": text[: MAX_TEXT_CHARS + 1], "language": language, "answers": answers or {}}
        return await self._call("POST", f"/api/v1/certificates/services/{code}/answers/{field}", json=body)

    async def service_labels(self, code: str, answers: dict[str, str], language: str) -> ApiResult[dict]:
        """{field: the summary's words for its answer} in this language."""
        return await self._call(
            "POST", f"/api/v1/certificates/services/{code}/labels", json={"answers": answers, "language": language}
        )

    async def certificate_other_answer(self, kind: str, text: str) -> ApiResult[dict]:
        """kind "lane" (normal / tatkal) or "later" (a document brought to the office)."""
        return await self._call("POST", f"/api/v1/certificates/answers/{kind}", json={"q": text[:201]})

    async def field_agent(self, phone: str) -> ApiResult[dict]:
        """{"id", "name"} when the phone is a Panchayat Swayam Sewak's; error not_found otherwise."""
        return await self._call("POST", "/api/v1/certificates/field-agent", json={"phone": phone})

    async def ask_doorstep_consent(self, *, phone: str, citizen_phone: str, purpose: str, language: str) -> ApiResult[dict]:
        """A code to the citizen's mobile, naming the agent (the turn's phone) and what they file
        (grievance | desludging | certificate); {"citizen_phone"} as read."""
        body = {"phone": phone, "citizen_phone": citizen_phone[:40], "purpose": purpose, "language": language}
        return await self._call("POST", "/api/v1/doorstep/consent", json=body)

    async def confirm_doorstep_consent(self, *, phone: str, citizen_phone: str, code: str) -> ApiResult[dict]:
        """The code the citizen read out; errors wrong_code, expired, too_many_tries."""
        body = {"phone": phone, "citizen_phone": citizen_phone[:40], "code": code[:40] or "-"}
        return await self._call("POST", "/api/v1/doorstep/consent/confirm", json=body)

    async def certificate_correction(self, reference: str, phone: str) -> ApiResult[dict]:
        """{"certificate_type", "reason"} of the phone's application sent back; nothing_to_correct otherwise."""
        return await self._call("POST", f"/api/v1/certificates/{reference}/correction", json={"phone": phone})

    async def resubmit_certificate(self, *, reference: str, phone: str, answers: dict, documents: dict) -> ApiResult[dict]:
        return await self._call(
            "POST",
            f"/api/v1/certificates/{reference}/resubmit",
            json={"phone": phone, "answers": answers, "documents": documents},
        )

    async def apply_certificate(self, *, application: dict, idempotency_key: str) -> ApiResult[dict]:
        return await self._call("POST", "/api/v1/certificates", json=application, headers={"Idempotency-Key": idempotency_key})

    async def payment_link(self, *, phone: str, reference: str | None) -> ApiResult[dict]:
        """A valid link for the phone's request waiting for payment; error nothing_to_pay."""
        return await self._call("POST", "/api/v1/payments/link", json={"phone": phone, "reference": reference})

    async def my_cases(self, phone: str, language: str = "en") -> ApiResult[list[CaseStatus]]:
        result = await self._call("POST", "/api/v1/cases/mine", json={"phone": phone, "language": language})
        return ApiResult(value=[CaseStatus.of(case) for case in result.value]) if result.ok else ApiResult(error=result.error)

    async def case_status(self, reference: str, language: str = "en", phone: str | None = None) -> ApiResult[CaseStatus]:
        """phone: the caller's, so keypad digits that fit several services' numbers find theirs."""
        if phone:
            body = {"reference": reference[:40], "phone": phone, "language": language}
            return self._case(await self._call("POST", "/api/v1/cases/lookup", json=body))
        return self._case(await self._call("GET", f"/api/v1/cases/{reference}", params={"language": language}))

    @staticmethod
    def _case(result: ApiResult[dict]) -> ApiResult[CaseStatus]:
        if not result.ok:
            return ApiResult(error=result.error)
        return ApiResult(value=CaseStatus.of(result.value))

"""Rasa's calls to the action server, made to survive the action server restarting.

Rasa 3.6 gives up on an action at the first refused or dropped connection: it logs the error,
drops the action's events and carries on, so the citizen gets no answer (or, when the filing ran but
its answer was lost, a conversation that has moved on without the reference). Here a call that could
not reach the server, or lost its answer, is made again for up to about a minute. Filing carries its
submission key and answers a repeat with the same reference; the questions and checks only read.
A rating or a correction repeated this way is refused by the backend as already done, so the worst
case of a crash at that very moment is an apology, never a second rating. Each try waits 30 s at
most instead of Rasa's 300 s."""
import asyncio
import logging
from typing import Any

import aiohttp
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1, 2, 4, 8, 8, 8, 8, 8, 8)
TRY_TIMEOUT_SECONDS = 30


class RetryingActionEndpoint(EndpointConfig):
    async def request(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = aiohttp.ClientTimeout(total=TRY_TIMEOUT_SECONDS)
        for delay in (*RETRY_DELAYS, None):
            try:
                return await super().request(*args, **dict(kwargs))
            except (aiohttp.ClientConnectionError, asyncio.TimeoutError) as exc:
                if delay is None:
                    raise
                logger.warning("action server not answering (%s); trying again in %s s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


def install(agent: Any) -> None:
    """Puts the retrying endpoint in place of the one endpoints.yml configured (once)."""
    endpoint = getattr(agent, "action_endpoint", None)
    if endpoint is None or isinstance(endpoint, RetryingActionEndpoint):
        return
    retrying = RetryingActionEndpoint(
        url=endpoint.url, params=endpoint.params, headers=endpoint.headers, basic_auth=endpoint.basic_auth,
        token=endpoint.token, token_name=endpoint.token_name, cafile=endpoint.cafile, **endpoint.kwargs,
    )
    agent.action_endpoint = retrying
    if getattr(agent, "processor", None) is not None:
        agent.processor.action_endpoint = retrying

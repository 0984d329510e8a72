"""Measures the running stack over Rasa's REST channel and prints figures (not a test).

    SATHI_REST_CHANNEL=true make run      # the REST channel is off unless asked for
    .venv/bin/python -m scripts.benchmark [--rasa http://127.0.0.1:5005] [--conversations 20] [--concurrency 1]
                                          [--journey grievance|desludging]

Each message carries the turn grant a phone's channel would get for it, signed with the stack's
SATHI_TURN_SECRET (the development default unless set), so the action server acts for its sender.

A grievance conversation files in five turns and asks its status once; a desludging one answers
the twelve questions, reads the summary and fee, files (with a payment link) and asks its status;
a certificate one (over REST, so no document questions) answers an income certificate's fields,
picks Tatkal, files and asks its status.
"""
import argparse
import asyncio
import os
import statistics
import time
from datetime import UTC, datetime

import httpx

from backend.services import turn_grants
from common.secrets import DEFAULTS

TURN_SECRET = os.environ.get("SATHI_TURN_SECRET", DEFAULTS["SATHI_TURN_SECRET"])

JOURNEYS = {
    "grievance": ["hello", "I want to file a complaint", "1", "Garbage not collected for three days", "ward 12",
                  "status GRV-2026-000001"],
    "desludging": ["my septic tank is full", "Sabitri Behera", "1", "septic tank", "2000", "2", "ward 12",
                   "behind the Ram Mandir", "751007", "no", "tomorrow", "pay now online", "yes", "status FSM-2026-000001"],
    "certificate": ["I need an income certificate", "Sabitri Behera", "Gopal Behera", "Sarakana", "85000", "1", "2", "yes",
                    "status CRT-2026-000001"],
}


async def conversation(client: httpx.AsyncClient, url: str, sender: str, turns: list[str], latencies: list[float]) -> None:
    for text in turns:
        started = time.perf_counter()
        grant = turn_grants.issue(secret=TURN_SECRET, phone=sender, agent_id=None, now=datetime.now(UTC), minutes=15)
        response = await client.post(url, json={"sender": sender, "message": text, "metadata": {"turn": grant}})
        response.raise_for_status()
        assert response.json(), f"no reply to {text!r}"
        latencies.append(time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rasa", default="http://127.0.0.1:5005")
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--journey", choices=sorted(JOURNEYS), default="grievance")
    args = parser.parse_args()
    url = f"{args.rasa}/webhooks/rest/webhook"
    latencies: list[float] = []
    semaphore = asyncio.Semaphore(args.concurrency)
    run_id = int(time.time())

    async def one(i: int) -> None:
        async with semaphore:
            await conversation(client, url, f"bench-{run_id}-{i}", JOURNEYS[args.journey], latencies)

    async with httpx.AsyncClient(timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(args.conversations)))
        elapsed = time.perf_counter() - started
    ms = sorted(x * 1000 for x in latencies)
    print(f"journey={args.journey} conversations={args.conversations} concurrency={args.concurrency} turns={len(ms)}")
    print(f"turn latency ms: p50={statistics.median(ms):.0f} p95={ms[int(len(ms) * 0.95) - 1]:.0f} max={ms[-1]:.0f}")
    print(f"throughput: {len(ms) / elapsed:.1f} turns/s")


if __name__ == "__main__":
    asyncio.run(main())

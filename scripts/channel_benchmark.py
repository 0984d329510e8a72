"""How fast the Twilio channels answer, measured against a running stack (`make run`):

    .venv/bin/python -m scripts.channel_benchmark --phones 10 --messages 5

Prints, for WhatsApp: the webhook's answer time (what Twilio waits for; it allows 15 s) and the
time until the reply reached the Twilio sandbox (conversation + outbox + send); for voice: the
time of one IVR step (voice answers synchronously, so this is what the caller hears as a pause)."""
import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from common.secrets import DEFAULTS
from scripts.phone import TextPhone, TwilioSigner, VoicePhone


REPLY_TIMEOUT = 60.0  # a reply later than this counts as lost


def _percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    return (f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {at(0.95) * 1000:.0f} ms, "
            f"p99 {at(0.99) * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms (n={len(ordered)})")


def whatsapp_user(signer: TwilioSigner, backend_url: str, number: str, messages: int) -> tuple[list[float], list[float], int, int]:
    """-> (webhook answer times, reply times, messages never answered, extra replies)."""
    phone = TextPhone(signer, backend_url, number, "whatsapp", quiet=0.3)
    phone.inbox()
    acks, replies, lost = [], [], 0
    for text in (["help", "status GRV-2026-999999"] * messages)[:messages]:
        started = time.perf_counter()
        response = phone.send(text)
        acks.append(time.perf_counter() - started)
        if response.status_code != 200:
            lost += 1
            continue
        while not phone.inbox():
            if time.perf_counter() - started > REPLY_TIMEOUT:
                lost += 1
                break
            time.sleep(0.02)
        else:
            replies.append(time.perf_counter() - started)
    time.sleep(2)  # anything arriving now answered a message twice
    return acks, replies, lost, len(phone.inbox())


def voice_caller(signer: TwilioSigner, number: str) -> list[float]:
    caller = VoicePhone(signer, number)
    steps = []
    for action in (caller.dial, lambda: caller.press("1"), lambda: caller.press("2"), lambda: caller.press("2026000001")):
        started = time.perf_counter()
        action()
        steps.append(time.perf_counter() - started)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=5, help="phones writing at the same time")
    parser.add_argument("--messages", type=int, default=4, help="messages per phone")
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    parser.add_argument("--backend-url", default="http://127.0.0.1:8000")
    parser.add_argument("--auth-token", default=os.environ.get("SATHI_TWILIO_AUTH_TOKEN", DEFAULTS["SATHI_TWILIO_AUTH_TOKEN"]))
    args = parser.parse_args()
    signer = TwilioSigner(args.rasa_url, args.auth_token)
    numbers = [f"+9194380{i:05d}" for i in range(args.phones)]
    with ThreadPoolExecutor(args.phones) as pool:
        results = list(pool.map(lambda n: whatsapp_user(signer, args.backend_url, n, args.messages), numbers))
        acks = [a for r in results for a in r[0]]
        replies = [a for r in results for a in r[1]]
        lost, twice = sum(r[2] for r in results), sum(r[3] for r in results)
        steps = [s for r in pool.map(lambda n: voice_caller(signer, n), numbers) for s in r]
    print(f"{args.phones} phones at once, {args.messages} messages each")
    print(f"  WhatsApp webhook answered in   {_percentiles(acks)}")
    print(f"  WhatsApp reply in the sandbox  {_percentiles(replies)}")
    print(f"  WhatsApp messages lost         {lost}, answered twice {twice} (of {len(acks)})")
    print(f"  voice IVR step answered in     {_percentiles(steps)}")


if __name__ == "__main__":
    main()

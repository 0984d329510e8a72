"""How fast the Twilio channels answer, measured against a running stack (`make run`):

    .venv/bin/python -m scripts.channel_benchmark --phones 10 --messages 5

Prints, for WhatsApp: the webhook's answer time (what Twilio waits for; it allows 15 s) and the
time until the reply reached the Twilio sandbox (conversation + outbox + send); for voice: the
time of one IVR step (voice answers synchronously, so this is what the caller hears as a pause)."""
import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from scripts.phone import TextPhone, TwilioSigner, VoicePhone


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms (n={len(ordered)})"


def whatsapp_user(signer: TwilioSigner, backend_url: str, number: str, messages: int) -> tuple[list[float], list[float]]:
    phone = TextPhone(signer, backend_url, number, "whatsapp", quiet=0.3)
    phone.inbox()
    acks, replies = [], []
    for text in (["help", "status GRV-2026-999999"] * messages)[:messages]:
        started = time.perf_counter()
        response = phone.send(text)
        acks.append(time.perf_counter() - started)
        response.raise_for_status()
        while not phone.inbox():
            time.sleep(0.02)
        replies.append(time.perf_counter() - started)
    return acks, replies


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
    parser.add_argument("--auth-token", default="dev-twilio-token")
    args = parser.parse_args()
    signer = TwilioSigner(args.rasa_url, args.auth_token)
    numbers = [f"+9194380{i:05d}" for i in range(args.phones)]
    with ThreadPoolExecutor(args.phones) as pool:
        results = list(pool.map(lambda n: whatsapp_user(signer, args.backend_url, n, args.messages), numbers))
        acks = [a for r in results for a in r[0]]
        replies = [a for r in results for a in r[1]]
        steps = [s for r in pool.map(lambda n: voice_caller(signer, n), numbers) for s in r]
    print(f"{args.phones} phones at once, {args.messages} messages each")
    print(f"  WhatsApp webhook answered in   {_percentiles(acks)}")
    print(f"  WhatsApp reply in the sandbox  {_percentiles(replies)}")
    print(f"  voice IVR step answered in     {_percentiles(steps)}")


if __name__ == "__main__":
    main()

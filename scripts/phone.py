"""The phone simulator: be a WhatsApp, SMS or voice user of a running Sathi without a Twilio account.

    make phone                                   # WhatsApp, as +91 98765 43210
    .venv/bin/python -m scripts.phone --channel sms --number +919437000001
    .venv/bin/python -m scripts.phone --channel voice

It sends exactly what Twilio would send (same form fields, X-Twilio-Signature computed with the
configured auth token against the public URL) to Rasa's Twilio webhooks, and shows the replies
that the backend's outbox delivered to the built-in Twilio sandbox. For voice it reads the TwiML,
speaks <Say> text as lines, shows what each <Play> prompt says, and takes keypad digits.
In a text chat: /photo [URL] sends an image, /pin LAT,LON a location, /quit ends."""
import argparse
import itertools
import os
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from common.signatures import public_url, sign
from common.secrets import DEFAULTS
from locales.voice_audio import RECORDED_LANGUAGES, all_prompts

ACCOUNT_SID = os.environ.get("SATHI_TWILIO_ACCOUNT_SID", "AC00000000000000000000000000000000")
SANDBOX_NUMBERS = {"whatsapp": "whatsapp:+14155238886", "sms": "+15005550006", "voice": "+15005550006"}


class TwilioSigner:
    """Posts forms the way Twilio does: signed against the public URL of the path."""

    def __init__(self, rasa_url: str, auth_token: str, public_base_url: str | None = None) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.public_base_url = (public_base_url or rasa_url).rstrip("/")
        self.auth_token = auth_token
        self.http = httpx.Client(timeout=30)

    def post(self, path_and_query: str, form: dict[str, str], signature: str | None = None) -> httpx.Response:
        parts = urlsplit(path_and_query)
        url = public_url(self.public_base_url, parts.path, parts.query)
        headers = {"X-Twilio-Signature": signature if signature is not None else sign(self.auth_token, url, form)}
        target = f"{self.rasa_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return self.http.post(target, data=form, headers=headers)


class TextPhone:
    """A WhatsApp or SMS user."""

    def __init__(self, signer: TwilioSigner, backend_url: str, number: str, channel: str, quiet: float = 1.2) -> None:
        self.signer, self.channel, self.quiet = signer, channel, quiet
        self.backend_url = backend_url.rstrip("/")
        self.address = f"whatsapp:{number}" if channel == "whatsapp" else number
        self.seen = 0
        self.path = f"/webhooks/twilio_{channel}/webhook"

    def form(self, text: str = "", *, media: list[tuple[str, str]] = (), location: tuple[float, float] | None = None, sid: str | None = None) -> dict[str, str]:
        sid = sid or f"SM{uuid.uuid4().hex}"
        form = {
            "MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID,
            "From": self.address, "To": SANDBOX_NUMBERS[self.channel], "Body": text,
            "NumMedia": str(len(media)), "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01",
        }
        if self.channel == "whatsapp":
            form.update({"WaId": self.address.split("+")[-1], "ProfileName": "Test Citizen"})
        for i, (url, content_type) in enumerate(media):
            form[f"MediaUrl{i}"], form[f"MediaContentType{i}"] = url, content_type
        if location:
            form["Latitude"], form["Longitude"] = str(location[0]), str(location[1])
        return form

    def send(self, text: str = "", **kwargs: object) -> httpx.Response:
        return self.signer.post(self.path, self.form(text, **kwargs))

    def sample_photo_url(self) -> str:
        """Where the built-in sandbox serves a sample photo, shaped like a Twilio media URL."""
        return (f"{self.backend_url}/sandbox/twilio/2010-04-01/Accounts/{ACCOUNT_SID}"
                f"/Messages/MM{uuid.uuid4().hex}/Media/ME{uuid.uuid4().hex}")

    def send_and_read(self, text: str = "", **kwargs: object) -> list[str]:
        """Sends; returns what the webhook's answer itself carries (a <Message> Twilio delivers)."""
        response = self.send(text, **kwargs)
        response.raise_for_status()
        return twiml_messages(response.text)

    def inbox(self) -> list[dict]:
        response = httpx.post(f"{self.backend_url}/sandbox/twilio/inbox", json={"to": self.address, "after": self.seen},
                              auth=(ACCOUNT_SID, self.signer.auth_token), timeout=10)  # the account's, as Twilio asks
        response.raise_for_status()
        messages = response.json()
        if messages:
            self.seen = messages[-1]["id"]
        return messages

    def wait_for_replies(
        self, timeout: float = 20.0, at_least: int = 1, until: Callable[[list[str]], bool] | None = None
    ) -> list[str]:
        """Replies as they arrive: returns once `at_least` came and nothing more for `quiet` s, or,
        given `until`, as soon as what came satisfies it (and a short moment more, for stragglers)."""
        quiet = self.quiet if until is None else min(self.quiet, 0.2)
        received: list[str] = []
        deadline = time.monotonic() + timeout
        last_arrival = time.monotonic()
        while time.monotonic() < deadline:
            new = self.inbox()
            if new:
                received += [m["body"] for m in new]
                last_arrival = time.monotonic()
            elif (until is None or until(received)) and len(received) >= at_least and time.monotonic() - last_arrival >= quiet:
                break
            time.sleep(0.15)
        return received

    def say(
        self, text: str = "", *, at_least: int = 1, timeout: float = 20.0,
        until: Callable[[list[str]], bool] | None = None, **kwargs: object,
    ) -> list[str]:
        direct = self.send_and_read(text, **kwargs)
        waiting = None if until is None else (lambda received: until(direct + received))
        return direct + self.wait_for_replies(timeout=timeout, at_least=max(at_least - len(direct), 0), until=waiting)


def twiml_messages(answer: str) -> list[str]:
    """The <Message> bodies in a messaging webhook's TwiML answer (Sathi puts one there only when
    its backend is down: "we have your message")."""
    try:
        root = ET.fromstring(answer)
    except ET.ParseError:
        return []
    return [message.text or "" for message in root.iter("Message")]


@dataclass
class VoiceTurn:
    spoken: list[str] = field(default_factory=list)  # "[hi-IN] text" or "[recorded or] words"
    gather_action: str | None = None
    gather_input: str | None = None
    gather_language: str | None = None
    hangup: bool = False
    redirect: str | None = None
    record_action: str | None = None  # the caller is asked to speak after the beep


class VoicePhone:
    """A caller: reads TwiML the way Twilio would and answers with keypad digits or speech."""

    def __init__(self, signer: TwilioSigner, number: str) -> None:
        self.signer, self.number = signer, number
        self.call_sid = f"CA{uuid.uuid4().hex}"
        self.next_url: str | None = None
        self.prompt_words = {pid: words for language in RECORDED_LANGUAGES for pid, words in all_prompts(language).items()}

    def _form(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.call_sid, "AccountSid": ACCOUNT_SID, "From": self.number, "To": SANDBOX_NUMBERS["voice"],
                "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01", **extra}

    def _turn(self, path: str, form: dict[str, str]) -> VoiceTurn:
        response = self.signer.post(path, form)
        response.raise_for_status()
        turn = self.parse(response.text)
        self.next_url = turn.gather_action or turn.record_action or turn.redirect
        return turn

    def dial(self) -> VoiceTurn:
        return self._turn("/webhooks/twilio_voice/webhook", self._form(CallStatus="ringing"))

    def press(self, digits: str) -> VoiceTurn:
        return self._turn(self._path(), self._form(Digits=digits))

    def speak(self, words: str) -> VoiceTurn:
        return self._turn(self._path(), self._form(SpeechResult=words, Confidence="0.9"))

    def record(self, seconds: int = 8) -> VoiceTurn:
        """Answers a <Record> as Twilio does once the caller has spoken and pressed #."""
        recording = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE{uuid.uuid4().hex}"
        return self._turn(self._path(), self._form(RecordingUrl=recording, RecordingDuration=str(seconds), RecordingSid=recording.rsplit("/", 1)[-1], Digits="#"))

    def hang_up_while_recording(self) -> VoiceTurn:
        """Hangs up at a <Record> before saying anything: Twilio then posts Digits=hangup."""
        return self._turn(self._path(), self._form(RecordingUrl="", RecordingDuration="0", Digits="hangup"))

    def silence(self) -> VoiceTurn:
        return self._turn(self._path(), self._form())

    def _path(self) -> str:
        if not self.next_url:
            raise RuntimeError("the call has ended")
        parts = urlsplit(self.next_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def parse(self, xml: str) -> VoiceTurn:
        turn = VoiceTurn()
        root = ET.fromstring(xml)
        for element in root.iter():
            if element.tag == "Say":
                turn.spoken.append(f"[{element.get('language', 'en-US')}] {element.text or ''}")
            elif element.tag == "Play":
                prompt = (element.text or "").rsplit("/", 1)[-1].removesuffix(".wav")
                turn.spoken.append(f"[recording] {self.prompt_words.get(prompt, element.text)}")
            elif element.tag == "Gather":
                turn.gather_action = element.get("action")
                turn.gather_input = element.get("input")
                turn.gather_language = element.get("language")
            elif element.tag == "Hangup":
                turn.hangup = True
            elif element.tag == "Redirect":
                turn.redirect = element.text
            elif element.tag == "Record":
                turn.record_action = element.get("action")
        return turn


def _chat(phone: TextPhone) -> None:
    print(f"{phone.channel} chat as {phone.address}. /photo [URL], /pin LAT,LON, /quit")
    phone.inbox()  # skip what arrived before this session
    stop = threading.Event()

    def show_arrivals() -> None:  # replies and alerts, printed as they arrive
        while not stop.is_set():
            try:
                arrived = phone.inbox()
            except httpx.HTTPError:  # the backend is restarting: its replies wait in the outbox
                arrived = []
            for message in arrived:
                print(f"\rSathi> {message['body']}\nyou> ", end="", flush=True)
            stop.wait(0.3)

    threading.Thread(target=show_arrivals, daemon=True).start()
    print("you> ", end="", flush=True)
    for line in map(str.rstrip, sys.stdin):
        if line == "/quit":
            break
        if line.startswith("/photo"):
            url = line.removeprefix("/photo").strip() or phone.sample_photo_url()
            phone.send("", media=[(url, "image/png")])
        elif line.startswith("/pin"):
            lat, lon = (float(x) for x in line.removeprefix("/pin").split(","))
            phone.send("", location=(lat, lon))
        else:
            for direct in phone.send_and_read(line):
                print(f"Sathi> {direct}")
        time.sleep(0 if sys.stdin.isatty() else 2.5)  # piped input: let each answer arrive first
    time.sleep(0 if sys.stdin.isatty() else 1.0)
    stop.set()


def _call(phone: VoicePhone) -> None:
    turn = phone.dial()
    for count in itertools.count():
        for line in turn.spoken:
            print(f"Sathi {line}")
        if turn.hangup or not phone.next_url:
            print("(call ended)")
            return
        if turn.record_action:
            input("(speak after the beep; Enter sends a sample recording)> ")
            turn = phone.record()
            continue
        entry = input(f"keys{' or words' if 'speech' in (turn.gather_input or '') else ''} (Enter = silence)> ").strip()
        if not entry:
            turn = phone.silence()
        elif entry.replace("#", "").replace("*", "").isdigit():
            turn = phone.press(entry.rstrip("#"))
        else:
            turn = phone.speak(entry)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--channel", choices=("whatsapp", "sms", "voice"), default="whatsapp")
    parser.add_argument("--number", default="+919876543210")
    parser.add_argument("--rasa-url", default=os.environ.get("SATHI_RASA_URL", "http://127.0.0.1:5005"))
    parser.add_argument("--backend-url", default=os.environ.get("SATHI_BACKEND_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--public-base-url", default=os.environ.get("SATHI_PUBLIC_BASE_URL"))
    parser.add_argument("--auth-token", default=os.environ.get("SATHI_TWILIO_AUTH_TOKEN", DEFAULTS["SATHI_TWILIO_AUTH_TOKEN"]))
    args = parser.parse_args()
    signer = TwilioSigner(args.rasa_url, args.auth_token, args.public_base_url)
    try:
        if args.channel == "voice":
            _call(VoicePhone(signer, args.number))
        else:
            _chat(TextPhone(signer, args.backend_url, args.number, args.channel))
    except httpx.ConnectError:
        sys.exit(f"Sathi is not running at {args.rasa_url}; start it with `make run`.")
    except (EOFError, KeyboardInterrupt):
        print()


if __name__ == "__main__":
    main()

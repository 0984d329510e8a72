"""Twilio Voice as a Rasa input channel: an IVR that asks for the language by keypad first, then
talks through <Gather input="dtmf speech"> in en-IN and hi-IN, and through keypad input and
recorded prompts (<Play>) in Odia, which Twilio can neither speak nor hear.

Voice answers synchronously (TwiML in the HTTP response), so each step runs the conversation
before answering; Twilio allows 15 s and a turn takes well under one. Each CallSid step is claimed
once; a retried step gets the TwiML the first one produced.

No caller is left without a question: after silence, a key that is not one of the choices, or words
the bot did not understand, the question last asked is asked again. It is read from the step that
asked it (its TwiML is kept by the backend); the callback URL says how many of that step's verbs
were the question (`q`), the rest being what was said before it."""

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import twiml
from channels.backend_link import BackendLink, BackendRefused, BackendUnavailable
from channels.collector import ReplyCollector
from channels.configured_input import ConfiguredInput
from channels.replies import numbered_options
from channels.twilio_base import TwilioRequestCheck
from common.channels import CONTINUES_QUESTION, NUMBERED_ANSWERS, SMS, TWILIO_VOICE, VOICE
from common.recordings import ANSWERED_IN_WORDS
from common.signatures import public_url
from common.slots import DOORSTEP_AGENT
from locales import LANGUAGES, render
from locales.script import clean_text, romanise
from locales.voice_audio import AUDIO_DIR, RECORDED_LANGUAGES, spoken_parts

logger = logging.getLogger(__name__)

MENU_DIGITS = {"1": "en", "2": "hi", "3": "or"}
MAX_SILENCES = 3
DEFAULT_SUMMARY_KEYS = ("utter_grievance_filed", "utter_case_status", "utter_case_status_no_due")
# Questions answered in words that a call in a recorded language records, besides those whose
# message says so itself (common.recordings.ANSWERED_IN_WORDS: every catalog form's name or text
# field): none today; a deployment may name more (record_for_keys in credentials.yml).
DEFAULT_RECORD_KEYS = ()
# Said after every question a call records: how to answer it (after the beep, then hash).
RECORD_LEAD_KEYS = ("utter_voice_say_after_beep",)
# Replies that ask nothing ("you can say: ..."): the question before them, with its keys, is
# asked again after them.
DEFAULT_ASK_AGAIN_AFTER_KEYS = ("utter_not_understood",)
_AUDIO_NAME = re.compile(r"^[0-9a-f]{16}\.wav$")
_ONE_KEY = re.compile(r"^[0-9*]$")


@dataclass(frozen=True)
class Keys:
    """How a staff member's call is answered at a step: words (speech), or keys, or one key."""

    words: bool = False
    one_key: bool = False


@dataclass(frozen=True)
class Asked:
    """Where the call stands: the step that asked the question being answered, how many of its
    verbs were the question, and the keypad choices it offered."""

    call_sid: str
    step: int
    question_verbs: int
    menu: dict[str, str]


class VoiceInput(ConfiguredInput):
    provider = "twilio"
    channel = VOICE
    secret_credentials = {"auth_token": "SATHI_TWILIO_AUTH_TOKEN"}

    @classmethod
    def name(cls) -> str:
        return TWILIO_VOICE

    def __init__(
        self,
        auth_token: str,
        public_base_url: str,
        backend_url: str,
        channels_token: str,
        sms_summary_keys: list[str] | None = None,
        record_for_keys: list[str] | None = None,
        ask_again_after_keys: list[str] | None = None,
    ) -> None:
        self.check = TwilioRequestCheck(auth_token, public_base_url)
        self.public_base_url = public_base_url
        self.backend = BackendLink(backend_url, channels_token)
        self.sms_summary_keys = set(sms_summary_keys or DEFAULT_SUMMARY_KEYS)
        # Free-text questions that a caller in a recorded language answers by a voice recording.
        self.record_for_keys = set(record_for_keys or DEFAULT_RECORD_KEYS)
        self.ask_again_after_keys = set(ask_again_after_keys or DEFAULT_ASK_AGAIN_AFTER_KEYS)

    # URLs Twilio calls back, absolute and public, carrying the call's place in the dialogue.
    def _url(self, **params: Any) -> str:
        return public_url(self.public_base_url, f"/webhooks/{self.name()}/webhook", urlencode(params))

    def _audio_url(self, language: str, prompt: str) -> str:
        return public_url(self.public_base_url, f"/webhooks/{self.name()}/audio/{language}/{prompt}.wav")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/audio/<language>/<name>", methods=["GET"])
        async def audio(_: Request, language: str, name: str) -> HTTPResponse:
            path = AUDIO_DIR / language / name
            if language not in RECORDED_LANGUAGES or not _AUDIO_NAME.match(name) or not path.exists():
                return response.text("not found", status=404)
            return await response.file(str(path), mime_type="audio/wav")

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            form = self.check.signed_form(request)
            if form is None:
                return response.text("invalid signature", status=403)
            call_sid, caller = form.get("CallSid"), form.get("From")
            if not call_sid or not caller:
                return response.text("malformed webhook", status=400)
            step = _int(request.args.get("step"), 0)
            try:
                claim = await self.backend.claim(
                    provider=self.provider, external_id=f"{call_sid}:{step}", channel=self.channel, phone=caller
                )
            except BackendUnavailable as exc:
                logger.error("voice: backend unavailable: %s", exc)
                return self._xml(
                    twiml.response(
                        twiml.say(render("utter_service_unavailable", "en", self.name())["text"], "en"), twiml.hangup()
                    )
                )
            if not claim.first:  # Twilio retried this step: same answer, the conversation moved once
                return self._xml(claim.response or twiml.response(twiml.pause(1), twiml.redirect(self._url(**request.args))))
            answer = None
            if claim.staff and claim.inbound_id is not None:  # an official's, an operator's call: their list
                answer = await self._staff_step(request, form, claim.inbound_id, call_sid, step)
            elif request.args.get("s") == "1":  # a staff call whose caller no longer works cases: it ends
                language = request.args.get("lang") or "en"
                answer = twiml.response(*self._speak_key("utter_voice_goodbye", language), twiml.hangup())
            if answer is None:
                answer = await self._step(request, form, caller, call_sid, step, on_new_message, claim.turn)
            try:
                await self.backend.store_response(provider=self.provider, external_id=f"{call_sid}:{step}", response=answer)
            except BackendUnavailable:
                logger.warning("voice: step answer not stored; a retry would re-prompt")
            return self._xml(answer)

        return webhook

    @staticmethod
    def _xml(body: str) -> HTTPResponse:
        return response.text(body, content_type="text/xml")

    async def _step(
        self,
        request: Request,
        form: dict[str, str],
        caller: str,
        call_sid: str,
        step: int,
        on_new_message: Callable,
        turn: str | None,
    ) -> str:
        language = request.args.get("lang")
        silences = _int(request.args.get("silences"), 0)
        heard = self._heard(form, language)
        if heard is None:
            return twiml.response()
        if language not in LANGUAGES:
            return await self._language_menu_step(caller, step, heard, silences, on_new_message, turn, request)
        asked = Asked(call_sid, step - 1, _int(request.args.get("q"), 0), _menu(request.args.get("menu")))
        not_an_answer = await self._not_an_answer(heard, asked, step, language, silences)
        if not_an_answer is not None:
            return not_an_answer
        return await self._converse(
            caller, step, language, asked.menu.get(heard, heard), on_new_message, turn, asked, request=request
        )

    def _heard(self, form: dict[str, str], language: str | None) -> str | None:
        """What the caller pressed, said or recorded ("" for silence); None when they hung up
        during a recording (Twilio's Digits "hangup"): nobody to answer, nothing said."""
        heard = clean_text(form.get("Digits") or form.get("SpeechResult") or "").strip()
        recorded = bool(form.get("RecordingUrl")) and form.get("RecordingDuration", "0") != "0"
        if recorded:
            heard = render("voice_recording_description", language, self.name(), url=form["RecordingUrl"])["text"]
        elif "RecordingUrl" in form:  # an empty recording (only the # key): as silence, the question again
            heard = ""
        return None if form.get("Digits") == "hangup" and not recorded else heard

    async def _not_an_answer(
        self, heard: str, asked: Asked, step: int, language: str, silences: int, staff: "Keys | None" = None
    ) -> str | None:
        """Silence (the question again; goodbye after MAX_SILENCES) or a key that is not one of the
        choices (the question again); None for an answer. Where words are asked for, a key is words."""
        if not heard:
            if silences + 1 >= MAX_SILENCES:
                return twiml.response(*self._speak_key("utter_voice_goodbye", language), twiml.hangup())
            return await self._ask_again("utter_voice_no_input", asked, step, language, silences + 1, staff)
        words = staff is not None and staff.words
        if not words and asked.menu and _ONE_KEY.match(heard) and heard not in asked.menu:
            return await self._ask_again("utter_voice_invalid_choice", asked, step, language, silences, staff)
        return None

    async def _ask_again(
        self, lead_key: str, asked: Asked, step: int, language: str, silences: int, staff: "Keys | None" = None
    ) -> str:
        """The lead ("I did not hear anything") and the question asked before, offered the same way."""
        lead = self._speak_key(lead_key, language)
        question, recorded = await self._question(asked)
        if recorded:
            url = self._url(step=step + 1, lang=language, silences=silences, q=len(question))
            return twiml.response(*lead, *question, twiml.record(url))
        return twiml.response(self._gather(step, language, silences, lead + question, asked.menu, len(question), staff))

    async def _staff_step(self, request: Request, form: dict[str, str], inbound_id: int, call_sid: str, step: int) -> str | None:
        """A call from a person who works cases: a code to their phone first, then their list, a case,
        an action by keypad, a reason spoken; answered by the backend's staff call
        (backend/console/call.py), which keeps what each key means. None when the backend says the
        caller works no cases (the IVR answers)."""
        language = request.args.get("lang")
        silences = _int(request.args.get("silences"), 0)
        started = language in LANGUAGES  # the first step has no language yet: the person's own comes back
        heard = self._heard(form, language) if started else ""
        if heard is None:
            return twiml.response()
        keys = Keys(words=request.args.get("w") == "1", one_key=request.args.get("k") == "1")
        asked = Asked(call_sid, step - 1, _int(request.args.get("q"), 0), _menu(request.args.get("menu")))
        if started and language is not None:
            not_an_answer = await self._not_an_answer(heard, asked, step, language, silences, keys)
            if not_an_answer is not None:
                return not_an_answer
        try:
            answered = await self.backend.staff_call(inbound_id=inbound_id, text=heard)
        except (BackendUnavailable, BackendRefused) as exc:
            logger.error("voice: the staff call could not be answered: %s", exc)
            return twiml.response(*self._speak_key("utter_service_unavailable", language or "en"), twiml.hangup())
        if answered is None:  # no longer one who works cases: the call ends, it never turns into the IVR
            if not started:
                return None
            return twiml.response(*self._speak_key("utter_voice_goodbye", language or "en"), twiml.hangup())
        language = answered["language"]
        spoken = [self._speak(p["text"], p["key"] or None, language, p["variables"]) for p in answered["said"]]
        verbs = [verb for phrase in spoken for verb in phrase]
        if answered["ends"]:
            return twiml.response(*verbs, twiml.hangup())
        last = int(answered.get("question") or 0)  # what a silence asks again: the last phrases, or all
        question = sum(len(phrase) for phrase in spoken[-last:]) if last else len(verbs)
        keys = Keys(words=bool(answered["words"]), one_key=bool(answered["one_key"]))
        return twiml.response(self._gather(step, language, 0, verbs, answered["menu"], question, keys))

    async def _question(self, asked: Asked) -> tuple[list[str], bool]:
        """The question's verbs as the step that asked it spoke them, and whether it was answered
        by a recording; none if that step's TwiML was not kept."""
        try:
            stored = await self.backend.stored_response(provider=self.provider, external_id=f"{asked.call_sid}:{asked.step}")
        except BackendUnavailable:
            stored = None
        if not stored or asked.question_verbs <= 0:
            return [], False
        root = ET.fromstring(stored)
        gather = root.find("Gather")
        verbs = list(gather) if gather is not None else [v for v in root if v.tag in ("Say", "Play")]
        question = [ET.tostring(verb, encoding="unicode") for verb in verbs[-asked.question_verbs :]]
        return question, root.find("Record") is not None

    async def _language_menu_step(
        self, caller: str, step: int, digit: str, silences: int, on_new_message: Callable, turn: str | None, request: Request
    ) -> str:
        if digit in MENU_DIGITS:
            language = MENU_DIGITS[digit]
            # A caller back in the middle of a form hears its question (once), not the greeting too;
            # but a field agent's unfinished filing is for a citizen they may no longer be with: their
            # new call starts afresh (the filing dropped, said so), never filing under that citizen.
            tracker = await self._tracker(request, caller)
            change = f'/change_language{{"language":"{language}"}}'
            said = [change, "/greet"]
            if tracker and tracker.active_loop_name:
                dropped = f'/cancel{{"language":"{language}"}}'  # said in the language just chosen
                said = [dropped, change, "/greet"] if tracker.get_slot(DOORSTEP_AGENT) else [change]
            return await self._converse(caller, step, language, said[0], on_new_message, turn, then=tuple(said[1:]))
        first_call = step == 0
        if not first_call and not digit and silences + 1 >= MAX_SILENCES:
            return twiml.response(*self._in_every_language("utter_voice_goodbye"), twiml.hangup())
        lead: list[str] = []
        if not first_call:
            lead = self._in_every_language("utter_voice_invalid_choice" if digit else "utter_voice_no_input")
        menu = self._in_every_language("utter_voice_choose_language")
        action = self._url(step=step + 1, silences=0 if digit or first_call else silences + 1)
        return twiml.response(twiml.gather(action, "".join(lead + menu), language="en", speech=False, num_digits=1))

    async def _converse(
        self,
        caller: str,
        step: int,
        language: str,
        heard: str,
        on_new_message: Callable,
        turn: str | None,
        asked: Asked | None = None,
        then: tuple[str, ...] = (),
        request: Request | None = None,
    ) -> str:
        collector = ReplyCollector(self.name())
        # The step's grant goes with what was heard: the action server acts for this caller only.
        metadata = {"channel": VOICE, "turn": turn}
        for text in (heard, *then):
            await on_new_message(UserMessage(text, collector, _sender(caller), input_channel=self.name(), metadata=metadata))
        verbs: list[str] = []
        question: list[str] = []  # the last message's verbs: what silence asks again
        summary: list[dict[str, Any]] = []
        ends = False
        menu: dict[str, str] = {}
        last_key = None
        in_words = False  # the last question is answered in words
        for message in collector.messages:
            locale = (message.get("custom") or {}).get("locale") or {}
            key, variables = locale.get("key"), locale.get("variables", {})
            language = locale.get("language", language)
            spoken = self._speak(message.get("text") or "", key, language, variables)
            verbs += spoken
            custom = message.get("custom") or {}
            question = question + spoken if custom.get(CONTINUES_QUESTION) else spoken or question
            if key in self.sms_summary_keys:
                text = render(key, language, SMS, **variables)["text"]
                summary.append({"body": text, "locale_key": key, "language": language, "variables": variables})
            ends = ends or key == "utter_goodbye"
            last_key = key or last_key
            if key:
                in_words = key in self.record_for_keys or bool(custom.get(ANSWERED_IN_WORDS))
            answers = message.get(NUMBERED_ANSWERS)
            menu = numbered_options(message.get("buttons")) or (answers if isinstance(answers, dict) else None) or menu
        if summary:
            try:
                await self.backend.queue_replies(channel=SMS, phone=caller, replies=summary, menu=None, kind="summary")
                # said before the question, if the turn ends with one (not with the summary itself)
                question = [] if last_key in self.sms_summary_keys else question
                before = verbs[: len(verbs) - len(question)]
                verbs = before + self._speak_key("utter_voice_sms_summary", language) + question
            except BackendUnavailable:
                logger.warning("voice: SMS summary not queued")
        if ends:
            return twiml.response(*verbs, twiml.hangup())
        recorded_again = False  # the question asked again is answered by a recording, its "after the beep" in it
        if asked and last_key in self.ask_again_after_keys and not menu:
            question, recorded_again = await self._question(asked)
            verbs, menu = verbs + question, asked.menu
        elif not menu and not in_words and await self._nothing_asked(request, caller):
            # a filing or a status said, no form open: the call is not left waiting in silence
            offer = render("utter_voice_anything_else", language, self.name())
            question = self._speak(offer["text"], "utter_voice_anything_else", language, {})
            verbs, menu = verbs + question, numbered_options(offer["buttons"])
        if language in RECORDED_LANGUAGES and (in_words or recorded_again):
            if not recorded_again:
                how = self._speak_key(RECORD_LEAD_KEYS[0], language)  # after the beep, then hash
                question, verbs = question + how, verbs + how
            url = self._url(step=step + 1, lang=language, silences=0, q=len(question))
            return twiml.response(*verbs, twiml.record(url))
        return twiml.response(self._gather(step, language, 0, verbs, menu, len(question)))

    @staticmethod
    async def _tracker(request: Request | None, caller: str) -> Any:
        """The caller's conversation as the dialogue keeps it; None when it cannot be read."""
        agent = getattr(request.app.ctx, "agent", None) if request else None
        return None if agent is None else await agent.tracker_store.retrieve(_sender(caller))

    async def _nothing_asked(self, request: Request | None, caller: str) -> bool:
        """Whether the caller's conversation is outside any form (so the turn asked no question)."""
        tracker = await self._tracker(request, caller)
        return tracker is not None and not tracker.active_loop_name

    def _gather(
        self,
        step: int,
        language: str,
        silences: int,
        verbs: list[str],
        menu: dict[str, str],
        question_verbs: int = 0,
        staff: "Keys | None" = None,
    ) -> str:
        """staff: on a staff member's call, what the answer is (keys only: a spoken "one" is no "1";
        one key, taken at once; or words, heard as speech); the citizens' IVR takes keys or speech."""
        # The keypad choices offered travel in the callback URL, so "1" means what was just offered;
        # so does how many of the verbs are the question, to ask it again.
        params: dict[str, Any] = {"step": step + 1, "lang": language, "silences": silences, "q": question_verbs}
        if staff is not None:  # the backend keeps what the keys mean: only which keys there are goes here
            menu = {key: "" for key in menu if key.isdigit()}
        if menu:
            params["menu"] = json.dumps(menu, separators=(",", ":"), ensure_ascii=False)
        speech = language not in RECORDED_LANGUAGES
        num_digits = None
        if staff is not None:
            params.update(s=1, **({"w": 1} if staff.words else {}), **({"k": 1} if staff.one_key else {}))
            speech, num_digits = speech and staff.words, 1 if staff.one_key else None
        return twiml.gather(self._url(**params), "".join(verbs), language=language, speech=speech, num_digits=num_digits)

    def _speak_key(self, key: str, language: str, **variables: Any) -> list[str]:
        return self._speak(render(key, language, self.name(), **variables)["text"], key, language, variables)

    def _in_every_language(self, key: str) -> list[str]:
        return [verb for language in LANGUAGES for verb in self._speak_key(key, language)]

    def _speak(self, text: str, key: str | None, language: str, variables: dict[str, Any]) -> list[str]:
        if language not in RECORDED_LANGUAGES:
            return [twiml.say(text, language)] if text.strip() else []
        parts = spoken_parts(key, language, {k: str(v) for k, v in variables.items()}) if key else None
        if parts is None:  # no recording for this text: Twilio's en-IN voice reads it romanised
            return [twiml.say(romanise(text, language), "en")] if text.strip() else []
        return [
            # a value (a name, a place) in the caller's script is read by Twilio's en-IN voice in Latin letters
            twiml.play(self._audio_url(language, value)) if kind == "play" else twiml.say(romanise(value, language), "en")
            for kind, value in parts
        ]


def _sender(caller: str) -> str:
    return f"voice:{caller}"


def _menu(value: str | None) -> dict[str, str]:
    try:
        menu = json.loads(value) if value else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in menu.items()} if isinstance(menu, dict) else {}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default

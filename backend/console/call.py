"""The console on a call: a person who works cases calls Sathi's number from their registered mobile
and hears, in their language, how many cases wait for them and the first ones; a case's number on
the keypad opens it, an action's number takes it, and what the action needs is asked as in the
chat (backend/console/chat.py, the same rights and the same steps): whom to hand it to and the
plant by number, the litres on the keypad, a reason spoken and heard back; every action is
confirmed ("press 1 to confirm") before it is taken.

A caller ID can be forged, so a call proves the number first: a one-time code goes to the
person's registered WhatsApp or SMS (the console's sign-in codes, services/signin.py) and is keyed
in; nothing of a case is said before. What the call has reached (the code checked, what each key
means now) is kept with the call's steps here, never taken from the caller: each answered step
keeps its state and its answer in the same transaction as what it did, and a retried step gets the
same answer without acting again."""

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.console.chat import Chat, Incoming, Phrase
from backend.models import InboundMessage, Person
from backend.services import signin
from backend.services.staff_menu import ANSWER, staff_by_phone
from backend.settings import Settings
from backend.workflow import WorkflowDef
from common.channels import VOICE

WORDS_ASKED = ("reason",)  # what the chat may await that is answered in words, not on the keypad
STATE = "staff_call"
AFTER_DONE = ("console.chat.see_list",)  # the step row's payload entry: the call's state after it, and its answer


class NotACallStep(Exception):
    """The step is not a call's (a message's, or unknown)."""


@dataclass(frozen=True)
class CallAnswer:
    language: str
    said: list[Phrase]  # in order; key "" for words said as they are (a case's facts)
    menu: dict[str, str]  # what each key means at the next step
    words: bool = False  # the next answer is words (a reason), not keys
    question: int = 0  # how many of the last phrases are the question a silence asks again (0: all)
    one_key: bool = False  # every choice is one key: taken as soon as it is pressed
    ends: bool = False  # the call is over (the code failed for good)


def answer(
    session: Session, *, inbound_id: int, text: str, settings: Settings, workflows: dict[str, WorkflowDef], now: datetime
) -> CallAnswer | None:
    """The step's answer, with what it did committed; None when the caller works no cases (the
    citizens' IVR answers)."""
    # The step's row is locked while it is answered: a retry waits, then finds the answer.
    step = session.scalar(select(InboundMessage).where(InboundMessage.id == inbound_id).with_for_update())
    if step is None or step.channel != VOICE:
        raise NotACallStep(inbound_id)
    if step.payload and STATE in step.payload:  # answered before: Twilio retried it
        return _answer_of(step.payload[STATE]["answer"])
    person = staff_by_phone(session, step.phone)
    if person is None:
        return None
    chat = Chat(session, person=person, settings=settings, workflows=workflows, channel=VOICE, now=now)
    call_sid = step.external_id.rsplit(":", 1)[0]
    before = _state_before(session, step, call_sid)
    if before is None:
        answered, verified = _send_code(session, chat, person, settings, call_sid, now), False
    elif not before["verified"]:
        answered, verified = _check_code(session, chat, person, settings, call_sid, text, now)
    else:
        said = chat.answer(Incoming(text, VOICE), before["menu"])
        ends = chat.listed == 0  # nothing (left) to choose: the call ends kindly rather than wait
        texts = [*said.texts, chat.say("call.goodbye")] if ends else said.texts
        answered, verified = _answered(chat, texts, {} if ends else said.menu, ends=ends), True
    step.payload = {STATE: {"verified": verified, "menu": answered.menu, "answer": _stored(answered)}}
    session.commit()
    return answered


def _state_before(session: Session, step: InboundMessage, call_sid: str) -> dict[str, Any] | None:
    """What this call had reached at its last answered step (silences and wrong keys are answered by
    the channel alone, and another call from the number is another call); None at its start."""
    earlier = session.scalars(
        select(InboundMessage)
        .where(
            InboundMessage.phone == step.phone,  # indexed; the call's own steps among the number's
            InboundMessage.provider == step.provider,
            InboundMessage.external_id.startswith(f"{call_sid}:", autoescape=True),
            InboundMessage.id < step.id,
        )
        .order_by(InboundMessage.id.desc())
    )
    # (a JSON column keeps None as JSON null, not SQL NULL: the rows are read, not filtered on it)
    return next((dict(row.payload[STATE]) for row in earlier if row.payload and STATE in row.payload), None)


def _send_code(session: Session, chat: Chat, person: Person, settings: Settings, call_sid: str, now: datetime) -> CallAnswer:
    try:
        signin.request_code(
            session, settings=settings, phone_text=person.phone, address=_address(call_sid), now=now, for_call=True
        )
    except signin.SignInRefused:
        return _answered(chat, [chat.say("call.code_limited")], {}, ends=True)
    # nothing of the person is said before the code: the caller ID may be anyone's
    return _answered(chat, [chat.say("call.code_sent", minutes=f"{settings.signin_code_minutes:g}")], {})


def _check_code(
    session: Session, chat: Chat, person: Person, settings: Settings, call_sid: str, text: str, now: datetime
) -> tuple[CallAnswer, bool]:
    try:
        signin.check_code(
            session, settings=settings, phone_text=person.phone, code=text, address=_address(call_sid), now=now, for_call=True
        )
    except signin.SignInRefused as refused:
        if refused.code == "wrong_code":
            return _answered(chat, [chat.say("call.wrong_code")], {}), False
        return _answered(chat, [chat.say("call.code_failed")], {}, ends=True), False
    said = chat.pending()
    if chat.listed == 0:  # nothing to choose: the call ends, kindly, rather than wait for a key
        return _answered(chat, [chat.say("call.greeting"), *said.texts, chat.say("call.goodbye")], {}, ends=True), True
    answered = _answered(chat, [chat.say("call.greeting"), *said.texts], said.menu)
    return replace(answered, question=len(answered.said) - 1), True  # asked again: the list, not the thanks


def _address(call_sid: str) -> str:
    return f"{signin.CALL}{call_sid}"  # the code is this call's only (and its limit per requester, per call)


def _answered(chat: Chat, texts: list[str], menu: dict[str, str], ends: bool = False) -> CallAnswer:
    words = chat.awaiting in WORDS_ASKED
    one_key = bool(menu) and ANSWER not in menu and all(len(k) == 1 for k in menu if k.isdigit())
    said = spoken(texts, chat.phrases)
    # After a step is done only "0 for your list" is asked again, never the "Done" as if done twice.
    question = 1 if said and said[-1].key in AFTER_DONE else 0
    return CallAnswer(chat.person.language, said, menu, words, question, one_key and not words, ends)


def _stored(answered: CallAnswer) -> dict[str, Any]:
    return asdict(answered)


def _answer_of(stored: dict[str, Any]) -> CallAnswer:
    return CallAnswer(**{**stored, "said": [Phrase(**phrase) for phrase in stored["said"]]})


def spoken(texts: list[str], phrases: list[Phrase]) -> list[Phrase]:
    """The texts as phrases: each part the chat said by key as that phrase, the rest (a case's facts,
    a refusal in the console's words) as plain words."""
    pieces: list[Phrase] = []
    left = [phrase for phrase in phrases if phrase.text.strip()]
    for text in texts:
        cursor = 0
        for phrase in list(left):
            at = text.find(phrase.text, cursor)
            if at < 0:
                continue
            pieces += _plain(text[cursor:at])
            pieces.append(phrase)
            left.remove(phrase)
            cursor = at + len(phrase.text)
        pieces += _plain(text[cursor:])
    return pieces


def _plain(text: str) -> list[Phrase]:
    return [Phrase("", {}, text.strip())] if text.strip() else []

"""The console on a call: a person who works cases calls Sathi's number from their registered mobile
and hears, in their language, how many cases wait for them and the first ones; a case's number on
the keypad opens it, an action's number takes it, and what the action needs is asked as in the
chat (backend/console/chat.py, the same rights and the same steps): whom to hand it to and the
plant by number, the litres on the keypad, a reason spoken (or recorded, where the call is).

The call's place travels in Twilio's callback URL, not in the person's chat menu: a call does not
take over the numbers of the last alert on their phone. Each step is answered once (the channel
claims it); its answer is a list of phrases the channel speaks, by key where the language's
prompts are recorded, else as text."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from backend.console.chat import Chat, Incoming, Phrase
from backend.models import InboundMessage
from backend.services.staff_menu import staff_by_phone
from backend.settings import Settings
from backend.workflow import WorkflowDef
from common.channels import VOICE

WORDS_ASKED = ("reason",)  # what the chat may await that is answered in words, not on the keypad


class NotACallStep(Exception):
    """The step is not a call's, or it was answered already (a replayed request acts on nothing)."""


@dataclass(frozen=True)
class CallAnswer:
    language: str
    said: list[Phrase]  # in order; key "" for words said as they are (a case's facts)
    menu: dict[str, str]  # what each key means at the next step
    words: bool  # the next answer is words (a reason), not a key


def answer(
    session: Session,
    *,
    inbound_id: int,
    text: str,
    menu: dict[str, str],
    start: bool,
    settings: Settings,
    workflows: dict[str, WorkflowDef],
    now: datetime,
) -> CallAnswer | None:
    """The step's answer, with what it did committed; None when the caller works no cases (the
    citizens' IVR answers). At the call's start: a greeting and what waits for them."""
    step = session.get(InboundMessage, inbound_id)
    if step is None or step.channel != VOICE or step.response is not None:
        raise NotACallStep(inbound_id)
    person = staff_by_phone(session, step.phone)
    if person is None:
        return None
    chat = Chat(session, person=person, settings=settings, workflows=workflows, channel=VOICE, now=now)
    if start:
        greeting = chat.say("call.greeting", name=person.name)
        said = chat.pending()
        texts = [greeting, *said.texts]
    else:
        said = chat.answer(Incoming(text, VOICE), menu)
        texts = said.texts
    session.commit()
    return CallAnswer(person.language, spoken(texts, chat.phrases), said.menu, chat.awaiting in WORDS_ASKED)


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

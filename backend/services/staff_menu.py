"""What a person who works cases may do from chat: the numbered actions an alert or the chat offers
them, and the commands those numbers stand for.

A number answers the message that offered it (the phone's menu, as for citizens): "1" after an
alert is "#act GRV-2026-000012 RESOLVE". The commands are this module's own words, never shown;
the rights behind them are decided again when they are taken (access.role_for)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, unquote

from sqlalchemy.orm import Session

import locales
from backend.models import Case, Person
from backend.services import people
from backend.services.access import PERSON_ROLES, Actor, allowed_actions
from backend.workflow import ActionDef, WorkflowDef

PREFIX = "#"
PENDING = "#pending"
BACK = "0"  # the number that goes back to the person's list, after every offer
ANSWER = "text"  # the menu's entry for words (or a photo) the chat waits for, not a number
PHOTO = "photo"  # the menu's entry saying a photo is awaited (the channel fetches it first)
SINCE = "since"  # when the chat began to wait for words or a photo
WAIT_MINUTES = 30  # then words are no longer taken as the answer (a stray "ok" next day acts on nothing)
HANDS_OVER = ("ASSIGN", "REASSIGN")  # the person names whom the case goes to
DISPOSAL = "DISPOSE"  # the operator names the plant and the litres


@dataclass(frozen=True)
class Command:
    verb: str  # pending | open | act
    reference: str = ""
    action: str = ""
    given: tuple[tuple[str, str], ...] = ()  # what the person chose on the way (a plant, an assignee)

    def encoded(self) -> str:
        given = (f"{k}={quote(v, safe='')}" for k, v in self.given)  # words given (a reason) hold spaces
        return " ".join([f"{PREFIX}{self.verb}", self.reference, self.action, *given]).strip()

    def value(self, name: str) -> str | None:
        return dict(self.given).get(name)

    def with_value(self, name: str, value: str) -> "Command":
        return Command(self.verb, self.reference, self.action, (*((k, v) for k, v in self.given if k != name), (name, value)))


def parse(text: str) -> Command | None:
    """A command a menu stood for; None for anything a person wrote."""
    if not text.startswith(PREFIX):
        return None
    verb, *rest = text[len(PREFIX) :].split()
    plain = [part for part in rest if "=" not in part]
    given = tuple((name, unquote(value)) for name, value in (part.split("=", 1) for part in rest if "=" in part))
    return Command(verb, plain[0] if plain else "", plain[1] if len(plain) > 1 else "", given)


def works_cases(person: Person | None) -> bool:
    """Whether this person acts on cases (and so gets the staff's chat, not the citizens' bot)."""
    return person is not None and person.active and any(g.role in PERSON_ROLES for g in person.grants)


def staff_by_phone(session: Session, phone: str) -> Person | None:
    person = people.person_by_phone(session, phone)
    return person if works_cases(person) else None


def offered(person: Person, case: Case, workflow: WorkflowDef) -> list[ActionDef]:
    """What the person may do to the case now (the console's buttons, the chat's numbers): the
    actions access allows them, but choosing who holds it where routing alone assigns."""
    return [a for a in allowed_actions(Actor.of_person(person), case, workflow) if workflow.assigns_by_hand or a.name != "ASSIGN"]


def waiting(menu: dict[str, str] | None, now: datetime) -> bool:
    """Whether the person is in the middle of a step (words or a photo asked for, not long ago):
    an alert arriving then does not take over their numbers."""
    since = (menu or {}).get(SINCE)
    return bool(since) and now - datetime.fromisoformat(str(since)) < timedelta(minutes=WAIT_MINUTES)


def offer(actions: list[ActionDef], reference: str, language: str, channel: str) -> tuple[str, dict[str, str]]:
    """ "Reply: 1 Resolve · 2 Reject · 0 Your list" and the menu it stands for."""
    text = locales.render("console.chat.reply_with", language, channel, choices=choices(actions, language, channel))["text"]
    return text, offer_menu(actions, reference)


def offer_menu(actions: list[ActionDef], reference: str) -> dict[str, str]:
    menu = {str(n): Command("act", reference, a.name).encoded() for n, a in enumerate(actions, 1)}
    menu[BACK] = PENDING
    return menu


def choices(actions: list[ActionDef], language: str, channel: str) -> str:
    """ "1 Resolve · 2 Reject · 0 Your list": the actions by number, and the way back."""
    named = [f"{n} {locales.render(f'console.action.{a.name}', language)['text']}" for n, a in enumerate(actions, 1)]
    named.append(f"{BACK} {locales.render('console.chat.your_list', language, channel)['text']}")
    return locales.render("console.chat.between_choices", language, channel)["text"].join(named)


def alert_offer(
    session: Session, case: Case, workflow: WorkflowDef, phone: str, language: str, channel: str
) -> tuple[str, dict[str, str]]:
    """For an alert to whoever holds the case: the sentence offering their actions by number (only
    their list when they may take none now), and the menu it stands for. The alert's words end
    after it (a WhatsApp template may not end with a variable)."""
    with session.no_autoflush:  # the case may be half made (filed and assigned in one step)
        person = staff_by_phone(session, phone)
    actions = offered(person, case, workflow) if person is not None else []
    return offer(actions, case.reference, language, channel)  # none: "Reply: 0 Your list"

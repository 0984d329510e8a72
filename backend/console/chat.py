"""The console in a chat: a person who works cases (an official, a supervisor, office staff, a
vehicle operator) writes to Sathi from their registered mobile and gets their own conversation, in
their language, with the rights they have in the console: access.py decides, hooks.perform acts.

The Twilio signature proves the number; the people table says whose it is. A number answers the
message that offered it (services/staff_menu.py: an alert's "1 Accept", the list's "3"). When an
action needs more (whom to hand it to, the plant and the litres, a photo as proof, a reason), the
chat asks, and the person's next words or photo give it (for staff_menu.WAIT_MINUTES; a case's
number or PENDING always means itself). What is done, what is said back and the end of the
message's turn are committed together (turn below)."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

import locales
from backend.console import case_view
from backend.console.pages import Words, refused_key
from backend.models import Case, InboundMessage, Person
from backend.privacy import mask_phone
from backend.services import access, audit, channels, citizens, desludging, media
from backend.services.access import Actor
from backend.services.cases import find_case
from backend.services.hooks import Act, perform
from backend.services.staff_menu import (
    ANSWER,
    BACK,
    DISPOSAL,
    HANDS_OVER,
    PENDING,
    PHOTO,
    SINCE,
    Command,
    choices,
    offer_menu,
    offered,
    parse,
    staff_by_phone,
    waiting,
)  # fmt: skip
from backend.settings import Settings
from backend.workflow import ActionDef, WorkflowDef, WorkflowError
from common.channels import VOICE, WHATSAPP
from common.digits import native_digits_to_ascii
from common.limits import MAX_TEXT_CHARS
from common.references import normalise_reference
from locales import keywords
from locales.numbers import with_digits
from locales.voice_audio import RECORDED_LANGUAGES

SHOWN = 9  # cases in one list: one keypad digit each
SHOWN_ON_A_CALL = 5  # a list read out: each case takes seconds to hear
COUNTED = 100  # "100+": a count beyond this costs more than it tells
# Litres as operators write them: "1900", "1,900 litres", "1900 ली", "1900L"; a number with a litre
# word wins over other numbers in the message ("ward 12, 1900 litres").
NUMBER = re.compile(r"(?<![\d,])(\d{1,3}(?:,\d{3})+|\d+)(?!\d|,\d)")
LITRES = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)\s*(?:l(?!\w)|ltr|lit|लीटर|ली(?!\w)|ଲିଟର|ଲି(?!\w))", re.IGNORECASE)
MIN_LETTERS = 3  # a reason says something: "1", "ok" or "." is none
SKIP_PROOF = "none"
SKIP_DIGIT = "9"  # not 1: a "1" sent twice (the action's number) must not skip the proof
CONFIRM, SAY_AGAIN = "1", "2"  # a call's last step before it acts: "press 1 to confirm"
NEXT = "9"  # on a call, the next five of the list (a call lists SHOWN_ON_A_CALL at a time)
GIVEN = "given"  # the reason (or a note with a photo) is the words of the message that acts
# A refusal of something the person gave, which they are asked for again (the rest kept).
ASKED_AGAIN = {"out_of_range": "litres", "unknown_plant": "plant"}


@dataclass(frozen=True)
class Incoming:
    text: str
    channel: str
    photo: str | None = None  # the stored file of a photo the message carried, fetched when awaited
    photo_error: str | None = None


@dataclass(frozen=True)
class Phrase:
    """A text the chat said, by its key: a call speaks it from its recorded pieces where it has them."""

    key: str
    variables: dict[str, str]
    text: str


@dataclass(frozen=True)
class Said:
    texts: list[str]
    menu: dict[str, str]  # what the person's next answer means (replaces the last one)


class Chat:
    def __init__(
        self,
        session: Session,
        *,
        person: Person,
        settings: Settings,
        workflows: dict[str, WorkflowDef],
        channel: str,
        now: datetime,
    ) -> None:
        self.session, self.person, self.settings, self.workflows = session, person, settings, workflows
        self.channel, self.now = channel, now
        self.actor = Actor.of_person(person, via="call" if channel == VOICE else "chat")  # so the audit says
        self.words = Words(person.language, settings.timezone, channel)
        self.kept_photo = False  # a photo given was kept with a case (else the caller deletes it)
        self.phrases: list[Phrase] = []  # what say() said, in order (a call speaks them by key)
        self.awaiting: str | None = None  # what the chat has just asked for (a call hears words)
        self.listed: int | None = None  # how many cases the list said (None: no list said)

    def say(self, key: str, **variables: Any) -> str:
        return self._said(f"console.chat.{key}", **variables)

    def console_says(self, key: str, **variables: Any) -> str:
        """The console's own words (a refusal), said here as the console says them."""
        return self._said(f"console.{key}", **variables)

    def _said(self, key: str, **variables: Any) -> str:
        text = locales.render(key, self.person.language, self.channel, **variables)["text"]
        self.phrases.append(Phrase(key, {name: str(value) for name, value in variables.items()}, text))
        return text

    def answer(self, incoming: Incoming, menu: dict[str, str] | None) -> Said:
        """A number the last message offered; PENDING; a case's number (alone, or after STATUS); the
        words or photo a step waits for; else how to use the chat."""
        text, menu = incoming.text.strip()[:MAX_TEXT_CHARS], menu or {}
        number = native_digits_to_ascii(text).rstrip(".)")  # "१", "୧", "1." are 1
        if self.channel == VOICE:  # heard, not keyed: "zero", "शून्य" are 0 (not a reason "zero")
            number = with_digits(number).rstrip(".")
        if number in menu and number not in (ANSWER, PHOTO, SINCE):
            command = parse(menu[number])
            if command is not None:
                return self.run(command)
        if keywords.is_word(text, "pending"):
            return self.pending()
        status = keywords.match(text)
        reference = status.reference if status and status.kind == "status" else normalise_reference(text)
        if reference:
            return self.open(reference)
        if ANSWER in menu and waiting(menu, self.now) and (text or incoming.photo or incoming.photo_error):
            command = parse(menu[ANSWER])
            if command is not None:
                return self.run(command, incoming)
        # Not understood: said how, and what the last message offered still stands (a pin, "ok will
        # check" after an alert, loses neither the alert's numbers nor the question asked).
        return Said([self.say("help")], {**menu, BACK: menu.get(BACK, PENDING)})

    def run(self, command: Command, incoming: Incoming | None = None) -> Said:
        if command.verb == "open":
            return self.open(command.reference)
        if command.verb == "act":
            return self.act(command, incoming)
        return self.pending(int(command.reference) if command.reference.isdigit() else 0)

    # --- What waits for them ---------------------------------------------------------------------

    def pending(self, skip: int = 0) -> Said:
        """What waits for them, soonest due first; on a call five at a time (9: the next five)."""
        condition = access.inbox_condition(self.person, self.workflows)
        cases = list(
            self.session.scalars(
                select(Case)
                .where(condition)
                .order_by(Case.sla_due_at.asc().nulls_last(), Case.id.asc())
                .offset(skip)
                .limit(SHOWN_ON_A_CALL if self.channel == VOICE else SHOWN)
            )
        )
        if not cases and skip:  # the rest were taken meanwhile: the list from its start
            return self.pending()
        self.listed = len(cases)
        if not cases:
            return Said([self.say("pending.none")], {BACK: PENDING})
        count = (
            self.session.scalar(select(func.count()).select_from(select(Case.id).where(condition).limit(COUNTED + 1).subquery()))
            or 0
        )
        lines = [self.say("pending.title", count=f"{COUNTED}+" if count > COUNTED else count)]
        menu = {}
        for number, case in enumerate(cases, 1):
            overdue = case.sla_due_at is not None and case.sla_due_at < self.now
            lines.append(
                self.say(
                    "pending.overdue" if overdue else "pending.line",
                    number=number,
                    reference=case.reference,
                    service=self.words.service_of(case),
                    place=case_view.place(case, self.words, self.settings.masterdata_dir),
                    due=self.words.when(case.sla_due_at) or "-",
                )
            )
            menu[str(number)] = Command("open", case.reference).encoded()
        shown = skip + len(cases)
        if self.channel == VOICE and count > shown:  # a call hears the rest five at a time
            lines += [self.say("pending.choose"), self.say("pending.next")]
            menu[NEXT] = Command("pending", str(shown)).encoded()
        else:
            lines.append(self.say("pending.choose" if count <= shown else "pending.more"))
        menu[BACK] = PENDING
        return Said(["\n".join(lines)], menu)

    # --- One case ----------------------------------------------------------------------------------

    def _case(self, reference: str) -> tuple[Case, WorkflowDef] | Said:
        case = find_case(self.session, reference)
        if case is None:
            return Said([self.say("not_found", reference=reference)], {BACK: PENDING})
        workflow = self.workflows[case.service]
        if not access.may_view(self.actor, case, workflow):
            code = access.why_refused(self.actor, case, workflow)
            audit.record(self.session, actor=self.actor, action="case.view", now=self.now, case=case, outcome="refused",
                         detail={"code": code})  # fmt: skip
            return self._refused(exc=None, code=code)
        return case, workflow

    def open(self, reference: str) -> Said:
        found = self._case(reference)
        if isinstance(found, Said):
            return found
        case, workflow = found
        personal = access.sees_personal_data(self.actor, case, workflow)
        audit.record(self.session, actor=self.actor, action="case.view", now=self.now, case=case,
                     detail={"personal_data": personal})  # fmt: skip
        lines = [
            self.say(
                "case.head",
                reference=case.reference,
                service=self.words.service_of(case),
                **self._named("state", case.state),
            ),
            case_view.place(case, self.words, self.settings.masterdata_dir),
        ]
        lines += [
            f"{label}: {value}"
            for label, value in case_view.facts(case, workflow, self.words, self.settings.masterdata_dir, personal)
            if value
        ]
        phone = case.citizen_phone if personal else mask_phone(case.citizen_phone)
        if self.channel == VOICE and personal:  # said digit by digit, as a number to call back is
            lines.append(self.say("case.citizen", phone=" ".join(phone.removeprefix("+91"))))
        elif self.channel != VOICE:  # a masked number means nothing heard ("3 2 1 0"): not said on a call
            lines.append(self.say("case.citizen", phone=phone))
        said = next((row.reason for row in reversed(case.history) if row.reason and row.actor_role == "CITIZEN"), None)
        if said and personal:
            lines.append(self.say("case.said", message=said))
        if case.sla_due_at is not None:
            lines.append(self.say("case.due", due=self.words.when(case.sla_due_at)))
        actions = [a for a in offered(self.person, case, workflow) if self._may_take_here(a)]
        if any(a.name in HANDS_OVER for a in actions) and not case_view.assignees(self.session, case):
            actions = [a for a in actions if a.name not in HANDS_OVER]  # no one else may hold it: nothing to hand over
        if not actions:
            return Said(["\n".join([*lines, self.say("case.nothing_to_do")])], {BACK: PENDING})
        return Said(["\n".join([*lines, self._offer(actions)])], offer_menu(actions, case.reference))

    def _offer(self, actions: list[ActionDef]) -> str:
        """ "Reply: 1 Resolve · 2 Reject · 0 Your list"; on a call each choice is said by its own key,
        so a language spoken from recordings (Odia) says the actions' names from them too."""
        if self.channel != VOICE:
            return self.say("reply_with", choices=choices(actions, self.person.language, self.channel))
        named = [(str(n), f"console.action.{a.name}") for n, a in enumerate(actions, 1)] + [(BACK, "console.chat.your_list")]
        return "\n".join([self.say("choose"), *(self.say("choice", number=n, action_key=key) for n, key in named)])

    @staticmethod
    def _named(group: str, code: str) -> dict[str, str]:
        """A code's words as a text's variable, by key where the catalog has them (a call then says
        them from recordings), else the code itself: {"state_key": "console.state.RESOLVED"}."""
        return {f"{group}_key": f"console.{group}.{code}"} if Words.known(f"{group}.{code}") else {group: code}

    def _may_take_here(self, action: ActionDef) -> bool:
        """A call offers no reply to a citizen (what they get is written, not a transcript), and where
        the call is keypad only (Odia) no action that needs a reason: a recording is no reason to send."""
        if self.channel != VOICE:
            return True
        return not action.message and not (action.reason_required and self.person.language in RECORDED_LANGUAGES)

    # --- Acting --------------------------------------------------------------------------------------

    def act(self, command: Command, incoming: Incoming | None) -> Said:
        found = self._case(command.reference)
        if isinstance(found, Said):
            return found
        case, workflow = found
        try:
            action = workflow.action(command.action)
            access.role_for(self.actor, case, action)
        except WorkflowError as exc:
            return self._refused(exc)
        if case.state not in action.from_states:
            return self._refused(exc=None, code="wrong_state")
        if not self._may_take_here(action):
            return self._refused(exc=None, code="not_here")
        note = ""
        if incoming is not None:
            command, note, trouble = self._given(command, case, workflow, action, incoming)
            if trouble:
                return Said([trouble], self._asking(command, case, self._missing(command, workflow, action)))
        missing = self._missing(command, workflow, action)
        if missing:
            return Said([self._question(missing, case, action, command)], self._asking(command, case, missing))
        return self._perform(command, case, workflow, action, note)

    def _missing(self, command: Command, workflow: WorkflowDef, action: ActionDef) -> str | None:
        """What the action still needs that the person has not given, in the order it is asked. The
        reason comes last, so the message that gives it is the one that acts."""
        needs = []
        if action.name in HANDS_OVER and workflow.assigns_by_hand:
            needs.append("to")
        if action.name == DISPOSAL:
            needs += ["plant", "litres"]
        if action.proof and self.channel == WHATSAPP:  # an SMS or a call carries no photo
            needs.append("proof")
        if action.reason_required or action.message:
            needs.append("reason")
        if self.channel == VOICE:  # a key pressed once too often never acts unasked
            needs.append("confirm")
        return next((need for need in needs if not command.value(need)), None)

    def _asking(self, command: Command, case: Case, missing: str | None) -> dict[str, str]:
        """The menu while the chat waits for `missing`: its numbered choices, or words, or a photo."""
        menu = {BACK: Command("open", command.reference).encoded()}
        if missing == "to":
            for number, (person_id, _name) in enumerate(case_view.assignees(self.session, case), 1):
                menu[str(number)] = command.with_value("to", person_id).encoded()
        elif missing == "plant":
            for number, (code, _name) in enumerate(self._plants(case), 1):
                menu[str(number)] = command.with_value("plant", code).encoded()
            menu[ANSWER] = command.encoded()
        elif missing == "proof":
            menu[SKIP_DIGIT] = command.with_value("proof", SKIP_PROOF).encoded()
            menu[ANSWER] = menu[PHOTO] = command.encoded()
        elif missing == "confirm":
            menu[CONFIRM] = command.with_value("confirm", "yes").encoded()
            if command.value("note"):  # the reason heard: said again, if it was not what they said (the rest kept)
                kept = tuple((k, v) for k, v in command.given if k not in ("reason", "note"))
                menu[SAY_AGAIN] = Command(command.verb, command.reference, command.action, kept).encoded()
        elif missing is not None:
            menu[ANSWER] = command.encoded()
        if missing is not None:  # in the middle of a step: an alert does not take its numbers over
            menu[SINCE] = self.now.isoformat()
        self.awaiting = missing
        return menu

    def _plants(self, case: Case) -> list[tuple[str, str]]:
        return case_view.plants(case, self.words, self.settings.masterdata_dir)

    def _question(self, missing: str, case: Case, action: ActionDef, command: Command) -> str:
        label = self._named("action", action.name)
        if missing == "to":
            names = [f"{n} {name}" for n, (_id, name) in enumerate(case_view.assignees(self.session, case), 1)]
            return self.say("ask.assignee", reference=case.reference, choices="\n".join(names))
        if missing == "plant":
            names = [f"{n} {name}" for n, (_code, name) in enumerate(self._plants(case), 1)]
            return self.say("ask.plant", reference=case.reference, choices="\n".join(names))
        if missing == "litres":
            plant = dict(self._plants(case)).get(command.value("plant") or "", "")
            return self.say("ask.litres", reference=case.reference, plant=plant)
        if missing == "proof":
            return self.say("ask.proof", reference=case.reference, **label)
        if missing == "confirm":  # all that was given, said back before it is done
            parts = [self.say("confirm.head", reference=case.reference, **label)]
            if command.value("to"):
                to = command.value("to") or ""
                parts.append(self.say("confirm.to", name=dict(case_view.assignees(self.session, case)).get(to, to)))
            if action.name == DISPOSAL:
                plant = dict(self._plants(case)).get(command.value("plant") or "", "")
                parts.append(self.say("confirm.disposal", litres=command.value("litres") or "", plant=plant))
            if command.value("note"):
                parts += [self.say("confirm.reason", reason=command.value("note")), self.say("confirm.press_again")]
            else:
                parts.append(self.say("confirm.press"))
            return "\n".join(parts)
        return self.say("ask.message" if action.message else "ask.reason", reference=case.reference, **label)

    def _given(
        self, command: Command, case: Case, workflow: WorkflowDef, action: ActionDef, incoming: Incoming
    ) -> tuple[Command, str, str | None]:
        """The person's words or photo put where the action needs them: (the command with them, the
        words that are the action's reason or note, what to say when they do not fit)."""
        missing = self._missing(command, workflow, action)
        text = incoming.text.strip()[:MAX_TEXT_CHARS]
        if missing in ("plant", "litres"):
            if missing == "plant":
                plant = self._plant_named(case, text)
                if plant is None:
                    return command, "", self.say("not_a_plant")
                command = command.with_value("plant", plant)
            litres = _litres(text)
            if litres and not desludging.litres_in_range(
                self.settings.catalog_dir, int(litres)
            ):  # refused before it is said back to confirm
                refused = self.console_says("refused.out_of_range")
                return command, "", f"{refused}\n{self._question('litres', case, action, command)}"  # the plant kept
            if litres:
                return command.with_value("litres", litres), "", None
            return command, "", self.say("not_litres") if missing == "litres" else None
        if missing == "proof":
            if incoming.photo_error:
                reason = locales.render(f"photo_error.{incoming.photo_error}", self.person.language, self.channel)["text"]
                return command, "", self.say("photo_failed", reason=reason)
            if not incoming.photo:
                return command, "", self.say("photo_needed")
            command = command.with_value("proof", incoming.photo)
            return (command.with_value("reason", GIVEN) if text else command), text, None
        if missing == "reason":
            if not action.message and sum(unicodedata.category(ch)[0] in "LM" for ch in text) < MIN_LETTERS:
                return command, "", self.say("reason_too_short")
            return command.with_value("reason", GIVEN).with_value("note", text), text, None
        return command, "", None

    def _plant_named(self, case: Case, text: str) -> str | None:
        """The one plant of the town the words name ("2000 litres at Basuaghai"), by a word of its
        names no other plant of the town has ("FSTP" names none); None for none or several."""
        codes = {code for code, _name in self._plants(case)}
        words = {
            plant.code: {w.casefold() for name in plant.name.values() for w in name.split() if len(w) >= 4}
            for plant in desludging.load_masterdata(self.settings.masterdata_dir).plants
            if plant.code in codes
        }
        said = text.casefold()
        own = {code: mine - set().union(*(w for c, w in words.items() if c != code)) for code, mine in words.items()}
        named = [code for code, unique in own.items() if any(word in said for word in unique)]
        return named[0] if len(named) == 1 else None

    def _perform(self, command: Command, case: Case, workflow: WorkflowDef, action: ActionDef, note: str) -> Said:
        note = note or command.value("note") or ""  # given in this message, or before the call's confirmation
        proof = command.value("proof")
        photo = proof if proof and proof != SKIP_PROOF else None
        litres = command.value("litres")
        act = Act(
            self.settings, workflow, case, self.actor, action.name, self.now,
            reason=note or None, assignee_id=command.value("to"), plant_code=command.value("plant"),
            volume_litres=int(litres) if litres else None,
            proof_photo=photo, proof_url=media.public_link(self.settings, photo, self.now) if photo else None,
        )  # fmt: skip
        try:
            with self.session.begin_nested():
                perform(self.session, act)
        except StaleDataError:
            return self._refused(exc=None, code="version_conflict")
        except WorkflowError as exc:
            code = getattr(exc, "code", "other")
            audit.record(self.session, actor=self.actor, action="case.act", now=self.now, case=case, outcome="refused",
                         detail={"action": action.name, "code": code})  # fmt: skip
            wrong = ASKED_AGAIN.get(code)
            if wrong and command.value(wrong):  # what was given does not fit: asked again, the rest kept
                # asked again, and confirmed again once given: a confirmation was of what was refused
                kept = tuple(g for g in command.given if g[0] not in (wrong, "confirm"))
                again = Command(command.verb, command.reference, command.action, kept)
                key, variables = refused_key(exc)
                said = [self.console_says(key, **variables), self._question(wrong, case, action, again)]
                return Said(said, self._asking(again, case, wrong))
            return self._refused(exc)
        self.kept_photo = photo is not None
        done = self.say("done", reference=case.reference, **self._named("state", case.state))
        return Said([f"{done}\n{self.say('see_list')}"], {BACK: PENDING})

    def _refused(self, exc: Exception | None, code: str | None = None) -> Said:
        """A refusal in the person's words: the chat's own where the console's points at its form (a
        reason box, the page to look at again), else the console's."""
        key, variables = refused_key(exc, code)
        text = self.say(key, **variables) if Words.known(f"chat.{key}") else self.console_says(key, **variables)
        return Said([f"{text}\n{self.say('see_list')}"], {BACK: PENDING})


def _litres(text: str) -> str | None:
    """The litres the words give: a number with a litre word, else the only number in them."""
    marked = LITRES.search(text)
    numbers = NUMBER.findall(text)
    found = marked.group(1) if marked else (numbers[0] if len(numbers) == 1 else None)
    return str(int(found.replace(",", ""))) if found else None  # "१९००" (Hindi's digits) is 1900 too


def turn(
    session: Session,
    *,
    inbound_id: int,
    claimant: str,
    settings: Settings,
    workflows: dict[str, WorkflowDef],
    now: datetime,
) -> str:
    """A staff member's message answered: its turn is finished first (nothing is done for a
    message another process holds), then the action and the replies, committed together.
    "answered" (also when a retried call finds it done), "not_staff" when the number is no longer
    a working person's (the bot takes it), "not_yours" when another process has the turn. After
    STOP nothing is done or said, as for anyone."""
    inbound = session.get(InboundMessage, inbound_id)
    if inbound is None or inbound.claimant != claimant:
        return "not_yours"
    if inbound.state != "pending":
        return "answered"
    person = staff_by_phone(session, inbound.phone)
    if person is None:
        return "not_staff"
    payload = inbound.payload or {}
    metadata, phone, channel = payload.get("metadata") or {}, inbound.phone, inbound.channel
    citizen = citizens.citizen_or_none(session, phone)
    menu, opted_out = (dict(citizen.menu or {}), bool(citizen.opted_out_at)) if citizen else ({}, False)
    photo = error = None
    urls = [str(m.get("url")) for m in metadata.get("media") or [] if m.get("url")]
    if urls and not opted_out and PHOTO in menu and waiting(menu, now):  # fetched before the turn's transaction
        fetched = media.fetch_photo(settings, urls[0])
        photo, error = fetched.name, fetched.error
    chat = Chat(session, person=person, settings=settings, workflows=workflows, channel=channel, now=now)
    try:
        if not channels.finish_turn(session, inbound_id, claimant):
            return "not_yours"
        if opted_out:
            session.commit()
            return "answered"
        said = chat.answer(Incoming(str(payload.get("text") or ""), channel, photo, error), menu)
        replies = [{"body": text} for text in said.texts]
        channels.queue_replies(session, channel=channel, phone=phone, replies=replies, menu=said.menu, kind="staff_chat", now=now)
    finally:
        if photo and not chat.kept_photo:
            (settings.media_dir / photo).unlink(missing_ok=True)
    return "answered"

"""What people say in the middle of a form that is not its answer: a status question, "my
applications", help, a greeting, a question about the service ("what is the fee?"). Each gets its
own answer, and the question is asked again with every earlier answer kept: the form's slot filled
by the message is emptied, so the form asks for it once more. One table for every service's form;
a form says only what it alone knows (`about`: its fee, its time, its documents).

A correction ("change the name", "the PIN is wrong", "pita ka naam galat hai", or "back" for the
answer given last) is one of them: the
answer it names (by the field's words in any script, `field_words.<field>` and the form's label
keys in locales/) is forgotten, so the form asks it again and then shows its summary again; nothing
else is lost. When the message also gives the new answer ("change the name to Pradeep Rout"), and
the form finds it a valid answer, it is taken and nothing is asked. At a summary, naming an answer
is enough ("the PIN"), and a correction that names none is asked which; mid-form, one that names
none is the answer to the question asked."""

import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from actions.form_validation import CountingFormValidation, channel_of, intent_of, language_of
from actions.status import list_cases, tell_status
from common.channels import CONTINUES_QUESTION, NUMBERED_ANSWERS, VOICE, kind_of
from common.languages import LANGUAGES
from common.references import find_reference
from locales import catalog_words
from locales.corrections import is_back, new_answer, without_dont_know
from locales.script import longest_named, match_key

# Below this the words are more likely an answer that happens to look like a question (a name, a
# place, a description), and are taken as the answer. Measured on the forms' answers and on the
# held-out set: tests/nlu/test_interruptions.py.
MIN_CONFIDENCE = 0.5
INTERRUPTIONS = ("check_status", "list_applications", "help", "greet", "ask_about", "correct_answer")
CORRECTION = "correct_answer"
ANSWER_NAME = "answer_name"  # the entity a numbered choice of "which answer?" carries
# At a summary these are its own answers (file it / do not), never a correction.
SUMMARY_ANSWERS = ("affirm", "cancel")


WHICH_ANSWER_KEYS = ("utter_form_correct_which", "utter_form_correct_which_keys")


def asked_which_answer(tracker: Tracker) -> bool:
    """Whether this turn asked which answer to change: the summary then waits for the choice
    rather than being said again (its own numbers would take the choice's place)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") in WHICH_ANSWER_KEYS:
            return True
    return False


def was_asked_which_answer(tracker: Tracker) -> bool:
    """Whether the turn before this message asked which answer to change (a number now is a choice
    from that list, out of range when the channel did not turn it into one)."""
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                return False
        elif users == 1 and event.get("event") == "bot":
            if (event.get("metadata") or {}).get("utter_action") in WHICH_ANSWER_KEYS:
                return True
    return False


def surely_meant(message: dict[str, Any]) -> bool:
    """Whether the model is sure of the message's intent, or the channel set it ("/intent")."""
    confidence = float((message.get("intent") or {}).get("confidence") or 0.0)
    return str(message.get("text") or "").startswith("/") or confidence >= MIN_CONFIDENCE


def interruption_of(message: dict[str, Any]) -> str | None:
    """The interruption a message is, or None when it is (taken as) an answer."""
    intent = message.get("intent") or {}
    name, text = intent.get("name"), str(message.get("text") or "")
    if name not in INTERRUPTIONS:
        return None
    if text.startswith("/"):  # an intent the channel set itself (STATUS and a number, a menu button)
        return name
    metadata = message.get("metadata") or {}
    if "://" in text or metadata.get("media") or metadata.get("location"):
        return None  # a photo, a place pin or a call's recording answers the question
    if not surely_meant(message) or not any(c.isalpha() for c in text):
        return None  # a number or a PIN is always an answer
    return name


def _said_again(tracker: Tracker) -> bool:
    """The same words as the message before: after a greeting's answer and the question again, a
    citizen who repeats themselves meant it as the answer (a name like "Ram Narayan" heard as a
    greeting is never asked for forever). Help or a status asked twice is still help or a status."""
    said = [match_key(str(e.get("text") or "")) for e in tracker.events if e.get("event") == "user"]
    return len(said) >= 2 and said[-1] == said[-2]


def _before_this_message(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest message set it."""
    events = list(tracker.events)
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    return next(
        (e.get("value") for e in reversed(events[:last_user]) if e.get("event") == "slot" and e.get("name") == slot), None
    )


def _reference(tracker: Tracker) -> str | None:
    entity = next(tracker.get_latest_entity_values("reference"), None)
    if entity:
        return str(entity)
    found = find_reference(str(tracker.latest_message.get("text") or ""))
    return found[0] if found else None


class InterruptibleFormValidation(CountingFormValidation):
    """A service's form: its answers are validated as usual, unless the message interrupts."""

    client: BackendClient
    # The questions asked at the form's summary, "shall I file it?" first: there, naming an answer
    # is enough to change it ("the PIN").
    summary_slots: tuple[str, ...] = ()
    # The slots that hold the form's answers, where each answer is a slot of its own.
    answer_slots: tuple[str, ...] = ()

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        interruption = interruption_of(tracker.latest_message)
        if interruption == "greet" and _said_again(tracker):
            interruption = None
        form_slots = set(self.domain_slots(domain))
        filled = [slot for slot in tracker.slots_to_validate() if slot in form_slots]
        asked = tracker.get_slot("requested_slot")
        # Which answer a correction names is looked up only where one may be: an answer's lookup
        # can cost the backend a call.
        text = str(tracker.latest_message.get("text") or "")
        at_summary = asked in self.summary_slots
        maybe = filled and (interruption == CORRECTION or at_summary)
        named = await self._named_answer(tracker) if maybe else None
        if (
            named is not None
            and at_summary
            and intent_of(tracker) in SUMMARY_ANSWERS
            and not new_answer(text, self._names(named))
        ):
            # "yes, the name and PIN are right" is a yes; "चक्कर तीन कर दो" heard as yes is a change
            named = None
        back = filled and is_back(text)
        answered = await self.answered(tracker) if back else []
        if answered:  # "back": the answer given last is asked again
            named = answered[-1]
        elif back:  # at the first question there is nothing to go back to: it is asked again
            interruption = "help"
        if named is not None and named == await self.asking(tracker):
            # "mera naam Manoj Behera hai" at the name question is its answer, however it was heard
            interruption = named = None
        if named is not None:
            interruption = CORRECTION
        elif interruption == CORRECTION and asked not in self.summary_slots:
            # Mid-form only naming an earlier answer changes it: complaints are full of "wrong"
            # ("the bill amount is wrong") and are answers. A summary asks which answer.
            interruption = None
        if interruption is None or not filled:
            return await super().get_validation_events(dispatcher, tracker, domain)
        # The question asked is asked again; anything else the message set (a service's name in
        # "documents for an income certificate?") goes back to what it was.
        events = [SlotSet(slot, None if slot == asked else _before_this_message(tracker, slot)) for slot in filled]
        if interruption != CORRECTION:
            await self.answer(interruption, dispatcher, tracker)
            return events
        if named is None:  # which one, then
            return [*events, *[SlotSet(k, v) for k, v in (await self.which_answer(dispatcher, tracker)).items()]]
        said = new_answer(text, self._names(named))
        taken = await self.take(named, said, tracker) if said else None
        label = self.field_label(named, tracker)
        if taken is not None:  # "change the name to Pradeep Rout": changed, nothing asked
            dispatcher.utter_message(response="utter_form_corrected", field=label)
        else:
            dispatcher.utter_message(response="utter_form_correct", field=label)
        changes = {**(taken if taken is not None else await self.forget(named, tracker)), "validation_failures": 0}
        if self.summary_slots:
            changes[self.summary_slots[0]] = None  # the summary comes back, with the new answer or once it is given
        return [*events, *[SlotSet(k, v) for k, v in changes.items()]]

    async def answer(self, interruption: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        if interruption == "check_status":
            reference = _reference(tracker)
            if reference:
                await tell_status(self.client, dispatcher, tracker, reference)
            else:
                await list_cases(self.client, dispatcher, tracker)
        elif interruption == "list_applications":
            await list_cases(self.client, dispatcher, tracker)
        elif interruption == "ask_about":
            await self.about(dispatcher, tracker)
        elif interruption == "greet":
            dispatcher.utter_message(response="utter_form_greet")
            return
        dispatcher.utter_message(response="utter_form_continue")  # help: how to go on or leave

    async def about(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """What this service costs, how long it takes and what it needs, said mid-form."""
        raise NotImplementedError

    # Corrections: each form says which answers it holds, how to forget one, and how to name it.
    async def answered(self, tracker: Tracker) -> list[str]:
        """The fields answered before this message, in the order asked."""
        asked = tracker.get_slot("requested_slot")
        return [slot for slot in self.answer_slots if slot != asked and tracker.get_slot(slot) is not None]

    async def asking(self, tracker: Tracker) -> str | None:
        """The field this message answers, if a field is being asked (not the summary)."""
        asked = tracker.get_slot("requested_slot")
        return None if asked in self.summary_slots else asked

    async def forget(self, field: str, tracker: Tracker) -> dict[str, Any]:
        """Slot values that make the form ask the field again."""
        raise NotImplementedError

    async def take(self, field: str, said: str, tracker: Tracker) -> dict[str, Any] | None:
        """Slot values that make `said` the field's new answer, or None where it does not answer
        the field (then the field is asked again)."""
        return None

    def label_key(self, field: str) -> str | None:
        """A locale key whose words name the field in the form's summary, where it has one."""
        return None

    def field_label(self, field: str, tracker: Tracker) -> str:
        """How replies name the field: its summary label, else the first of its words."""
        language = language_of(tracker)
        key = self.label_key(field)
        label = catalog_words(key, language) if key else None
        return label or next(iter(_words((f"field_words.{field}",), (language,))), field)

    async def which_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        """A correction that names no answer given so far: the answers it could be, numbered, so a
        number (a key on a call) or the answer's name picks one."""
        fields = await self.answered(tracker)
        if not fields:
            return {}
        numbered = {str(i): f"/{CORRECTION}{_compact({ANSWER_NAME: field})}" for i, field in enumerate(fields, 1)}
        if kind_of(channel_of(tracker)) == VOICE:  # each choice said by itself: its Odia words are recorded per label
            dispatcher.utter_message(response="utter_form_correct_which_keys")
            for i, field in enumerate(fields, 1):
                key = self.label_key(field)
                last = {f"_{CONTINUES_QUESTION}": True, **({NUMBERED_ANSWERS: numbered} if i == len(fields) else {})}
                has_words = key and catalog_words(key, language_of(tracker))
                named = {"field_key": key} if has_words else {"field": self.field_label(field, tracker)}
                dispatcher.utter_message(response="utter_form_correct_option", number=i, **named, **last)
            return {}
        lines = "\n".join(f"{i}. {self.field_label(field, tracker)}" for i, field in enumerate(fields, 1))
        example = self.field_label(fields[0], tracker)
        choices = {NUMBERED_ANSWERS: numbered}
        dispatcher.utter_message(response="utter_form_correct_which", fields=lines, example=example, **choices)
        return {}

    async def _named_answer(self, tracker: Tracker) -> str | None:
        """The answer given so far that the message names, by its words in any script (or, from a
        numbered choice of which answer, by its name)."""
        text = without_dont_know(str(tracker.latest_message.get("text") or ""))
        fields = [*await self.answered(tracker), *[f for f in [await self.asking(tracker)] if f]]
        if text.startswith("/"):
            chosen = next(tracker.get_latest_entity_values(ANSWER_NAME), None)
            return chosen if chosen in fields else None
        if not any(c.isalpha() for c in text):
            return None
        return longest_named(text, [(word, field) for field in fields for word in self._names(field)])

    def _names(self, field: str) -> list[str]:
        """The words that name the field in every language: its summary label, its field words."""
        return _words(tuple(k for k in (self.label_key(field), f"field_words.{field}") if k), LANGUAGES)


def _compact(entities: dict[str, str]) -> str:
    """Entities as a payload carries them: '/intent{"name":"value"}'."""
    return json.dumps(entities, separators=(",", ":"), ensure_ascii=False)


def _words(keys: tuple[str, ...], languages: Any) -> list[str]:
    """The comma-separated words of the keys in the languages, the first key's first."""
    found = []
    for key in keys:
        for language in languages:
            text = catalog_words(key, language)
            found += [word.strip() for word in (text or "").split(",") if word.strip()]
    return found

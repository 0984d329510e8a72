"""Leaving any open form at the citizen's word, forgetting its half-given answers."""

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.doorstep import AGENT, slots_of
from actions.form_validation import channel_of
from actions.interruptions import surely_meant
from common.channels import VOICE, kind_of
from common.languages import LANGUAGES


class ActionCancelForm(Action):
    def name(self) -> str:
        return "action_cancel_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        form = tracker.active_loop.get("name") if tracker.active_loop else None
        if not surely_meant(tracker.latest_message or {}):
            # Half-heard words ("purple elephant banana" is cancel at 0.30) never throw answers away:
            # not understood, and the question asked is asked again.
            dispatcher.utter_message(response="utter_not_understood")
            return [FollowupAction(form)] if form else []
        # A cancel may name the language to answer in: the voice channel's own, when a field agent's
        # new call drops the last citizen's unfinished filing before the language is switched.
        named = [e.get("value") for e in (tracker.latest_message or {}).get("entities", []) if e.get("entity") == "language"]
        language = {"reply_language": named[0]} if named and named[0] in LANGUAGES else {}
        if not form:
            dispatcher.utter_message(response="utter_nothing_to_cancel", **language)
            return []
        citizen = tracker.get_slot(slots_of(form)[0]) if tracker.get_slot(AGENT) else None
        if citizen:  # an agent's filing for a citizen: whose, so the agent knows what was dropped
            ending = str(citizen)[-4:]
            if kind_of(channel_of(tracker)) == VOICE:  # heard digit by digit: "7 4 0 1", not "seven thousand..."
                ending = " ".join(ending)
            dispatcher.utter_message(response="utter_doorstep_dropped", ending=ending, **language)
        else:
            dispatcher.utter_message(response="utter_cancelled", **language)
        return leave_form(form, domain)


def leave_form(form: str, domain: DomainDict) -> list[dict]:
    """The form ends and its half-given answers are forgotten: its questions' slots and its own
    working slots (answers gathered so far, a correction under way), named after it; a filing kept
    for a retry (*_pending) is not this form's to drop. Who files (a field agent) is asked again as
    the next service is chosen."""
    slots = [*domain.get("forms", {}).get(form, {}).get("required_slots", []), AGENT]
    prefix = form.removesuffix("_form") + "_"
    slots += [s for s in domain.get("slots", {}) if s.startswith(prefix) and not s.endswith("_pending") and s not in slots]
    return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("validation_failures", 0)] + [
        SlotSet(slot, None) for slot in slots
    ]

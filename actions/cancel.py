"""Leaving any open form at the citizen's word, forgetting its half-given answers."""
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


class ActionCancelForm(Action):
    def name(self) -> str:
        return "action_cancel_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        form = tracker.active_loop.get("name") if tracker.active_loop else None
        slots = domain.get("forms", {}).get(form, {}).get("required_slots", []) if form else []
        dispatcher.utter_message(response="utter_cancelled")
        return (
            [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("validation_failures", 0)]
            + [SlotSet(slot, None) for slot in slots]
        )

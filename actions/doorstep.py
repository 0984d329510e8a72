"""Filing at the doorstep, for every form a field agent may fill for a citizen (a complaint, a
septic tank request, a certificate): the sender is checked once (doorstep_agent: the agent's name,
or "" for anyone else); an agent then gives the citizen's mobile, Sathi sends the citizen a code
by SMS naming the agent, and the agent types the code the citizen reads out. Only then do the
form's questions follow, and the filing is the citizen's, by the agent (backend/services/doorstep.py
refuses it otherwise)."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import UNAVAILABLE, BackendClient
from actions.form_validation import CountingFormValidation, language_of

AGENT = "doorstep_agent"
PHONE = "doorstep_phone"
CODE = "doorstep_code"
CONFIRMED = "confirmed"
SLOTS = (PHONE, CODE)  # cleared with the form's answers once it is filed or left
ALL = (AGENT, *SLOTS)  # first in each form's required slots (bot/domain), asked only of an agent


def citizen_phone(tracker: Tracker) -> str:
    """Whose filing it is: the citizen whose mobile the agent gave, else the sender's own."""
    return tracker.get_slot(PHONE) if tracker.get_slot(AGENT) and tracker.get_slot(PHONE) else tracker.sender_id


class Doorstep(CountingFormValidation):
    """Mixed into a form's validation: `doorstep_slots` go before its own questions."""

    client: BackendClient
    phone_slot = PHONE  # the certificate form keeps the applicant's mobile in its own slot

    def doorstep_slots(self, tracker: Tracker) -> list[str]:
        """The sender first (filled at once, so never asked but kept: "" for a citizen; unknown only
        while the backend cannot be asked), then an agent's two questions."""
        return [AGENT, self.phone_slot, CODE] if tracker.get_slot(AGENT) else [AGENT]

    async def extract_doorstep_agent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot(AGENT) is not None:
            return {}
        result = await self.client.field_agent(tracker.sender_id)
        if result.error == UNAVAILABLE:
            return {}
        return {AGENT: result.value["name"] if result.ok else ""}

    async def validate_doorstep_agent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {AGENT: value}

    async def consent_asked(self, dispatcher: CollectingDispatcher, tracker: Tracker, value: Any) -> dict[str, Any]:
        """The citizen's mobile given: the code goes to it, and the agent is asked for it."""
        result = await self.client.ask_doorstep_consent(
            phone=tracker.sender_id, citizen_phone=str(value or ""), language=language_of(tracker)
        )
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {self.phone_slot: None}
        if result.error == "rate_limited":
            return self.failed(dispatcher, tracker, self.phone_slot, "utter_doorstep_too_many_codes")
        if not result.ok:
            return self.failed(dispatcher, tracker, self.phone_slot, "utter_invalid_doorstep_phone")
        return {**self.accepted(self.phone_slot, result.value["citizen_phone"]), CODE: None}

    async def validate_doorstep_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self.consent_asked(dispatcher, tracker, value)

    async def validate_doorstep_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        result = await self.client.confirm_doorstep_consent(
            phone=tracker.sender_id, citizen_phone=str(tracker.get_slot(self.phone_slot) or ""), code=str(value or "")
        )
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {CODE: None}
        if result.error == "wrong_code":
            return self.failed(dispatcher, tracker, CODE, "utter_doorstep_wrong_code")
        if not result.ok:  # expired, or too many tries: a new code, to the mobile given again
            dispatcher.utter_message(response="utter_doorstep_code_expired")
            return {self.phone_slot: None, CODE: None, "validation_failures": 0}
        dispatcher.utter_message(response="utter_doorstep_consent_given")
        return self.accepted(CODE, CONFIRMED)


class ActionAskDoorstepPhone(Action):
    """The agent is asked for the citizen's mobile, and told a code will go to it."""

    def name(self) -> str:
        return "action_ask_doorstep_phone"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        dispatcher.utter_message(response="utter_ask_doorstep_phone", agent=tracker.get_slot(AGENT) or "")
        return []


class ActionAskDoorstepAgent(Action):
    """Whether the sender files for others could not be learnt (the backend is down): said so; the
    next message asks again."""

    def name(self) -> str:
        return "action_ask_doorstep_agent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        dispatcher.utter_message(response="utter_service_unavailable")
        return []

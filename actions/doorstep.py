"""Filing at the doorstep, through the service form, for every service a field agent may file for a
citizen (a complaint, a request, an application): the sender is checked as the service is chosen
(doorstep_agent: the agent's name, or "" for anyone else); an agent then gives the citizen's
mobile, Sathi sends the citizen a code by SMS naming the agent, and the agent types the code the
citizen reads out. Only then do the
form's questions follow, and the filing is the citizen's, by the agent (backend/services/doorstep.py
refuses it otherwise)."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import UNAVAILABLE, BackendClient
from actions.form_validation import CountingFormValidation, language_of
from common.slots import DOORSTEP_AGENT

AGENT = DOORSTEP_AGENT
CONFIRMED = "confirmed"
MOBILE_DIGITS = 10  # more digits than a code: the agent is giving the mobile again


def slots_of(form: str) -> tuple[str, str]:
    """A form's own slots for the citizen's mobile and their consent (service_citizen_phone,
    service_consent): its own, so another form opened meanwhile never takes another citizen's."""
    prefix = form.removesuffix("_form")
    return f"{prefix}_citizen_phone", f"{prefix}_consent"


class Doorstep(CountingFormValidation):
    """Mixed into a form's validation: the citizen's mobile and their consent (phone_slot, code_slot)
    go before its own questions, validated by consent_asked and consent_given."""

    client: BackendClient
    form = ""  # the form's name: its slots are slots_of(form)

    @property
    def phone_slot(self) -> str:
        return slots_of(self.form)[0]

    @property
    def code_slot(self) -> str:
        return slots_of(self.form)[1]

    def __getattr__(self, name: str) -> Any:
        """validate_<form>_citizen_phone and validate_<form>_consent, which rasa_sdk looks up by name."""
        if name == f"validate_{self.phone_slot}":
            return lambda value, dispatcher, tracker, domain: self.consent_asked(dispatcher, tracker, value)
        if name == f"validate_{self.code_slot}":
            return lambda value, dispatcher, tracker, domain: self.consent_given(dispatcher, tracker, value)
        raise AttributeError(name)

    async def consent_purpose(self, tracker: Tracker) -> str:
        """What the citizen's consent is for (the form's kind of filing; doorstep.purpose.<it> words it)."""
        return self.form.removesuffix("_form")

    async def consent_asked(self, dispatcher: CollectingDispatcher, tracker: Tracker, value: Any) -> dict[str, Any]:
        """The citizen's mobile given: the code goes to it, and the agent is asked for it. The same
        mobile, already consented, checked again as a form comes back to its summary, stays."""
        if value == tracker.get_slot(self.phone_slot) and tracker.get_slot(self.code_slot) == CONFIRMED:
            return {self.phone_slot: value}
        result = await self.client.ask_doorstep_consent(
            phone=tracker.sender_id,
            citizen_phone=str(value or ""),
            purpose=await self.consent_purpose(tracker),
            language=language_of(tracker),
        )
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {self.phone_slot: None}
        if result.error in ("rate_limited", "own_number"):
            response = "utter_doorstep_too_many_codes" if result.error == "rate_limited" else "utter_doorstep_own_number"
            return self.failed(dispatcher, tracker, self.phone_slot, response)
        if not result.ok:
            return self.failed(dispatcher, tracker, self.phone_slot, "utter_invalid_doorstep_phone")
        return {**self.accepted(self.phone_slot, result.value["citizen_phone"]), self.code_slot: None}

    async def consent_given(self, dispatcher: CollectingDispatcher, tracker: Tracker, value: Any) -> dict[str, Any]:
        """The code the citizen read out: their consent, or asked again (a new code when it lapsed).
        A mobile number instead is the mobile corrected (a new code goes to it); words with no digit
        are no try at the code."""
        if value == CONFIRMED:  # given before, checked again as a form comes back to its summary
            return {self.code_slot: CONFIRMED}
        digits = sum(ch.isdigit() for ch in str(value or ""))
        if digits >= MOBILE_DIGITS:
            return await self.consent_asked(dispatcher, tracker, value)
        if not digits:
            return self.failed(dispatcher, tracker, self.code_slot, "utter_doorstep_wrong_code")
        result = await self.client.confirm_doorstep_consent(
            phone=tracker.sender_id, citizen_phone=str(tracker.get_slot(self.phone_slot) or ""), code=str(value or "")
        )
        if result.error == UNAVAILABLE:
            dispatcher.utter_message(response="utter_service_unavailable")
            return {self.code_slot: None}
        if result.error == "wrong_code":
            return self.failed(dispatcher, tracker, self.code_slot, "utter_doorstep_wrong_code")
        if not result.ok:  # expired, or too many tries: a new code, to the mobile given again
            dispatcher.utter_message(response="utter_doorstep_code_expired")
            return {self.phone_slot: None, self.code_slot: None, "validation_failures": 0}
        dispatcher.utter_message(response="utter_doorstep_consent_given")
        return self.accepted(self.code_slot, CONFIRMED)


class _AskConsent(Action):
    """The agent is told the code went to the citizen's mobile, and asked for it."""

    form = ""

    def name(self) -> str:
        return f"action_ask_{slots_of(self.form)[1]}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        dispatcher.utter_message(response="utter_ask_doorstep_code")
        return []


class ActionAskServiceConsent(_AskConsent):
    form = "service_form"

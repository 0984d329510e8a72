"""A person when asked ("talk to a human", "kisi insaan se baat karao"): the backend opens the
citizen's conversation with the staff who serve them, and from then on the channels hand what the
citizen writes to it until a person closes it. Asked in the middle of a form, the form ends (the
staff are told which service it was); its answers are not kept for days of conversation."""

from datetime import datetime

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient
from actions.cancel import leave_form
from actions.form_validation import channel_of, language_of
from actions.interruptions import surely_meant
from actions.opt_out import confirmed
from common.clock import local_moment
from common.recordings import recording_url

QUESTION = "utter_confirm_handoff"  # outside a form, asked back first (data/rules/core.yml)
CATALOG_FORM = "service_form"  # the one form every catalog service runs: its service is in service_code


def asked_with(tracker: Tracker) -> str | None:
    """What the citizen wrote when they asked for a person ("naali saaf nahi hui, kisi insaan se baat
    karao"), before any yes to the question: the staff read it first. Not a call's keys or a button."""
    for event in reversed(tracker.events):
        if event.get("event") == "user" and ((event.get("parse_data") or {}).get("intent") or {}).get("name") == "talk_to_human":
            text = str(event.get("text") or "").strip()
            return None if not text or text.startswith("/") or recording_url(text) else text
    return None


class ActionTalkToHuman(Action):
    def name(self) -> str:
        return "action_talk_to_human"

    def __init__(self, client: BackendClient | None = None) -> None:
        self.client = client or BackendClient()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        form = tracker.active_loop.get("name") if tracker.active_loop else None
        if form and not surely_meant(tracker.latest_message or {}):
            # Half-heard in the middle of a form (a description heard as "a person"): not understood,
            # and the question is asked again; nothing is handed over, nothing is lost.
            dispatcher.utter_message(response="utter_not_understood")
            return [FollowupAction(form)]
        if not form and not confirmed(tracker, QUESTION):  # a rule that came here unasked: ask first
            dispatcher.utter_message(response=QUESTION)
            return []
        during = (tracker.get_slot("service_code") if form == CATALOG_FORM else form.removesuffix("_form")) if form else None
        result = await self.client.open_handoff(
            phone=tracker.sender_id,
            language=language_of(tracker),
            channel=channel_of(tracker),
            during=during,
            said=asked_with(tracker),
        )
        if not result.ok:
            dispatcher.utter_message(response="utter_service_unavailable")
            return []
        due = datetime.fromisoformat(result.value["answer_by"])
        dispatcher.utter_message(response="utter_handoff_opened", reference=result.value["reference"], due=local_moment(due))
        return leave_form(form, domain) if form else [ActiveLoop(None)]  # no form goes on (the rules say so)

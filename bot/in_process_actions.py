"""Slot mappings' actions that Rasa runs in its own process rather than on the action server.

`action_detect_language` is the custom mapping of the `language` slot (bot/domain/language.yml), so
action_extract_slots runs it on every message, before any rule or form. It reads only the message and
three slots, and its rule is pure (locales.detect.language_slots), so calling the action server for it
(the tracker and the domain serialised, sent, parsed there) was one round trip per message for nothing.

Rasa 3.6 sends every custom mapping's action to the action server: ActionExtractSlots._run_custom_action
builds a RemoteAction itself (it does not go through action_for_name_or_text). `install` wraps that one
method: an action named in IN_PROCESS runs here, with the same tracker the remote call would have sent;
any other still goes to the action server, unchanged. The channels install it when Rasa starts
(channels/text_channel.py), next to bot/action_endpoint.py."""

from typing import Any

from rasa.core.actions.action import Action, ActionExtractSlots
from rasa.shared.core.events import Event, SlotSet

from locales.detect import detect, language_slots


class ActionDetectLanguage(Action):
    """An explicit choice wins; otherwise a decisive message in another language switches the
    conversation to it (locales.detect.language_slots)."""

    def name(self) -> str:
        return "action_detect_language"

    async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Event]:
        # The parse data is what the action server's tracker called latest_message: its text is the
        # one the NLU pipeline settled on (bot/message_guard.py may put a set-aside text back).
        message: dict[str, Any] = dict(tracker.latest_message.parse_data) if tracker.latest_message else {}
        intent = (message.get("intent") or {}).get("name")
        changes = language_slots(message.get("text") or "", intent, tracker.get_slot)
        return [SlotSet(name, value) for name, value in changes.items()]


IN_PROCESS: dict[str, Action] = {action.name(): action for action in (ActionDetectLanguage(),)}


def install() -> None:
    """Makes action_extract_slots run the actions in IN_PROCESS here (once; Rasa-wide)."""
    remote = ActionExtractSlots._run_custom_action
    if getattr(remote, "in_process", False):
        return

    async def run_custom_action(
        self: ActionExtractSlots, custom_action: str, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> list[Event]:
        action = IN_PROCESS.get(custom_action)
        if action is None:
            return await remote(self, custom_action, output_channel, nlg, tracker, domain)
        return await action.run(output_channel, nlg, tracker, domain)

    run_custom_action.in_process = True  # type: ignore[attr-defined]
    ActionExtractSlots._run_custom_action = run_custom_action
    # The classifier and langdetect's profiles load on first use (about half a second): here, at
    # start-up, rather than on Rasa's one event loop while the first citizen waits.
    detect("warm up the language detection")

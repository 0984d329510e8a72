"""Rasa's NLG, in process: every utter_* is rendered from locales/ in the conversation's language
and for the channel the message goes out on. Configured in bot/endpoints.yml (nlg: type: ...)."""
import logging
from typing import Any

from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

import locales
from common.channels import CONTINUES_QUESTION
from common.recordings import ANSWERED_IN_WORDS

logger = logging.getLogger(__name__)


class LocaleNLG(NaturalLanguageGenerator):
    def __init__(self, endpoint_config: Any = None, domain: Any = None, **_: Any) -> None:
        self.domain = domain

    async def generate(
        self, utter_action: str, tracker: DialogueStateTracker, output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        # An action that changes the language says so in the new one before its slot change lands.
        language = kwargs.pop("reply_language", None) or tracker.get_slot("language") or locales.DEFAULT_LANGUAGE
        latin_sms = bool(tracker.get_slot("reply_in_latin_script"))
        try:
            rendered = locales.render(utter_action, language, output_channel, latin_sms=latin_sms, **kwargs)
        except (locales.UnknownKey, KeyError, IndexError, ValueError):
            logger.exception("cannot render %s in %s", utter_action, language)
            rendered = locales.render("utter_default", language, output_channel)
        message = {"text": rendered["text"], "buttons": rendered["buttons"] or None}
        if output_channel.startswith("twilio"):
            # The Twilio channels need the key and values too: Odia voice plays recorded prompts per
            # key, a call's SMS summary re-renders for SMS, WhatsApp templates are chosen by key.
            variables = {k: str(v) for k, v in kwargs.items() if isinstance(v, (str, int, float)) and not k.startswith("_")}
            message["custom"] = {"locale": {"key": utter_action, "language": language, "variables": variables}}
            for flag in (ANSWERED_IN_WORDS, CONTINUES_QUESTION):  # how a call asks the question, set by the action
                if kwargs.get(f"_{flag}"):
                    message["custom"][flag] = True
        return message

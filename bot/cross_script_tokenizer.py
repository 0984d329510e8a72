"""Tokenizer that lets Hindi and Odia learn from both of their scripts at once.

Each word also yields the spelling-tolerant Latin key from locales.script.match_key, so
"शिकायत" and "shikayat" (and "sikayat") share the token "sikyt", and "ଅଭିଯୋଗ" and "abhijoga"
share "abiyog". Examples typed in the native script then teach the model about the romanised
form and the other way round. The message text itself is left as it is.

An empty message, or one longer than a command can be (a long paste), is set aside before any other
component reads it: the text becomes a single space with one placeholder token, so no regex or
featurizer ever runs over a megabyte (the regex featurizer skips empty text, and logistic
regression then refuses the shorter feature vector; hence the space). MessageGuard, last, puts the
text back and turns the message into nlu_fallback, and action_not_understood says which it was."""
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from common.limits import MAX_TEXT_CHARS
from locales.script import match_key

EMPTY_MESSAGE_TOKEN = "__empty__"
SET_ASIDE = "sathi_set_aside_text"  # where the text waits for MessageGuard (not part of the output)


def is_command_sized(text: str) -> bool:
    return bool(text.strip()) and len(text) <= MAX_TEXT_CHARS


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class CrossScriptTokenizer(WhitespaceTokenizer):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return WhitespaceTokenizer.get_default_config()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not is_command_sized(text):
                message.set(SET_ASIDE, text)
                message.set(TEXT, " ")
        return super().process(messages)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        if attribute == TEXT and not (message.get(TEXT) or "").strip():
            return [Token(EMPTY_MESSAGE_TOKEN, 0, 1)]
        tokens = super().tokenize(message, attribute)
        if attribute != TEXT:
            return tokens
        bridged = []
        for token in tokens:
            bridged.append(token)
            key = match_key(token.text)
            if key and key != token.text.lower() and " " not in key:
                bridged.append(Token(key, token.start, token.end))
        return bridged

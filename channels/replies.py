"""The bot's collected replies, made into what a text channel can carry: buttons become numbered
options (remembered, so "2" means the second), SMS bodies are split to fit."""

from typing import Any

from channels.sms_text import numbered_menu, split_body
from common.channels import NUMBERED_ANSWERS, SMS
from common.limits import MAX_MESSAGE_BODY_CHARS


def numbered_options(buttons: list[dict[str, Any]] | None) -> dict[str, str]:
    """{"1": payload, ...} for buttons a channel without buttons must offer as numbers. Empty when
    there are none, or when each payload is its own number ("1", "2"...): the text lists those."""
    buttons = buttons or []
    if all(str(b.get("payload")) == str(i) for i, b in enumerate(buttons, start=1)):
        return {}
    return {str(i): str(b.get("payload", "")) for i, b in enumerate(buttons, start=1)}


def text_replies(messages: list[dict[str, Any]], channel: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """-> (replies for the outbox, the numbered menu shown; empty when this turn showed none)."""
    replies: list[dict[str, Any]] = []
    menu: dict[str, str] = {}
    for message in messages:
        text = message.get("text") or ""
        options = numbered_options(message.get("buttons"))
        if options:
            text = numbered_menu(text, [str(b.get("title", "")) for b in message["buttons"]])
            menu = options
        elif isinstance(message.get(NUMBERED_ANSWERS), dict):  # answers its words list themselves (a verdict asked again)
            menu = {str(k): str(v) for k, v in message[NUMBERED_ANSWERS].items()}
        locale = (message.get("custom") or {}).get("locale") or {}
        bodies = split_body(text) if channel == SMS else ([text[:MAX_MESSAGE_BODY_CHARS]] if text.strip() else [])
        for body in bodies:
            replies.append(
                {
                    "body": body,
                    "locale_key": locale.get("key"),
                    "language": locale.get("language", "en"),
                    "variables": locale.get("variables", {}),
                }
            )
    return replies, menu

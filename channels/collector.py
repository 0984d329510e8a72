"""Collects the bot's replies to one inbound message whole (text, buttons and the locale key they
came from), under the channel's name so the NLG picks that channel's wording."""

from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel


class ReplyCollector(CollectingOutputChannel):
    def __init__(self, channel_name: str) -> None:
        super().__init__()
        self.channel_name = channel_name

    def name(self) -> str:  # instance-level: one class serves every Twilio channel
        return self.channel_name

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.messages.append({"recipient_id": recipient_id, **message})

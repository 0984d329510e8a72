"""The one way Sathi's input channels are built from bot/credentials.yml: its keys are the
constructor's keyword arguments."""
from typing import Any

from rasa.core.channels.channel import InputChannel


class ConfiguredInput(InputChannel):
    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "ConfiguredInput":
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(**credentials)

"""The one way Sathi's input channels are built from bot/credentials.yml: its keys are the
constructor's keyword arguments. With SATHI_ENV=production no channel is built on a published
default secret, so the Rasa process refuses to start and says which (common/secrets.py)."""

import sys
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rasa.core.channels.channel import InputChannel

from common.secrets import DEFAULTS, is_production, refuse_defaults

_NAME_OF_DEFAULT = {value: name for name, value in DEFAULTS.items()}


class ConfiguredInput(InputChannel):
    # A credentials key -> the environment variable its secret comes from (set in bot/credentials.yml).
    secret_credentials: ClassVar[dict[str, str]] = {}

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "ConfiguredInput":
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None  # that raised; mypy cannot see it, Rasa is not in .venv
        refuse_defaults(held_secrets(cls.secret_credentials, credentials, sys.argv), production=is_production())
        return cls(**credentials)


def held_secrets(secret_credentials: Mapping[str, str], credentials: Mapping[str, Any], argv: Sequence[str]) -> dict[str, str]:
    """Environment variable -> value of each secret a channel and its Rasa process hold: the ones
    the channel declares (empty counts as the default), any credential that is a published default
    whatever its key (the token to the backend), and Rasa's HTTP API token while the API is on.
    Rasa hands its channels none of its own options, so that one is read from the command line."""
    held = {name: str(credentials.get(key) or "") for key, name in secret_credentials.items()}
    held |= {
        _NAME_OF_DEFAULT[value]: value for value in credentials.values() if isinstance(value, str) and value in _NAME_OF_DEFAULT
    }
    if "--enable-api" in argv:
        held["SATHI_RASA_TOKEN"] = _option(argv, "-t", "--auth-token")
    return held


def _option(argv: Sequence[str], short: str, long: str) -> str:
    for i, arg in enumerate(argv):
        if arg in (short, long) and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(f"{long}="):
            return arg.split("=", 1)[1]
    return ""

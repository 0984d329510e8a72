"""Every secret Sathi uses, each for one purpose, with the development default it has out of the
box. The defaults are published (they are in this file), so a process started with
SATHI_ENV=production refuses to start while any secret it holds is still its default, and says
which; development keeps them so `make run` works with nothing set."""

import os
from collections.abc import Mapping

# Environment variable -> development default. One entry per purpose: a leaked payment secret
# must not also sign certificate links or turn grants.
DEFAULTS: dict[str, str] = {
    # Callers of the backend's API, each with its own token and rights (backend/api/callers.py).
    "SATHI_ACTIONS_TOKEN": "dev-actions-token",  # the Rasa action server
    "SATHI_CHANNELS_TOKEN": "dev-channels-token",  # the Rasa process's input channels
    # Signs the grant a channel gets for one inbound message: "act for this phone only".
    "SATHI_TURN_SECRET": "dev-turn-secret",
    # Signs payment links (/pay/...) and the built-in payment sandbox's webhook.
    "SATHI_PAYMENT_SECRET": "dev-payment-secret",
    # Signs certificate download links (/c/...).
    "SATHI_CERTIFICATE_LINK_SECRET": "dev-certificate-link-secret",
    # Twilio's auth token (signs webhooks, authenticates API calls); the default is the sandbox's.
    "SATHI_TWILIO_AUTH_TOKEN": "dev-twilio-token",
    # The Indian SMS gateway's HMAC secret for inbound messages.
    "SATHI_SMS_GATEWAY_SECRET": "dev-gateway-secret",
    # Rasa's own HTTP API (`rasa run --enable-api --auth-token`): whoever holds it steers any conversation.
    "SATHI_RASA_TOKEN": "dev-rasa-token",
}

PRODUCTION = "production"


class DefaultSecretInProduction(RuntimeError):
    """A production process was started with a published default: the message names each one."""


def is_production(environ: Mapping[str, str] | None = None) -> bool:
    return (environ if environ is not None else os.environ).get("SATHI_ENV", "").strip().lower() == PRODUCTION


def refuse_defaults(values: Mapping[str, str], *, production: bool, sandbox_enabled: bool = False) -> None:
    """values: environment variable name -> the value this process holds. Raises, naming every
    default still in use (and the Twilio sandbox if it is on), when production is set."""
    if not production:
        return
    problems = [
        f"{name} is the published development default"
        for name, value in values.items()
        if name in DEFAULTS and (not value or value == DEFAULTS[name])
    ]
    # One secret per purpose: the actions' token equal to the channels' would pass both callers' checks.
    holders: dict[str, list[str]] = {}
    for name, value in values.items():
        if value:
            holders.setdefault(value, []).append(name)
    problems += [
        f"{' and '.join(names)} are the same secret (each purpose needs its own)" for names in holders.values() if len(names) > 1
    ]
    if sandbox_enabled:
        problems.append("SATHI_SANDBOX_ENABLED is on (the built-in Twilio and payment sandboxes)")
    if problems:
        raise DefaultSecretInProduction("refusing to start with SATHI_ENV=production: " + "; ".join(problems))

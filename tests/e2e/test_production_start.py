"""With SATHI_ENV=production each real process, started exactly as `make run` starts it
(scripts/stack.py), refuses to start while a secret it holds is still its published default or the
sandbox is on: it exits non-zero and its output names that variable. With its own secrets the
whole stack starts, and each process listens on SATHI_BIND_HOST only."""
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from common.secrets import DEFAULTS
from scripts.stack import Stack, StackConfig, StackError
from tests.e2e.conftest import PORT_BASE

BASE = PORT_BASE + 600
OWN = {name: f"own-{name.lower().replace('_', '-')}-5d1e" for name in DEFAULTS}
# The channels' token reaches them as SATHI_API_TOKEN until each caller has its own variable.
PRODUCTION = {**OWN, "SATHI_API_TOKEN": OWN["SATHI_CHANNELS_TOKEN"], "SATHI_ENV": "production", "SATHI_SANDBOX_ENABLED": "false"}


def _stack(model: Path, var_dir: Path, **env: str) -> Stack:
    rasa_token = env.pop("SATHI_RASA_TOKEN", OWN["SATHI_RASA_TOKEN"])  # Rasa takes it on its command line
    return Stack(StackConfig(model=model, var_dir=var_dir, host="127.0.0.1", backend_port=BASE, actions_port=BASE + 55,
                             rasa_port=BASE + 5, rasa_token=rasa_token, extra_env={**PRODUCTION, **env}))


def _refusal(stack: Stack, name: str) -> str:
    """Starts the one process, which must exit non-zero; returns the line where it says why."""
    try:
        with pytest.raises(StackError, match="exited early"):
            stack.start(name, timeout=120)
        assert stack.processes[name].returncode not in (0, None)
    finally:
        stack.stop()
    lines = (stack.log_dir / f"{name}.log").read_text(errors="replace").splitlines()
    return next(line for line in reversed(lines) if "refusing to start with SATHI_ENV=production" in line)


def _named(said: str) -> list[str]:
    return [name for name in [*DEFAULTS, "SATHI_SANDBOX_ENABLED"] if name in said]


BACKEND = ["SATHI_ACTIONS_TOKEN", "SATHI_CHANNELS_TOKEN", "SATHI_TURN_SECRET", "SATHI_PAYMENT_SECRET",
           "SATHI_CERTIFICATE_LINK_SECRET", "SATHI_TWILIO_AUTH_TOKEN"]
RASA = ["SATHI_CHANNELS_TOKEN", "SATHI_TWILIO_AUTH_TOKEN", "SATHI_SMS_GATEWAY_SECRET", "SATHI_RASA_TOKEN"]


@pytest.mark.parametrize("variable", BACKEND)
def test_the_backend_refuses_a_default_secret(model, tmp_path, variable):
    assert _named(_refusal(_stack(model, tmp_path, **{variable: DEFAULTS[variable]}), "backend")) == [variable]


def test_the_backend_refuses_the_sandbox(model, tmp_path):
    assert _named(_refusal(_stack(model, tmp_path, SATHI_SANDBOX_ENABLED="true"), "backend")) == ["SATHI_SANDBOX_ENABLED"]


def test_the_action_server_refuses_its_default_token(model, tmp_path):
    stack = _stack(model, tmp_path, SATHI_ACTIONS_TOKEN=DEFAULTS["SATHI_ACTIONS_TOKEN"])
    assert _named(_refusal(stack, "actions")) == ["SATHI_ACTIONS_TOKEN"]


@pytest.mark.parametrize("variable", RASA)
def test_the_rasa_channels_refuse_a_default_secret(model, tmp_path, variable):
    env = {variable: DEFAULTS[variable]}
    if variable == "SATHI_CHANNELS_TOKEN":
        env["SATHI_API_TOKEN"] = DEFAULTS[variable]  # whichever variable the channels read it from
    assert _named(_refusal(_stack(model, tmp_path, **env), "rasa")) == [variable]


@pytest.fixture
def production_stack(model, tmp_path) -> Iterator[Stack]:
    with _stack(model, tmp_path) as running:
        yield running


def test_with_its_own_secrets_everything_starts_on_the_bind_host_only(production_stack):
    c = production_stack.config
    assert httpx.get(f"{c.backend_url}/health", timeout=10).json() == {"status": "ok"}
    assert httpx.post(f"{c.backend_url}/sandbox/twilio/inbox", json={"to": "+15005550006"}, timeout=10).status_code == 404
    for port in (c.backend_port, c.actions_port, c.rasa_port):
        with socket.create_connection((c.host, port), timeout=5):
            pass
        with pytest.raises(ConnectionRefusedError):  # another address of this machine: nothing listens there
            socket.create_connection(("127.0.0.2", port), timeout=5).close()

"""Starts the backend, the action server and Rasa as child processes and stops them all cleanly.

`make run` runs this module; the end-to-end tests use the same Stack class, so what they test is
what a person starts.
"""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from common.secrets import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
CALLER_SECRETS = {"SATHI_ACTIONS_TOKEN", "SATHI_CHANNELS_TOKEN", "SATHI_TURN_SECRET"}


@dataclass
class StackConfig:
    model: Path
    var_dir: Path = ROOT / "var"
    database_url: str | None = None  # default: SQLite in var_dir
    host: str = os.environ.get("SATHI_BIND_HOST", "127.0.0.1")
    backend_port: int = 8000
    actions_port: int = 5055
    rasa_port: int = 5005
    # Each process gets the credential of its own (backend/api/callers.py): the action server its
    # token, the Rasa process the channels' token, the backend both and the secret of turn grants.
    actions_token: str = os.environ.get("SATHI_ACTIONS_TOKEN", DEFAULTS["SATHI_ACTIONS_TOKEN"])
    channels_token: str = os.environ.get("SATHI_CHANNELS_TOKEN", DEFAULTS["SATHI_CHANNELS_TOKEN"])
    turn_secret: str = os.environ.get("SATHI_TURN_SECRET", DEFAULTS["SATHI_TURN_SECRET"])
    rasa_token: str = os.environ.get("SATHI_RASA_TOKEN", DEFAULTS["SATHI_RASA_TOKEN"])
    # The sandbox's token unless a real Twilio account is configured; the phone simulator signs with it.
    twilio_auth_token: str = os.environ.get("SATHI_TWILIO_AUTH_TOKEN", os.environ.get("TWILIO_AUTH_TOKEN", DEFAULTS["SATHI_TWILIO_AUTH_TOKEN"]))
    # Rasa's REST channel, off as in bot/credentials.yml: it lets anyone write as any number. Tests
    # that talk to the bot over it turn it on (and sign each message's turn grant themselves).
    rest_channel: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    # Per process ("backend", "actions", "rasa"), over extra_env: the fault tests route one
    # process's calls through a proxy they control.
    process_env: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def backend_url(self) -> str:
        return f"http://{self.host}:{self.backend_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'sathi.db'}"


class StackError(RuntimeError):
    pass


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen] = {}
        config.var_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir = config.var_dir / "log"
        self.log_dir.mkdir(exist_ok=True)

    def _env(self, name: str) -> dict[str, str]:
        c = self.config
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "SATHI_DATABASE_URL": c.effective_database_url,
            "SATHI_BACKEND_URL": c.backend_url,
            "SATHI_ACTION_ENDPOINT_URL": f"{c.actions_url}/webhook",
            "RASA_TRACKER_DB": str(c.var_dir / "rasa_tracker.db"),
            "SATHI_TWILIO_AUTH_TOKEN": c.twilio_auth_token,
            # Where Twilio reaches Rasa's webhooks and the backend's status callbacks; behind a
            # proxy set both to the public addresses (signatures are checked against them).
            "SATHI_PUBLIC_BASE_URL": os.environ.get("SATHI_PUBLIC_BASE_URL", c.rasa_url),
            "SATHI_PUBLIC_BACKEND_URL": os.environ.get("SATHI_PUBLIC_BACKEND_URL", c.backend_url),
            "SATHI_TWILIO_API_BASE": os.environ.get("SATHI_TWILIO_API_BASE", f"{c.backend_url}/sandbox/twilio"),
            "SATHI_SMS_GATEWAY_SECRET": os.environ.get("SATHI_SMS_GATEWAY_SECRET", DEFAULTS["SATHI_SMS_GATEWAY_SECRET"]),
            "SATHI_CHANNEL_SPOOL": str(c.var_dir / "channel_spool.db"),
            # Development runs on the built-in Twilio and payment sandboxes (off by default).
            "SATHI_SANDBOX_ENABLED": os.environ.get("SATHI_SANDBOX_ENABLED", "true"),
            **self._credentials(name),
            **c.extra_env,
            **c.process_env.get(name, {}),
        }
        for secret in CALLER_SECRETS - self._credentials(name).keys():  # not even from the environment
            env.pop(secret, None)
        return env

    def _credentials(self, name: str) -> dict[str, str]:
        c = self.config
        return {
            "backend": {"SATHI_ACTIONS_TOKEN": c.actions_token, "SATHI_CHANNELS_TOKEN": c.channels_token,
                        "SATHI_TURN_SECRET": c.turn_secret},
            "actions": {"SATHI_ACTIONS_TOKEN": c.actions_token},
            "rasa": {"SATHI_CHANNELS_TOKEN": c.channels_token},
        }[name]

    def _channel_credentials(self) -> Path:
        """bot/credentials.yml, or a copy with Rasa's REST channel added when the config asks for it."""
        default = ROOT / "bot" / "credentials.yml"
        if not self.config.rest_channel:
            return default
        with_rest = self.config.var_dir / "credentials-with-rest.yml"
        with_rest.write_text(default.read_text(encoding="utf-8") + "\nrest:\n", encoding="utf-8")
        return with_rest

    def _commands(self) -> dict[str, list[str]]:
        c = self.config
        return {
            "backend": [str(ROOT / ".venv/bin/uvicorn"), "backend.main:app", "--host", c.host, "--port", str(c.backend_port)],
            "actions": [str(ROOT / ".venv/bin/python"), "-m", "actions.server", "--actions", "actions",
                        "--host", c.host, "--port", str(c.actions_port)],
            "rasa": [
                str(ROOT / ".venv-rasa/bin/rasa"), "run", "--model", str(c.model),
                "--endpoints", "bot/endpoints.yml", "--credentials", str(self._channel_credentials()),
                "--interface", c.host, "--port", str(c.rasa_port),
                "--enable-api", "--auth-token", c.rasa_token,
            ],
        }

    def _health_urls(self) -> dict[str, str]:
        c = self.config
        return {
            "backend": f"{c.backend_url}/health",
            "actions": f"{c.actions_url}/health",
            "rasa": f"{c.rasa_url}/status?token={c.rasa_token}",
        }

    def _ports(self) -> dict[str, int]:
        c = self.config
        return {"backend": c.backend_port, "actions": c.actions_port, "rasa": c.rasa_port}

    def _check_port_free(self, name: str) -> None:
        # Otherwise the health check could be answered by whatever already holds the port.
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is not "in use"
            try:
                probe.bind((self.config.host, self._ports()[name]))
            except OSError as exc:
                raise StackError(f"port {self._ports()[name]} for {name} is in use (is Sathi already running?)") from exc

    def start(self, *names: str, timeout: float = 180.0) -> None:
        for name in names or ("backend", "actions", "rasa"):
            self._check_port_free(name)
            log = open(self.log_dir / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen(
                self._commands()[name], cwd=ROOT, env=self._env(name), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us only; we stop the children in order
            )
            self._wait_healthy(name, timeout)

    def _wait_healthy(self, name: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = self._health_urls()[name]
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise StackError(f"{name} exited early; see {self.log_dir / (name + '.log')}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise StackError(f"{name} did not answer {url} within {timeout:.0f} s")

    def stop(self, *names: str) -> None:
        for name in names or tuple(reversed(self.processes)):
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def kill(self, name: str) -> None:
        """kill -9, as a crash or the OOM killer would: no clean-up of any kind."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def __enter__(self) -> "Stack":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    model = Path(subprocess.run(["scripts/train.sh"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip())
    # SATHI_REST_CHANNEL=true: Rasa's REST channel too, for scripts.benchmark (each of its messages
    # carries a turn grant it signs with SATHI_TURN_SECRET); never on a deployment's Rasa.
    config = StackConfig(model=ROOT / model, database_url=os.environ.get("SATHI_DATABASE_URL"),
                         rest_channel=os.environ.get("SATHI_REST_CHANNEL", "").strip().lower() == "true")
    stack = Stack(config)
    started = time.monotonic()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        stack.start()
        print(f"Sathi is up in {time.monotonic() - started:.0f} s")
        print(f"  backend        {config.backend_url}  (OpenAPI: {config.backend_url}/docs)")
        print(f"  action server  {config.actions_url}")
        rest = f"  (REST channel: {config.rasa_url}/webhooks/rest/webhook)" if config.rest_channel else ""
        print(f"  Rasa           {config.rasa_url}{rest}")
        print(f"  logs           {stack.log_dir}")
        print("Press Ctrl-C to stop.")
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(1)
        print("a process stopped; see the logs", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping…")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()

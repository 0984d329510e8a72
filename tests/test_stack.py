"""What `make run` starts (scripts/stack.py), read from its command lines: every process binds the
configured host, the action server included (rasa_sdk alone binds every interface)."""
from pathlib import Path

from scripts.stack import Stack, StackConfig


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_every_process_binds_the_configured_host(tmp_path):
    commands = Stack(StackConfig(model=Path("model.tar.gz"), var_dir=tmp_path, host="10.7.0.3"))._commands()
    assert _option(commands["backend"], "--host") == "10.7.0.3"
    assert _option(commands["rasa"], "--interface") == "10.7.0.3"
    assert commands["actions"][1:3] == ["-m", "actions.server"]  # binds --host, refuses defaults in production
    assert _option(commands["actions"], "--host") == "10.7.0.3"

"""The action server: rasa_sdk's, with each action run acting for the citizen whose message it
answers. The grant the channel got for that message (backend/services/turn_grants.py) is read once
here, from the tracker Rasa sends, and every backend call of the run carries it
(actions/backend_client.py): an action cannot act for anyone else, however it is written.

Run as `python -m actions.server --actions actions --host H --port P` (the other options are
rasa_sdk's). It binds --host (default SATHI_BIND_HOST, else 127.0.0.1), where rasa_sdk alone binds
every interface, and with SATHI_ENV=production it refuses to start while its token to the backend
is the published default."""

import argparse
import logging
import os
import sys
from typing import Any

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_argument_parser, run
from rasa_sdk.executor import ActionExecutor

from actions.backend_client import acting_for, turn_in
from common.secrets import DefaultSecretInProduction, is_production, refuse_defaults


class TurnExecutor(ActionExecutor):
    async def run(self, action_call: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        with acting_for(turn_in(action_call.get("tracker") or {}, action_call.get("next_action"))):
            return await super().run(action_call, *args, **kwargs)


def main(argv: list[str] | None = None) -> None:
    """As rasa_sdk's own __main__, with the executor above, on --host."""
    ours = argparse.ArgumentParser(add_help=False)
    ours.add_argument("--host", default=os.environ.get("SATHI_BIND_HOST", "127.0.0.1"))
    known, rest = ours.parse_known_args(sys.argv[1:] if argv is None else argv)
    try:
        refuse_defaults({"SATHI_ACTIONS_TOKEN": os.environ.get("SATHI_ACTIONS_TOKEN", "")}, production=is_production())
    except DefaultSecretInProduction as exc:
        sys.exit(f"action server: {exc}")
    # rasa_sdk takes its address only from the environment (endpoint.run reads SANIC_HOST).
    os.environ["SANIC_HOST"] = known.host
    args = create_argument_parser().parse_args(rest)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()
    executor = TurnExecutor()
    executor.register_package(args.actions_module or args.actions)
    run(
        executor,
        args.port,
        args.cors,
        args.ssl_certificate,
        args.ssl_keyfile,
        args.ssl_password,
        args.auto_reload,
        args.endpoints,
    )


if __name__ == "__main__":
    main()

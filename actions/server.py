"""The action server: rasa_sdk's, with each action run acting for the citizen whose message it
answers. The grant the channel got for that message (backend/services/turn_grants.py) is read once
here, from the tracker Rasa sends, and every backend call of the run carries it
(actions/backend_client.py): an action cannot act for anyone else, however it is written.

Run as `python -m actions.server --actions actions` with rasa_sdk's own arguments (HTTP only)."""
import logging
from typing import Any

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_argument_parser, run
from rasa_sdk.executor import ActionExecutor

from actions.backend_client import acting_for, turn_in


class TurnExecutor(ActionExecutor):
    async def run(self, action_call: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        with acting_for(turn_in(action_call.get("tracker") or {}, action_call.get("next_action"))):
            return await super().run(action_call, *args, **kwargs)


def main() -> None:
    """As rasa_sdk's own __main__, with the executor above."""
    args = create_argument_parser().parse_args()
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel,
                                 args.logging_config_file)
    utils.update_sanic_log_level()
    executor = TurnExecutor()
    executor.register_package(args.actions_module or args.actions)
    run(executor, args.port, args.cors, args.ssl_certificate, args.ssl_keyfile, args.ssl_password, args.auto_reload, args.endpoints)


if __name__ == "__main__":
    main()

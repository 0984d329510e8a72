"""Starts the Rasa action server: `python -m scripts.action_server --actions actions --host H --port P`
(the other options are rasa_sdk's). It binds --host (default SATHI_BIND_HOST, else 127.0.0.1), where
rasa_sdk alone binds every interface, and with SATHI_ENV=production it refuses to start while its
token to the backend is the published default."""
import argparse
import os
import sys

from common.secrets import DefaultSecretInProduction, is_production, refuse_defaults


def main(argv: list[str] | None = None) -> None:
    ours = argparse.ArgumentParser(add_help=False)
    ours.add_argument("--host", default=os.environ.get("SATHI_BIND_HOST", "127.0.0.1"))
    args, rest = ours.parse_known_args(sys.argv[1:] if argv is None else argv)
    try:
        refuse_defaults({"SATHI_ACTIONS_TOKEN": os.environ.get("SATHI_ACTIONS_TOKEN", "")}, production=is_production())
    except DefaultSecretInProduction as exc:
        sys.exit(f"action server: {exc}")
    # rasa_sdk takes its address only from the environment (endpoint.run reads SANIC_HOST).
    os.environ["SANIC_HOST"] = args.host
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser

    main_from_args(create_argument_parser().parse_args(rest))


if __name__ == "__main__":
    main()

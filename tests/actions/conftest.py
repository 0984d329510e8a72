"""Actions run against the real backend app in-process (over httpx's ASGI transport) and a real
database, or against a closed port to play a backend that is down."""
import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import CURRENT_TURN, BackendClient, turn_in
from tests.conftest import ACTIONS_TOKEN, turn_headers

DOMAIN = {
    "forms": {
        "grievance_form": {"required_slots": ["grievance_category", "grievance_description", "grievance_ward"]},
        "status_form": {"required_slots": ["reference"]},
    }
}


@pytest.fixture
def backend(app) -> BackendClient:
    return BackendClient(base_url="http://backend", token=ACTIONS_TOKEN, transport=httpx.ASGITransport(app=app))


@pytest.fixture
def backend_down() -> BackendClient:
    return BackendClient(base_url="http://127.0.0.1:9", token=ACTIONS_TOKEN, timeout=1.0)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def make_tracker(slots: dict, text: str = "", events: list | None = None, active_loop: str | None = None,
                 sender: str = "+919812345678", entities: dict | None = None, turn: str | None = "granted") -> Tracker:
    """The tracker of a message from `sender`, with the grant its channel got for it (turn=None: a
    message that came with none). The action run that follows acts in that turn, as
    actions/server.py sets it for every run from the tracker Rasa sends."""
    grant = turn_headers(sender)["X-Sathi-Turn"] if turn == "granted" else turn
    latest_message = {"text": text, "intent": {"name": "inform"}, "metadata": {"turn": grant} if grant else {},
                      "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()]}
    CURRENT_TURN.set(turn_in({"latest_message": latest_message}))
    return Tracker(
        sender_id=sender,
        slots={"language": "en", "validation_failures": 0, **slots},
        latest_message=latest_message,
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]

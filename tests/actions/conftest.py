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
        # every service's form, as test_status.py and test_handoff.py leave it (its slots below go with it)
        "service_form": {"required_slots": ["service_code", "service_answer", "service_confirmed"]},
        "status_form": {"required_slots": ["reference"]},
    },
    "slots": {"service_answers": {}, "service_labels": {}, "service_pending": {}, "doorstep_agent": {}},
}
# A complaint on every service's form (catalog/grievance.yml): the citizen's words per question, as the form keeps them
COMPLAINT = {"_service": "grievance", "problem": "3", "description": "The drain near the school is overflowing",
             "ward": "ward 5"}


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


async def complaint(backend: BackendClient, answers: dict | None = None, labels: dict | None = None, **more) -> dict:
    """The form's slots once a complaint is chosen (by its intent, by a citizen), with these answers
    (every one by default) and their words (the backend's, in English, unless given)."""
    service = (await backend.service_definition("grievance")).value
    answers = COMPLAINT if answers is None else answers
    if labels is None:
        given = {k: v for k, v in answers.items() if not k.startswith("_")}
        labels = {**(await backend.service_labels("grievance", given, "en")).value, "_language": "en"} if given else {}
    return {"service_code": "grievance", "service_definition": service, "service_answers": answers,
            "service_labels": labels, "service_documents": {}, "doorstep_agent": "", **more}


def applied(slots: dict, events: list) -> dict:
    """The slots after an action's events, as Rasa keeps them (its SlotSet events, in order)."""
    return {**slots, **{e["name"]: e["value"] for e in events if e.get("event") == "slot"}}


def asking(field: str, answers: dict | None = None) -> dict:
    """A complaint's answers before `field`, its question asked."""
    answers = COMPLAINT if answers is None else answers
    names = [k for k in COMPLAINT if not k.startswith("_")]
    return {k: v for k, v in answers.items() if k.startswith("_") or names.index(k) < names.index(field)}


def opening(text: str, sender: str = "+919812345678", intent: str = "file_grievance") -> Tracker:
    """The tracker as the complaint's form opens on `text` (classified as `intent`): the domain's
    from_intent mapping set service_code, which the form validates first (nothing asked yet)."""
    tracker = make_tracker({"service_code": "grievance"}, text=text, active_loop="service_form", sender=sender,
                           events=[{"event": "user", "text": text},
                                   {"event": "slot", "name": "service_code", "value": "grievance"}])
    tracker.latest_message["intent"] = {"name": intent, "confidence": 0.95}
    return tracker

"""Counts the calls between Sathi's own processes in typical form turns and prints them (not a test):

    PYTHONPATH=$PWD .venv/bin/python -m scripts.hops_benchmark

Each turn is played as Rasa plays it: the custom actions the domain (bot/domain/*.yml) makes Rasa
call for one message (a slot mapping's action, the form's validation, a custom ask action, the
submit action after the last answer), run in this process against the real backend app on a
fresh SQLite database, over an httpx transport that counts requests. Printed per form and turn:
(a) requests from the action server to the backend, (b) requests from Rasa to the action server.
A slot mapping's action that Rasa runs in its own process (bot/in_process_actions.py: language
detection) is applied here as well but counted apart: it costs no request.
"cold" empties the action server's definition cache before each turn (another worker, or a minute
later); "warm" keeps it."""

import argparse
import asyncio
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.service_form as certificate
from actions.backend_client import CURRENT_TURN, BackendClient
from actions.service_form import (
    ActionAskServiceAnswer,
    ActionAskServiceCitizenPhone,
    ActionAskServiceConfirmed,
    ActionAskServiceDocument,
    ActionAskServiceGuess,
    ActionAskServiceReopen,
    ActionAskServiceTatkal,
    ActionAskServiceCode,
    ActionSubmitService,
    ValidateServiceForm,
)
from backend.db import get_session_factory
from backend.main import create_app
from backend.migrate import upgrade
from backend.services import people, turn_grants
from backend.settings import Settings, get_settings
from locales.detect import language_slots

ROOT = Path(__file__).resolve().parent.parent
TOKEN, SECRET, PHONE = "hops-actions-token", "hops-turn-secret", "+919812345678"

# What a citizen types, one message a turn, in each form (the e2e journeys' answers); the intent
# the NLU would give where a validation reads it.
JOURNEYS: dict[str, list[tuple[str, str]]] = {
    "certificate income": [
        ("I need an income certificate", "apply_certificate"),
        ("1", "inform"),
        ("Sabitri Behera", "inform"),
        ("Gopal Behera", "inform"),
        ("ward 12", "inform"),
        ("85000", "inform"),
        ("1", "inform"),
        ("later", "inform"),
        ("later", "inform"),
        ("1", "inform"),
        ("yes", "affirm"),
    ],
    "certificate trade_licence": [
        ("I need a trade licence", "apply_certificate"),
        ("5", "inform"),
        ("Sabitri Behera", "inform"),
        ("Sabitri Stores", "inform"),
        ("shop", "inform"),
        ("ward 12", "inform"),
        ("120", "inform"),
        ("later", "inform"),
        ("later", "inform"),
        ("yes", "affirm"),
    ],
    "certificate desludging": [
        ("my septic tank is full", "request_desludging"),
        ("Sabitri Behera", "inform"),
        ("1", "inform"),
        ("1", "inform"),
        ("2000", "inform"),
        ("2", "inform"),
        ("ward 12", "inform"),
        ("behind the Ram Mandir", "inform"),
        ("751007", "inform"),
        ("no", "deny"),
        ("tomorrow", "inform"),
        ("1", "inform"),
        ("yes", "affirm"),
    ],
    "certificate grievance": [
        ("I want to file a complaint", "file_grievance"),
        ("2", "inform"),
        ("The streetlight in front of house 22 is off for a week", "inform"),
        ("Saheed Nagar", "inform"),
    ],
}
FORMS = {"certificate": ("service_form", ValidateServiceForm, "action_submit_service")}
ACTIONS: list[type[Action]] = [
    ActionAskServiceCode,
    ActionAskServiceCitizenPhone,
    ActionAskServiceAnswer,
    ActionAskServiceDocument,
    ActionAskServiceTatkal,
    ActionAskServiceConfirmed,
    ActionSubmitService,
    ActionAskServiceGuess,
    ActionAskServiceReopen,
]
# What bot/in_process_actions.py runs inside Rasa (it imports Rasa, which this environment has not):
# the action's name and the slots it sets from the text, the intent and the slots.
IN_RASA_PROCESS: dict[str, Any] = {
    "action_detect_language": lambda text, intent, slots: language_slots(text, intent, slots.get),
}


# Measured with this script at fa99b48, before the changes that followed it: per turn (backend cold,
# backend warm, Rasa -> action server).
BEFORE: dict[str, list[tuple[int, int, int]]] = {
    "certificate income": [(1, 1, 3), (5, 5, 3), *[(2, 1, 3)] * 9],
    "certificate trade_licence": [(1, 1, 3), (5, 5, 3), *[(2, 1, 3)] * 8],
    "certificate desludging": [(0, 0, 2), *[(1, 1, 2)] * 8, (3, 3, 2), (4, 4, 2), (5, 5, 3), (4, 4, 3)],
    "certificate grievance": [(0, 0, 2), (1, 1, 2), (0, 0, 2), (2, 2, 3)],
}


class CountingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner, self.paths = inner, Counter[str]()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths[f"{request.method} {request.url.path}"] += 1
        return await self.inner.handle_async_request(request)


def load_domain() -> dict[str, Any]:
    """The merged domain, as far as these counts need it: slots, forms, actions."""
    domain: dict[str, Any] = {"slots": {}, "forms": {}, "actions": []}
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text()) or {}
        domain["slots"].update(part.get("slots") or {})
        domain["forms"].update(part.get("forms") or {})
        domain["actions"] += part.get("actions") or []
    return domain


def per_message_actions(domain: dict[str, Any]) -> list[str]:
    """Actions Rasa runs on every message: the custom mappings' actions (action_extract_slots)."""
    return sorted({m["action"] for slot in domain["slots"].values() for m in slot.get("mappings") or [] if m.get("action")})


def app_and_client(directory: Path) -> tuple[Any, CountingTransport, BackendClient]:
    url = f"sqlite:///{directory / 'sathi.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        actions_token=TOKEN,
        turn_secret=SECRET,
        run_migrations_on_start=False,
        outbox_worker_in_process=False,
        sweep_in_process=False,
        media_dir=str(directory / "media"),
    )
    with get_session_factory(url)() as session:
        people.seed(session, masterdata_dir=settings.masterdata_dir, now=datetime.now(UTC))
    app = create_app(settings)
    app.dependency_overrides[get_settings] = lambda: settings
    transport = CountingTransport(httpx.ASGITransport(app=app))
    return app, transport, BackendClient(base_url="http://backend", token=TOKEN, transport=transport)


def _made(action: type[Action], client: BackendClient) -> Action:
    try:
        return action(client=client)  # type: ignore[call-arg]
    except TypeError:  # an action that needs no backend
        return action()


class Conversation:
    """The slots and events of one conversation, advanced a message at a time as Rasa would."""

    def __init__(self, domain: dict[str, Any], client: BackendClient, form: str) -> None:
        self.domain, self.client = domain, client
        self.loop, validator, self.submit = FORMS[form]
        self.validator = validator(client=client)
        self.actions = {made.name(): made for made in (_made(a, client) for a in ACTIONS)}
        self.slots: dict[str, Any] = {"language": "en", "validation_failures": 0}
        self.events: list[dict] = [{"event": "user", "input_channel": "twilio_whatsapp", "timestamp": 1.0}]
        self.active = False
        self.in_rasa = 0  # per-message actions run inside Rasa, without a request

    def _tracker(self, text: str, intent: str) -> Tracker:
        latest = {"text": text, "intent": {"name": intent}, "entities": [], "metadata": {}}
        return Tracker(
            PHONE,
            dict(self.slots),
            latest,
            self.events,
            False,
            None,
            {"name": self.loop} if self.active else {},
            "action_listen",
        )

    async def _run(self, name: str, text: str, intent: str) -> list[dict]:
        events = await self.actions[name].run(CollectingDispatcher(), self._tracker(text, intent), self.domain)
        self._apply(events)
        return events

    def _apply(self, events: list[dict]) -> None:
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]

    def _from_intent(self, intent: str) -> list[tuple[str, Any]]:
        """The slots the intent fills by a from_intent mapping (request_desludging: the service)."""
        return [
            (slot, mapping["value"])
            for slot, spec in self.domain["slots"].items()
            for mapping in spec.get("mappings", [])
            if mapping.get("type") == "from_intent" and mapping.get("intent") == intent
        ]

    async def say(self, text: str, intent: str) -> int:
        """One message; the number of requests Rasa makes to the action server for it."""
        calls = 0
        for name in per_message_actions(self.domain):
            if name in IN_RASA_PROCESS:
                self.in_rasa += 1
                self.slots.update(IN_RASA_PROCESS[name](text, intent, self.slots))
                continue
            calls += 1
            await self._run(name, text, intent)
        self.events.append({"event": "user", "input_channel": "twilio_whatsapp", "text": text})
        requested = self.slots.get("requested_slot")
        # The form's from_text mapping fills the slot asked; the validation sees it as a candidate
        # (a slot event after the message). The first message only opens the form.
        candidates = [{"event": "slot", "name": requested, "value": text}] if self.active and requested else []
        candidates += [{"event": "slot", "name": slot, "value": value} for slot, value in self._from_intent(intent)]
        self.active = True
        calls += 1  # validate_<form>
        validating = self._tracker(text, intent)
        validating.events = [*self.events, *candidates]
        validating.slots.update({e["name"]: e["value"] for e in candidates})
        validation = await self.validator.run(CollectingDispatcher(), validating, self.domain)
        self._apply(candidates)
        self._apply(validation)
        asked = [e["value"] for e in validation if e.get("event") == "slot" and e["name"] == "requested_slot"]
        listed = self.domain["forms"][self.loop]["required_slots"]  # when the validation leaves it to Rasa
        following = asked[-1] if asked else next((s for s in listed if self.slots.get(s) is None), None)
        self.slots["requested_slot"] = following
        if following is None:  # the form is done: the rule files it
            self.active = False
            calls += 1
            await self._run(self.submit, text, intent)
        elif f"action_ask_{following}" in self.domain["actions"]:
            calls += 1
            await self._run(f"action_ask_{following}", text, intent)
        return calls


async def measure(cold: bool) -> list[tuple[str, int, str, int, int, int, Counter[str]]]:
    domain = load_domain()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        _, transport, client = app_and_client(Path(folder))
        for journey, messages in JOURNEYS.items():
            form = journey.split()[0]
            certificate._definitions.clear()
            conversation = Conversation(domain, client, form)
            for turn, (text, intent) in enumerate(messages, start=1):
                if cold:
                    certificate._definitions.clear()
                # A fresh grant each message, as the channel gets for each.
                CURRENT_TURN.set(turn_grants.issue(secret=SECRET, phone=PHONE, agent_id=None, now=datetime.now(UTC), minutes=5))
                transport.paths.clear()
                in_rasa = conversation.in_rasa
                rasa_calls = await conversation.say(text, intent)
                in_rasa = conversation.in_rasa - in_rasa
                rows.append((journey, turn, text, sum(transport.paths.values()), rasa_calls, in_rasa, transport.paths.copy()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paths", action="store_true", help="list the backend routes called in each turn")
    args = parser.parse_args()
    cold, warm = asyncio.run(measure(cold=True)), asyncio.run(measure(cold=False))
    print(
        "backend: the action server's requests to the backend (cold: no definition cached); rasa: Rasa's to the action server; "
        "in: slot mappings' actions run inside Rasa instead"
    )
    print(f"{'form':<26} {'turn':>4}  {'message':<30} {'before: cold warm rasa':>22} {'now: cold warm rasa in':>23}")
    totals: Counter[str] = Counter()
    for (journey, turn, text, cold_calls, rasa, in_rasa, paths), (*_, warm_calls, _rasa, _in, _paths) in zip(
        cold, warm, strict=True
    ):
        then = BEFORE[journey][turn - 1] if turn <= len(BEFORE.get(journey, [])) else None
        was = " ".join(f"{n:>4}" for n in then) if then else "-"
        print(f"{journey:<26} {turn:>4}  {text[:30]:<30} {was:>22} {cold_calls:>9} {warm_calls:>4} {rasa:>4} {in_rasa:>2}")
        if args.paths:
            for path, count in sorted(paths.items()):
                print(f"{'':<34}{count} x {path}")
        totals.update(turns=1, cold=cold_calls, warm=warm_calls, rasa=rasa, in_rasa=in_rasa)
        totals["max"] = max(totals["max"], cold_calls)
        if then:
            totals.update(cold_before=then[0], warm_before=then[1], rasa_before=then[2])
            totals["max_before"] = max(totals["max_before"], then[0])
    print(
        f"{totals['turns']} turns, before -> now: backend {totals['cold_before']} -> {totals['cold']} cold, "
        f"{totals['warm_before']} -> {totals['warm']} warm, at most {totals['max_before']} -> {totals['max']} in a turn; "
        f"Rasa -> action server {totals['rasa_before']} -> {totals['rasa']} "
        f"({totals['rasa_before'] / totals['turns']:.2f} -> {totals['rasa'] / totals['turns']:.2f} a message; "
        f"{totals['in_rasa']} run inside Rasa instead)"
    )


if __name__ == "__main__":
    main()

"""Runs Rasa's action_extract_slots on single messages; run in .venv-rasa, since the tests' .venv has no Rasa:

    .venv-rasa/bin/python -m tests.bot.extract_slots CASES.json EVENTS.json

Each case is {"text", "intent", "slots", "install"}: the message, its intent, the slots before it, and
whether bot/in_process_actions.py is installed. There is no action server (no endpoint at all), so
an action Rasa would call remotely sets nothing. Writes, per case, the [slot, value] pairs set."""
import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


async def extract(cases: list[dict]) -> list[list]:
    from rasa.core.actions import action
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot import in_process_actions

    domain = Domain.load(str(ROOT / "bot" / "domain"))
    remote = action.ActionExtractSlots._run_custom_action
    results = []
    for case in cases:
        action.ActionExtractSlots._run_custom_action = remote
        if case["install"]:
            in_process_actions.install()
        intent = {"name": case["intent"], "confidence": 1.0}
        message = UserUttered(case["text"], intent, [], {"intent": intent, "entities": [], "text": case["text"]})
        events = [SlotSet(name, value) for name, value in case["slots"].items()] + [message]
        tracker = DialogueStateTracker.from_events("+919800000001", events, slots=domain.slots)
        extracted = await action.ActionExtractSlots(None).run(CollectingOutputChannel(), None, tracker, domain)
        results.append([[event.key, event.value] for event in extracted if isinstance(event, SlotSet)])
    return results


if __name__ == "__main__":
    cases, out = sys.argv[1:3]
    found = asyncio.run(extract(json.loads(Path(cases).read_text(encoding="utf-8"))))
    Path(out).write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")

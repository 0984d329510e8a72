"""Language detection runs inside Rasa's action_extract_slots (bot/in_process_actions.py), with no
action server to call, and applies the same rule as before (locales.detect.language_slots)."""
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def extract(tmp_path: Path, cases: list[dict]) -> list[list]:
    given, found = tmp_path / "cases.json", tmp_path / "out.json"
    given.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), "-m", "tests.bot.extract_slots", str(given), str(found)],
        cwd=ROOT, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(found.read_text(encoding="utf-8"))


def case(text: str, intent: str = "inform", install: bool = True, **slots) -> dict:
    return {"text": text, "intent": intent, "slots": slots, "install": install}


def test_detection_runs_in_the_rasa_process(tmp_path):
    assert extract(tmp_path, [
        case("ମୋ ଅଭିଯୋଗର ସ୍ଥିତି କଣ"),
        case("septic tank saaf karwana hai"),
        case("ok", language="hi"),
        case('/give_feedback{"reference":"GRV-2026-000001","solved":"no"}', "give_feedback", language="hi"),
        case("मेरी शिकायत का क्या हुआ", "check_status", language="or", language_chosen=True),
        case("मेरी शिकायत का क्या हुआ", "change_language", language="or"),
        # Not installed, Rasa would ask the action server, which (here, as now) does not run it.
        case("ମୋ ଅଭିଯୋଗର ସ୍ଥିତି କଣ", install=False),
    ]) == [
        [["language", "or"]],
        [["language", "hi"], ["reply_in_latin_script", True]],
        [],
        [],
        [],
        [],
        [],
    ]

"""The trained model (scripts/train.sh trains only when the data changed) and a parser for it, which
runs in .venv-rasa because the tests' .venv has no Rasa."""
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def nlu_model() -> Path:
    result = subprocess.run(["bash", "scripts/train.sh"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return ROOT / result.stdout.strip()


@pytest.fixture(scope="session")
def parse_all(nlu_model: Path, tmp_path_factory) -> Callable[[list[str]], dict[str, dict]]:
    """texts -> {text: {"intent": name, "ranking": {intent: confidence}}}, one model load per call."""
    folder = tmp_path_factory.mktemp("parses")

    def parse(texts: list[str]) -> dict[str, dict]:
        sentences, parses = folder / "sentences.json", folder / "parses.json"
        sentences.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        result = subprocess.run(
            [str(ROOT / ".venv-rasa/bin/python"), "-m", "tests.nlu.model_parse", str(nlu_model), str(sentences), str(parses)],
            cwd=ROOT, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"},
            capture_output=True, text=True, check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return dict(zip(texts, json.loads(parses.read_text(encoding="utf-8"))))

    return parse

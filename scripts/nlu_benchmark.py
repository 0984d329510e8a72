"""Intent accuracy, macro-F1 and language-detection accuracy on the held-out set, per form of
writing (en, hi, hi-latn, or, or-latn). Prints figures; asserts nothing.

    .venv-rasa/bin/python -m scripts.nlu_benchmark [--model models/x.tar.gz] [--config other.yml]

With --config it first trains that pipeline on data/ into a temporary folder, so candidate
pipelines are compared on the same held-out sentences (tests/nlu/heldout/<form>.yml, none of
which appears in data/; tests/test_nlu_data.py checks that).
"""
import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELDOUT_DIR = ROOT / "tests" / "nlu" / "heldout"
TARGET_OVERALL, TARGET_GROUP, TARGET_DETECTION = 0.95, 0.90, 0.97


def heldout() -> dict[str, list[tuple[str, str]]]:
    """form -> [(intent, text)]"""
    from locales.detect import nlu_examples

    return {path.stem: nlu_examples(path) for path in sorted(HELDOUT_DIR.glob("*.yml"))}


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    labels = {t for t, _ in pairs} | {p for _, p in pairs}
    scores = []
    for label in labels:
        tp = sum(1 for t, p in pairs if t == label and p == label)
        fp = sum(1 for t, p in pairs if t != label and p == label)
        fn = sum(1 for t, p in pairs if t == label and p != label)
        if tp + fp + fn == 0:
            continue
        scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


def train(config: Path, out_dir: Path) -> Path:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    start = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv-rasa/bin/rasa"), "train", "nlu", "--config", str(config), "--nlu", str(ROOT / "data"),
         "--domain", str(ROOT / "bot/domain"), "--out", str(out_dir), "--fixed-model-name", "candidate"],
        check=True, env=env, stdout=subprocess.DEVNULL,
    )
    print(f"trained {config.name} in {time.perf_counter() - start:.0f} s")
    return out_dir / "candidate.tar.gz"


async def predict(model: Path, texts: list[str]) -> tuple[list[str], float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    start = time.perf_counter()
    intents = [(await agent.parse_message(text))["intent"]["name"] for text in texts]
    return intents, (time.perf_counter() - start) / max(len(texts), 1)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from locales.detect import FORM_LANGUAGE, detect

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path)
    parser.add_argument("--config", type=Path)
    parser.add_argument("--errors", action="store_true", help="list every misclassified sentence")
    args = parser.parse_args()

    sets = heldout()
    rows = [(form, intent, text) for form, items in sets.items() for intent, text in items]
    with tempfile.TemporaryDirectory() as tmp:
        if args.config:
            model = train(args.config, Path(tmp))
        else:
            model = args.model or Path(subprocess.check_output(["bash", str(ROOT / "scripts/train.sh")], text=True).strip())
            model = model if model.is_absolute() else ROOT / model
        predicted, seconds_per_parse = asyncio.run(predict(model, [text for _, _, text in rows]))

    by_form: dict[str, list[tuple[str, str]]] = defaultdict(list)
    detection_hits: Counter = Counter()
    detection_total: Counter = Counter()
    decisive: Counter = Counter()
    wrong_switches: Counter = Counter()
    errors = []
    for (form, intent, text), guess in zip(rows, predicted):
        by_form[form].append((intent, guess))
        if intent != guess:
            errors.append((form, intent, guess, text))
        found = detect(text)
        if found.form is None:  # digits or a bare reference number: no language to detect
            continue
        detection_total[form] += 1
        detection_hits[form] += found.language == FORM_LANGUAGE[form]
        decisive[form] += found.decisive  # would switch a conversation that is in another language
        wrong_switches[form] += found.decisive and found.language != FORM_LANGUAGE[form]

    everything = [pair for pairs in by_form.values() for pair in pairs]
    print(f"model {model.name}; {len(rows)} held-out sentences; {seconds_per_parse * 1000:.1f} ms per parse")
    header = f"{'form':10} {'n':>4} {'accuracy':>9} {'macro-F1':>9} {'lang-detect':>12} {'decisive':>9} {'wrong-switch':>13}"
    print(header)
    for form, pairs in sorted(by_form.items()) + [("overall", everything)]:
        keys = [form] if form != "overall" else list(by_form)
        accuracy = sum(t == p for t, p in pairs) / len(pairs)
        counted = max(sum(detection_total[k] for k in keys), 1)
        detection = sum(detection_hits[k] for k in keys) / counted
        switching = sum(decisive[k] for k in keys) / counted
        wrong = sum(wrong_switches[k] for k in keys)
        print(f"{form:10} {len(pairs):>4} {accuracy:>9.3f} {macro_f1(pairs):>9.3f} {detection:>12.3f} {switching:>9.3f} {wrong:>13}")
    print(f"targets: accuracy >= {TARGET_OVERALL} overall and >= {TARGET_GROUP} per form; detection >= {TARGET_DETECTION}")
    confusions = Counter((t, p) for _, t, p, _ in errors)
    print("most confused (true -> predicted):", ", ".join(f"{t}->{p} x{n}" for (t, p), n in confusions.most_common(8)))
    if args.errors:
        for form, intent, guess, text in errors:
            print(f"  [{form}] {intent} -> {guess}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

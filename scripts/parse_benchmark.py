"""How long one message takes to parse as it grows: 1k, 10k and 100k characters, in one word and
in words, in Devanagari, Odia and Latin letters. Prints figures; asserts nothing.

    .venv-rasa/bin/python -m scripts.parse_benchmark [--model models/x.tar.gz] [--regexes-only]
        [--entities other/entities.yml] [--sizes 1000 10000]

"model" is the trained model's NLU as Rasa runs it for each message (newest model in models/ unless
given); "regexes" is the patterns of data/nlu/entities.yml alone, run over the same text as the
regex featurizer and extractor run them (so the patterns' own cost shows even where the pipeline
sets a long message aside before reading it). --regexes-only needs no Rasa (runs in .venv too).
"""
import argparse
import asyncio
import logging
import re
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000)
WORDS = {"Devanagari": "शिकायत", "Odia": "ଅଭିଯୋଗ", "Latin": "shikayat"}


def texts(size: int) -> dict[str, str]:
    """One word of `size` characters, and words of the same total length, per script."""
    out = {}
    for script, word in WORDS.items():
        out[f"{script}, one word"] = (word * (size // len(word) + 1))[:size]
        out[f"{script}, words"] = ((word + " ") * (size // (len(word) + 1) + 1))[:size]
    return out


def entity_patterns(path: Path) -> list[re.Pattern]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    patterns = []
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                patterns.append(re.compile(line.strip()[2:]))
    return patterns


def time_regexes(patterns: list[re.Pattern], text: str) -> float:
    start = time.perf_counter()
    for pattern in patterns:
        for _ in pattern.finditer(text):
            pass
    return time.perf_counter() - start


async def time_model(agent, text: str) -> tuple[float, str]:  # noqa: ANN001
    start = time.perf_counter()
    result = await agent.parse_message(text)
    return time.perf_counter() - start, result["intent"]["name"]


def newest_model() -> Path:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("no model in models/: run `bash scripts/train.sh` first")
    return models[-1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--regexes-only", action="store_true")
    parser.add_argument("--entities", type=Path, default=ROOT / "data" / "nlu" / "entities.yml")
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES, help="an old model's patterns take minutes at 100k")
    args = parser.parse_args()
    patterns = entity_patterns(args.entities)
    agent = None
    if not args.regexes_only:
        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)  # its debug log would print each text whole

        model = args.model or newest_model()
        agent = Agent.load(str(model))
        await agent.parse_message("hello")  # the first parse warms caches
        print(f"model {model.name}")
    print(f"{'text':<22}{'chars':>9}{'regexes':>12}" + (f"{'model':>12}  intent" if agent else ""))
    for size in args.sizes:
        for name, text in texts(size).items():
            line = f"{name:<22}{size:>9,}{time_regexes(patterns, text) * 1000:>10.1f}ms"
            if agent:
                seconds, intent = await time_model(agent, text)
                line += f"{seconds * 1000:>10.1f}ms  {intent}"
            print(line, flush=True)


if __name__ == "__main__":
    asyncio.run(main())

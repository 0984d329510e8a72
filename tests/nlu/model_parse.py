"""Parses sentences with a trained model; run in .venv-rasa, since the tests' .venv has no Rasa:

    .venv-rasa/bin/python -m tests.nlu.model_parse MODEL SENTENCES.json PARSES.json

Reads a JSON list of texts, writes a JSON list of {"intent": name, "ranking": {intent: confidence}}
(to a file: Rasa and TensorFlow print to stdout)."""
import asyncio
import json
import sys
from pathlib import Path


async def parse(model: str, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    parses = []
    for text in texts:
        result = await agent.parse_message(text)
        ranking = {row["name"]: row["confidence"] for row in result.get("intent_ranking", [])}
        parses.append({"intent": result["intent"]["name"], "ranking": ranking})
    return parses


if __name__ == "__main__":
    model, sentences, parses = sys.argv[1:4]
    texts = json.loads(Path(sentences).read_text(encoding="utf-8"))
    Path(parses).write_text(json.dumps(asyncio.run(parse(model, texts)), ensure_ascii=False), encoding="utf-8")

#!/usr/bin/env bash
# Trains the Rasa model only when config, domain or training data changed: the model's file name
# carries a hash of those inputs, so an existing file means it is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
export PYTHONPATH=$PWD  # custom NLU components live in bot/
.venv/bin/python -m scripts.catalog_nlu  # data/nlu/catalog.yml: how citizens ask for each catalog service
hash=$(cat config.yml bot/message_guard.py bot/cross_script_tokenizer.py locales/script.py $(find bot/domain data -name '*.yml' | LC_ALL=C sort) | sha256sum | cut -c1-16)
model="models/sathi-$hash.tar.gz"
if [[ -f $model ]]; then echo "$model"; exit 0; fi
echo "==> training $model" >&2
start=$(date +%s)
.venv-rasa/bin/rasa train --config config.yml --domain bot/domain --data data \
  --out models --fixed-model-name "sathi-$hash" >&2
echo "==> trained in $(( $(date +%s) - start )) s" >&2
echo "$model"

#!/usr/bin/env bash
# The whole suite. Backend tests need the local PostgreSQL; if it is not there we say so and fail.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
pg=${SATHI_TEST_POSTGRES:-postgresql://postgres@127.0.0.1:5432/test}
if ! .venv/bin/python -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=5).close()" "$pg" 2>/dev/null; then
  echo "PostgreSQL is not reachable at $pg: start it (README, 'Running the tests') or set SATHI_TEST_POSTGRES." >&2
  exit 1
fi
# Rasa's own checks: the training data, then the test stories in every form of writing against
# the trained model (make test trains it first). Then pytest; exit 5 (no tests ran) is a failure.
# Rasa still prints "utterance not used in any story" for the forms' utter_ask_* questions, which
# forms ask by themselves; those warnings do not fail validation.
export PYTHONPATH=$PWD
# Habits first, they take seconds: ruff's lint and format (ruff.toml), then mypy's types (mypy.ini).
.venv/bin/ruff check --quiet . || { echo "ruff check failed (fix, or 'ruff check --fix')" >&2; exit 1; }
.venv/bin/ruff format --check --quiet . || { echo "ruff format: files above are not formatted (run 'ruff format')" >&2; exit 1; }
types=$(.venv/bin/mypy 2>&1) || { echo "$types" >&2; echo "mypy: type errors above (mypy.ini; run '.venv/bin/mypy')" >&2; exit 1; }
echo "==> ruff check, ruff format --check, mypy: clean"
log=$(mktemp -d)
.venv/bin/python -m scripts.catalog_nlu  # the catalog's services in the training data (scripts/train.sh does it too)
.venv-rasa/bin/rasa data validate --fail-on-warnings --config config.yml --domain bot/domain --data data \
  >"$log/validate.log" 2>&1 || { cat "$log/validate.log" >&2; echo "rasa data validate failed" >&2; exit 1; }
echo "==> rasa data validate --fail-on-warnings: passed"
model=$(bash scripts/train.sh)
.venv-rasa/bin/rasa test core --model "$model" --stories tests/stories --fail-on-prediction-errors \
  --out "$log/results" >"$log/stories.log" 2>&1 \
  || { tail -60 "$log/stories.log" >&2; cat "$log/results/failed_test_stories.yml" >&2 2>/dev/null; \
       echo "rasa test: test stories failed" >&2; exit 1; }
echo "==> rasa test core --fail-on-prediction-errors: $(grep -c '^- story:' tests/stories/*.yml | awk -F: '{s+=$NF} END {print s}') test stories passed"
rm -rf "$log"
status=0
# One worker per core (pytest-xdist), a test file to a worker: the e2e files share their worker's
# stack. SATHI_TEST_WORKERS=0 runs everything in this process.
workers=${SATHI_TEST_WORKERS:-$(nproc)}
.venv/bin/python -m pytest -n "$workers" --dist loadfile "$@" || status=$?
if [[ $status -eq 5 ]]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit $status

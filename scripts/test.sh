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
# Rasa's own checks of the training data, then pytest. Exit 5 (no tests ran) is a failure too.
# (Not --fail-on-warnings yet: Rasa warns that utter_* have no domain responses, because their
# words come from locales/ through bot/locale_nlg.py.)
log=$(mktemp)
PYTHONPATH=$PWD .venv-rasa/bin/rasa data validate --config config.yml --domain bot/domain --data data >"$log" 2>&1 \
  || { cat "$log" >&2; echo "rasa data validate failed" >&2; exit 1; }
rm -f "$log"
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [[ $status -eq 5 ]]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit $status

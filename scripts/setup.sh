#!/usr/bin/env bash
# Creates the two virtual environments from the lock files, once per lock-file change.
#   .venv       backend, action server, tests (requirements/main.lock)
#   .venv-rasa  Rasa Open Source 3.6.21, which declares Python <3.11 and pins SQLAlchemy 1.4 and
#               pydantic 1, so it gets its own environment, installed with --no-deps from
#               requirements/rasa.lock (see ../shared/rasa-on-python-3.11.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3

# The console's browser tests (tests/console) drive Debian's Chromium; Playwright never downloads
# one (the tests fail, not skip, without it).
install_chromium() {
  [[ -x /usr/bin/chromium ]] && return
  echo "==> installing Debian's chromium and chromium-driver (browser tests of the console)"
  local sudo=""
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || { echo "setup.sh: /usr/bin/chromium is missing and neither root nor sudo can install it: run 'apt-get install -y --no-install-recommends chromium chromium-driver' as root" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get install -y --no-install-recommends chromium chromium-driver \
    || { $sudo apt-get update && $sudo apt-get install -y --no-install-recommends chromium chromium-driver; } \
    || { echo "setup.sh: could not install chromium and chromium-driver (see above)" >&2; exit 1; }
  [[ -x /usr/bin/chromium ]] || { echo "setup.sh: chromium installed but /usr/bin/chromium is missing" >&2; exit 1; }
}

make_env() {  # name lockfile extra-pip-flags
  local env=$1 lock=$2 flags=$3
  local stamp="$env/.lock.sha256"
  local want; want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then return; fi
  echo "==> installing $env from $lock (first time takes a few minutes)"
  rm -rf "$env"
  "$PYTHON" -m venv "$env"
  "$env/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0" 2>/dev/null
  # The machine's pip.conf may name local indexes that do not exist; their warnings are noise.
  # shellcheck disable=SC2086
  "$env/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps $flags -r "$lock" \
    2> >(grep -v "^WARNING: Location 'file:" >&2)
  echo "$want" > "$stamp"
}

install_chromium
make_env .venv requirements/main.lock ""
make_env .venv-rasa requirements/rasa.lock "--ignore-requires-python"

# Sathi: `make run` starts everything on the embedded default; `make test` runs the whole suite.
SHELL := /bin/bash
export RASA_TELEMETRY_ENABLED := false

.PHONY: run test setup train phone clean

setup:
	@scripts/setup.sh

train: setup
	@scripts/train.sh >/dev/null

run: setup  # scripts.stack trains first when the data changed
	@.venv/bin/python -m scripts.stack

phone: setup  # the phone simulator, against a running `make run`; CHANNEL=sms|voice NUMBER=+91...
	@.venv/bin/python -m scripts.phone --channel $${CHANNEL:-whatsapp} --number $${NUMBER:-+919876543210}

test: setup train
	@scripts/test.sh

clean:
	rm -rf .venv .venv-rasa models var

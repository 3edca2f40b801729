# BeaconLake: `make up` runs the whole stack on ./data with demo data; `make test` runs every test.
# Both install what they need: uv (bootstrapped with pip), Python deps, npm deps, Chromium.

SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1
# Some machines set PYTHONDONTWRITEBYTECODE: every test subprocess would recompile pandas & co.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: up test install python-deps sdk browser lint test-python test-js test-soak soak

up: install
	.venv/bin/beaconlake up

test: install browser lint test-python test-js test-soak

install: python-deps sdk

python-deps:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --compile-bytecode

sdk:
	@if [ -f sdk/js/package.json ]; then cd sdk/js && npm ci --no-audit --no-fund && npm run build; fi

browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

lint:
	.venv/bin/ruff check .

test-python:
	.venv/bin/pytest -n 3 --dist loadfile --no-loadscope-reorder -m "not soak" --durations=25

# Issue 8's load test (tests/robustness/test_soak.py), last and alone: it measures the
# collector's peak and then holds 80% of it, which only means something when no other test
# competes for the cores. `make soak` runs just this (after installing).
test-soak:
	.venv/bin/pytest -m soak -s

soak: install test-soak

test-js:
	@if [ -f sdk/js/package.json ]; then cd sdk/js && npm test; fi

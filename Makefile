# Convene — the two commands a new user needs:
#   make run    set everything up, seed the demo academy, serve on 127.0.0.1:$(PORT)
#   make test   set everything up and run the whole test suite
PORT ?= 8000
# The address people reach the site at: links printed by `demo` and `links` (join links) start with it.
SITE_URL ?= http://127.0.0.1:$(PORT)
export SITE_URL
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check test-any-hour adapters-latest setup wire services browser migrate demo links bench clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

# The media forwarding path's C module (optional: without a compiler it warns).
wire: $(STAMP)
	$(BIN)/python signaling/media/wire_build.py

setup: $(STAMP) wire

migrate: setup
	$(BIN)/python manage.py migrate --noinput -v0

demo: migrate
	$(BIN)/python manage.py demo --base-url $(SITE_URL)

# More personal join links for the demo academy, for the address `make run PORT=…` serves on.
links: migrate
	SITE_URL=$(SITE_URL) $(BIN)/python manage.py join_links statewide-leadership-academy

run: demo
	@echo "Convene is starting on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	PORT=$(PORT) SITE_URL=$(SITE_URL) $(BIN)/daphne -b 127.0.0.1 -p $(PORT) config.asgi:application

# Real services the suite talks to: Redis (and Chromium for browser tests).
services:
	@bash .ci/services.sh

# Browser-test tooling (axe-core), pinned in frontend/package-lock.json.
frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	npm ci --prefix frontend --no-audit --no-fund
	touch $@

# The gates (configured in pyproject.toml), before any test runs: lint, the typed core, and the
# layering contracts (docs/architecture.md). A few seconds.
check: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	PYTHONPATH=.:platform $(BIN)/lint-imports

test: check services frontend/node_modules/.installed
	$(BIN)/python -m pytest

# The browser and time-sensitive tests under faketime at 22:00, 07:00, 12:00 Pacific and
# across midnight UTC (about half an hour; not part of `make test`).
test-any-hour: setup services frontend/node_modules/.installed
	bash .ci/any_hour.sh

# Try the newest aiortc, aioice, pylibsrtp, daphne, Twisted and autobahn against Convene's adapters to
# their internals (signaling/adapters.py) in a throwaway venv: one command to evaluate an upgrade.
# Not part of `make test` (it needs the package index and a few minutes).
adapters-latest: services
	bash .ci/adapters_latest.sh

bench: setup
	$(BIN)/python bench/breakout_plan.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .hypothesis signaling/media/_wire*.so

# LeadRelay: `make run` serves the demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PG_BIN := /usr/lib/postgresql/15/bin

.PHONY: run serve test install install-dev system-deps lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi demo
	@echo "LeadRelay on http://$(HOST):$(PORT)  (Ctrl-C stops it)"
	$(BIN)/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

# Production-style serving: migrations, then gunicorn with gunicorn.conf.py (workers,
# threads and bind from the environment; see README "Running in production").
serve: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

# What the tests need from Debian: Chromium for the browser tests, PostgreSQL for
# the second database, redis-server for the shared rate-limit test, wrk for the load
# benchmark. Installed once; quick when already there.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x $(PG_BIN)/pg_ctl ] || [ ! -x /usr/bin/redis-server ] || [ ! -x /usr/bin/wrk ]; then \
		echo "Installing chromium, postgresql, redis-server and wrk from Debian..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql redis-server wrk >/dev/null; \
	fi

test: install-dev system-deps
	$(BIN)/ruff check app tests bench wsgi.py
	$(BIN)/vulture
	$(BIN)/pytest -q -n auto --dist loadfile

# ruff, dead code (vulture, whitelist in vulture_whitelist.py), the layer contracts
# (import-linter, in pyproject.toml: views -> services -> models, routing stands alone).
lint: install-dev
	$(BIN)/ruff check app tests bench wsgi.py
	$(BIN)/ruff format --check app tests bench wsgi.py
	$(BIN)/vulture
	$(BIN)/lint-imports

bench: install-dev system-deps
	@command -v wrk >/dev/null || { echo "Installing wrk from Debian..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/routing.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/recycling.py
	$(BIN)/python bench/load.py
	bash bench/lighthouse.sh

clean:
	rm -rf $(VENV) instance .pytest_cache

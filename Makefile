# Developer entry points. Needs only Python 3.11 (with venv) and make.
#
#   make run            set up .venv, migrate, load the demo data and serve on http://127.0.0.1:8000
#   make test           run the test suite (PostgreSQL when DATABASE_URL is set, else SQLite)
#   make test ARGS="-k rules -x"
#   make lint / fmt     ruff checks / ruff formatting
#   make bench          benchmark suite on a generated 10,000-patient population (PostgreSQL, wrk)
#   make screenshots    refresh the README's screenshots (docs/screenshots) from the demo data, in Chromium
#   make clean          remove caches, collected static files and the virtual environment

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
ARGS ?=

.PHONY: help venv run test lint fmt clean bench screenshots

help:
	@echo "make run    - set up .venv, migrate, load demo data, serve on http://127.0.0.1:8000"
	@echo "make test   - run pytest (PostgreSQL if DATABASE_URL is set, else SQLite); extra args: ARGS=\"...\""
	@echo "make lint   - ruff check and ruff format --check"
	@echo "make fmt    - ruff check --fix, then ruff format"
	@echo "make clean  - remove .venv, caches and collected static files"
	@echo "make bench  - benchmarks at 10,000 patients on PostgreSQL; writes docs/benchmarks.md; args: ARGS=\"...\""
	@echo "make screenshots - refresh docs/screenshots from the demo data (needs /usr/bin/chromium)"

venv:
	@VENV=$(VENV) bash scripts/bootstrap-venv.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh $(ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

bench:
	bash benchmarks/bench.sh $(ARGS)

screenshots:
	bash scripts/screenshots.sh

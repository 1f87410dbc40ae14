# Developer entry points. Needs only Python 3.11 (with venv) and make.
#
#   make run            set up .venv, migrate, load the demo data and serve on http://127.0.0.1:8000
#   make test           run the test suite (PostgreSQL when DATABASE_URL is set, else SQLite)
#   make test ARGS="-k rules -x"
#   make lint / fmt     ruff checks / ruff formatting
#   make clean          remove caches, collected static files and the virtual environment

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
ARGS ?=

.PHONY: help venv run test lint fmt clean

help:
	@echo "make run    - set up .venv, migrate, load demo data, serve on http://127.0.0.1:8000"
	@echo "make test   - run pytest (PostgreSQL if DATABASE_URL is set, else SQLite); extra args: ARGS=\"...\""
	@echo "make lint   - ruff check and ruff format --check"
	@echo "make fmt    - ruff check --fix, then ruff format"
	@echo "make clean  - remove .venv, caches and collected static files"

venv:
	@VENV=$(VENV) bash scripts/bootstrap-venv.sh

run: venv
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# Tests run with DEBUG off, as in production, so they need a SECRET_KEY (a throwaway one unless
# set) and the collected static files that the manifest storage looks names up in.
test: export SECRET_KEY ?= $(shell python3 -c 'import secrets; print("test-" + secrets.token_urlsafe(40))')
test: venv
	@if [ -n "$$DATABASE_URL" ]; then echo "Database: DATABASE_URL (PostgreSQL)"; else echo "Database: SQLite (DATABASE_URL not set)"; fi
	@$(PY) manage.py collectstatic --noinput --verbosity 0
	@status=0; $(VENV)/bin/pytest $(ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "ERROR: pytest collected no tests (exit code 5)." >&2; exit 1; fi; \
	exit $$status

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

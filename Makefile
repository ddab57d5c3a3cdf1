# Two commands do all set-up on a fresh machine with only python3:
#   make run   - virtualenv, install, migrate, load the demo campaign, serve on :8000
#   make test  - virtualenv, install with test extras, run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The suite runs in this many processes (pytest-xdist); 0 runs it in this one.
PYTEST_WORKERS ?= 2

.PHONY: run test lint bench clean messages migrations-freeze

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/portal init
	$(BIN)/portal demo
	$(BIN)/portal serve --host 127.0.0.1 --port 8000

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

bench: $(TEST_STAMP)
	$(BIN)/python -m bench.all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) data

# Extract every UI string and merge it into both catalogs (then translate the new ones).
messages: $(TEST_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k lazy_gettext \
		--no-location --sort-output -o portal/locale/messages.pot .
	for lang in zh_CN en; do \
		if [ -f portal/locale/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching -i portal/locale/messages.pot -d portal/locale -l $$lang; \
		else \
			$(BIN)/pybabel init -i portal/locale/messages.pot -d portal/locale -l $$lang; \
		fi; \
	done

# Released migrations are history (never edited, never regenerated): list a new migration
# file in portal/migrations/released.sha256, which tests/test_migration_history.py checks.
migrations-freeze: $(TEST_STAMP)
	$(BIN)/python -m portal.migration_manifest

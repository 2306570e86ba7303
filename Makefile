# Two entry points (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PG_URL ?= postgresql://postgres@127.0.0.1:5432/booking_test
# How far `make test-faketime` moves the machine's clock (libfaketime's syntax).
FAKETIME_OFFSET ?= +400d

.PHONY: run test test-sqlite test-postgres test-faketime bench bench-lists clean

# What the app needs (make run); the test tools come on top of it (make test).
$(BIN)/.installed-app: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed-app
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/.installed-app
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app seed-demo
	@echo "Open http://127.0.0.1:$(PORT)/"
	OUTBOX_WORKER=1 PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(PORT)} $(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT)

test: test-sqlite test-postgres

test-sqlite: $(BIN)/.installed-test
	$(BIN)/python -m pytest

# PostgreSQL runs whenever a server answers; in CI (CI set) it must, or the run fails.
# It runs what can differ by database: tests/conftest.py leaves out the tests marked
# db_independent (no database fixture, or a browser test); pytest --postgres-all runs them too.
test-postgres: $(BIN)/.installed-test
	@if [ -n "$$CI" ] || $(BIN)/python tests/pg_available.py "$(PG_URL)"; then \
		TEST_DATABASE_URL="$(PG_URL)" $(BIN)/python -m pytest; \
	else \
		echo "No PostgreSQL at $(PG_URL): the PostgreSQL run was not done here (CI always does it)."; \
	fi

# The suite on SQLite with the machine's clock moved (Debian's `faketime`), browser tests
# left out: it passes whatever today's date is. tests/faketime/ says why the monotonic
# clock is left alone.
test-faketime: $(BIN)/.installed-test
	PYTHONPATH=$(CURDIR)/tests/faketime FAKETIME_DONT_FAKE_MONOTONIC=1 \
		faketime -f "$(FAKETIME_OFFSET)" $(BIN)/python -m pytest --ignore=tests/e2e -p no:cacheprovider

bench: $(BIN)/.installed-test
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.lists

bench-lists: $(BIN)/.installed-test
	$(BIN)/python -m bench.lists

clean:
	rm -rf $(VENV) .pytest_cache

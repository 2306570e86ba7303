# Two entry points (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
STRIPE_PORT ?= 8420
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

# localstripe (a stand-in for Stripe's API and Stripe.js) runs beside the dev server, so the
# demo's deposit and card-on-file services can be paid with 4242 4242 4242 4242.
$(BIN)/.installed-localstripe: $(BIN)/.installed-app
	$(BIN)/pip install --quiet 'localstripe>=1.15'
	touch $@

run: $(BIN)/.installed-app $(BIN)/.installed-localstripe
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app seed-demo
	@echo "Open http://127.0.0.1:$(PORT)/  (cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0341 is declined)"
	$(BIN)/localstripe --port $(STRIPE_PORT) --from-scratch & STRIPE_PID=$$!; trap 'kill $$STRIPE_PID' EXIT INT TERM; \
	OUTBOX_WORKER=1 PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(PORT)} \
	STRIPE_SECRET_KEY=$${STRIPE_SECRET_KEY:-sk_test_localstripe} STRIPE_PUBLISHABLE_KEY=$${STRIPE_PUBLISHABLE_KEY:-pk_test_localstripe} \
	STRIPE_WEBHOOK_SECRET=$${STRIPE_WEBHOOK_SECRET:-whsec_localstripe} STRIPE_API_BASE=$${STRIPE_API_BASE:-http://127.0.0.1:$(STRIPE_PORT)} \
	STRIPE_JS_URL=$${STRIPE_JS_URL:-http://127.0.0.1:$(STRIPE_PORT)/js.stripe.com/v3/} \
	$(BIN)/flask --app app run --host 127.0.0.1 --port $(PORT)

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
	$(BIN)/python -m bench.payments

bench-lists: $(BIN)/.installed-test
	$(BIN)/python -m bench.lists

clean:
	rm -rf $(VENV) .pytest_cache

# Two commands set everything up on a fresh machine (see README.md):
#   make run    install, migrate, load the Shenzhen divisions and the demo data, serve on :8000
#   make test   install what the tests need and run the whole suite on SQLite and PostgreSQL
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
REPORTS := test-results

.PHONY: run install demo test test-deps test-sqlite test-postgres test-schemathesis lint messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	$(PY) -m pip install --quiet -e .

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_divisions
	$(PY) manage.py seed_demo

run: demo
	$(PY) manage.py runserver $(HOST)

test-deps: $(PY)
	bash .ci/system-deps
	$(PY) -m pip install --quiet -e ".[test]"

test: test-deps
	rm -rf $(REPORTS) schemathesis-report
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-schemathesis
	@$(PY) .ci/summary $(REPORTS)/sqlite.xml $(REPORTS)/postgresql.xml \
		schemathesis-report/superuser.xml schemathesis-report/street_officer.xml

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test-sqlite:
	@echo "== test suite on SQLite =="
	env -u DATABASE_URL bash .ci/pytest --junitxml=$(REPORTS)/sqlite.xml $(PYTEST_ARGS)

test-postgres:
	@echo "== test suite on PostgreSQL =="
	DATABASE_URL="$$(bash .ci/start-postgres)" bash .ci/pytest --junitxml=$(REPORTS)/postgresql.xml $(PYTEST_ARGS)

test-schemathesis:
	@echo "== API fuzzing (Schemathesis) on PostgreSQL =="
	DATABASE_URL="$$(bash .ci/start-postgres)" bash .ci/schemathesis

messages: $(PY)
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

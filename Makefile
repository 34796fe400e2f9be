# Two commands set everything up on a fresh machine (see README.md):
#   make run    install, migrate, load the Shenzhen divisions and the demo data, serve the demo
#               (DEMO_MODE on, with a task worker beside the server) on :8000
#   make test   install what the tests need and run the whole suite on SQLite and PostgreSQL
# In production (docs/deployment.md): make serve (gunicorn) and make worker (the task worker).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
REPORTS := test-results

.PHONY: run install demo serve worker test test-deps test-sqlite test-postgres test-schemathesis \
	test-gunicorn lint messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	$(PY) -m pip install --quiet -e .

# The demo turns demo mode on explicitly (a banner on every page; seed_demo refuses without it).
demo run: export DEMO_MODE = true
demo run: export DEBUG ?= true

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_divisions
	$(PY) manage.py seed_demo

# The task worker runs beside the development server and stops with it.
run: demo
	$(PY) manage.py db_worker --no-reload --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST)

# Production: gunicorn with config/gunicorn.py on the environment's settings (DATABASE_URL,
# SECRET_KEY, ALLOWED_HOSTS, ...; docs/deployment.md). Run `make worker` beside it.
serve: install
	@case "$${DATABASE_URL:-}" in postgres://* | postgresql://*) ;; \
	  *) echo "make serve: set DATABASE_URL=postgres://... (docs/deployment.md)" >&2; exit 2 ;; esac
	$(PY) manage.py check --deploy --tag security --fail-level WARNING
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	$(VENV)/bin/gunicorn -c config/gunicorn.py

worker: install
	$(PY) manage.py db_worker --no-reload

test-deps: $(PY)
	bash .ci/system-deps
	$(PY) -m pip install --quiet -e ".[test]"

# Schemathesis first: its closing line reads like a run of no test, so both pytest suites come
# after it and the last test-runner line of the log is pytest's count; then the production
# smoke test (gunicorn, DEBUG off, PostgreSQL, a task through the worker), then one total line.
test: test-deps
	rm -rf $(REPORTS) schemathesis-report
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-schemathesis
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-gunicorn
	@$(PY) .ci/summary $(REPORTS)/sqlite.xml $(REPORTS)/postgresql.xml $(REPORTS)/gunicorn.xml \
		schemathesis-report/superuser.xml schemathesis-report/street_officer.xml

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test-sqlite:
	@echo "== test suite on SQLite =="
	env -u DATABASE_URL bash .ci/pytest --junitxml=$(REPORTS)/sqlite.xml $(PYTEST_ARGS)

test-postgres:
	@echo "== test suite on PostgreSQL =="
	DATABASE_URL="$$(bash .ci/start-postgres)" bash .ci/pytest --junitxml=$(REPORTS)/postgresql.xml $(PYTEST_ARGS)

test-gunicorn:
	@echo "== production smoke test: gunicorn, DEBUG off, PostgreSQL, a task through the worker =="
	DATABASE_URL="$$(bash .ci/start-postgres)" bash .ci/gunicorn-smoke $(REPORTS)/gunicorn.xml

test-schemathesis:
	@echo "== API fuzzing (Schemathesis) on PostgreSQL =="
	DATABASE_URL="$$(bash .ci/start-postgres)" bash .ci/schemathesis

messages: $(PY)
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

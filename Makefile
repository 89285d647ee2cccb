# The two commands: `make run` (demo on 127.0.0.1:8000, or PORT=…; SQLite, Celery eager) and `make test`
# (the whole suite against real PostgreSQL, Redis and headless Chromium it starts itself).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000

RUN_DEBS := gettext
TEST_DEBS := gettext postgresql redis-server chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 poppler-utils libreoffice-calc-nogui libreoffice-writer-nogui

export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: run test lint format setup messages clean bench send-reminders demo-reset

$(BIN)/python:
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || scripts/need-debs.sh python3-venv
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

setup: $(VENV)/.installed

messages: setup
	@scripts/need-debs.sh $(RUN_DEBS)
	cd $(CURDIR) && DJANGO_DEBUG=1 $(MANAGE) compilemessages --ignore=.venv --verbosity 0

run: messages
	DJANGO_DEBUG=1 $(MANAGE) migrate --no-input
	DJANGO_DEBUG=1 $(MANAGE) load_holidays
	DJANGO_DEBUG=1 $(MANAGE) load_demo
	@echo "Demo logins are listed in README.md (password: see 'Demo logins')."
	DJANGO_DEBUG=1 CELERY_TASK_ALWAYS_EAGER=1 $(MANAGE) runserver 127.0.0.1:$(PORT)

# Back to the demo as `make run` first loads it: the SQLite database and the uploaded files of the
# demo go (only these two paths, inside this directory); the next `make run` loads the demo again.
demo-reset:
	rm -f db.sqlite3
	rm -rf media
	@echo "Demo data removed: run 'make run' to load it again."

# The daily reminder scan of today (or DATE=YYYY-MM-DD) on the `make run` database, the e-mails
# printed here (console backend) rather than queued for a worker.
send-reminders: setup
	DJANGO_DEBUG=1 CELERY_TASK_ALWAYS_EAGER=1 $(MANAGE) send_reminders $(if $(DATE),--date $(DATE))

test: setup
	@scripts/need-debs.sh $(TEST_DEBS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=1 $(MANAGE) compilemessages --ignore=.venv --verbosity 0
	scripts/with-services.sh scripts/test-suite.sh

# The province-scale bench (issue 11, bench/README.md): throw-away PostgreSQL and Redis, gunicorn,
# wrk; ~10 minutes (plus ~5 the first time, to generate the data). BENCH_ARGS=--help for options.
bench: setup
	@scripts/need-debs.sh postgresql redis-server wrk
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache test-artifacts *.egg-info

#!/usr/bin/env bash
# The checks and tests that need the database; run by `make test` inside scripts/with-services.sh.
set -euo pipefail
BIN=.venv/bin
export DJANGO_ALLOW_ASYNC_UNSAFE=true
# Tests run with the development switches (plain static storage, no HTTPS redirect) but the real
# Redis cache; production settings are checked by tests/test_settings.py in subprocesses.
export DJANGO_DEBUG=1 DJANGO_CACHE=redis
$BIN/python manage.py makemigrations --check --dry-run
$BIN/python manage.py check
$BIN/python manage.py migrate --no-input --verbosity 0
exec $BIN/pytest -n "${PYTEST_WORKERS:-2}" "$@"

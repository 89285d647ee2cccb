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
# The REST API's OpenAPI schema (issue 18): valid, and no warning from drf-spectacular.
$BIN/python manage.py spectacular --validate --fail-on-warn --lang zh-hans --file "${TMPDIR:-/tmp}/openapi-check.yaml"
$BIN/python manage.py migrate --no-input --verbosity 0
# The migrated, empty database is the template of every worker's test database (config/settings.py).
# PostgreSQL copies a template only while nobody is connected to it: wait for the backends of the
# commands above (they end a moment after their process) to be gone.
export DJANGO_TEST_DB_TEMPLATE="${DATABASE_URL##*/}"
$BIN/python scripts/wait-template-free.py
# Three workers on the 2-core machine: the suite waits on PostgreSQL, Chromium and LibreOffice often
# enough that a third keeps both cores busy (19 min 2 s against 19 min 48 s with two, 3,602 tests);
# work stealing lets an idle worker take the queued tests of a busy one at the end of the run.
WORKERS="${PYTEST_WORKERS:-3}"
if [ "$WORKERS" = "0" ]; then
    exec $BIN/pytest -n 0 "$@"
fi
exec $BIN/pytest -n "$WORKERS" --dist worksteal "$@"

#!/usr/bin/env bash
# The checks and tests that need the database; run by `make test` inside scripts/with-services.sh.
set -euo pipefail
BIN=.venv/bin
export DJANGO_ALLOW_ASYNC_UNSAFE=true
DJANGO_DEBUG=1 $BIN/python manage.py makemigrations --check --dry-run
DJANGO_DEBUG=1 $BIN/python manage.py check
DJANGO_DEBUG=1 $BIN/python manage.py migrate --no-input --verbosity 0
exec $BIN/pytest "$@"

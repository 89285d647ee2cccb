#!/usr/bin/env bash
# Usage: scripts/with-services.sh COMMAND...
# Starts a throw-away PostgreSQL cluster and Redis server on loopback, exports DATABASE_URL and
# REDIS_URL for COMMAND, and removes both afterwards (also on failure, Ctrl-C or SIGTERM).
# Ports: PG_PORT and REDIS_PORT, else free ports picked at random.
set -euo pipefail

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[[ -x "$PG_BIN/initdb" ]] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
PG_PORT=${PG_PORT:-$(free_port)}
REDIS_PORT=${REDIS_PORT:-$(free_port)}

WORK=$(mktemp -d /tmp/eldercare-services.XXXXXX)
chmod 755 "$WORK"
PGDATA="$WORK/pg"
mkdir -p "$PGDATA" "$WORK/redis"

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [[ $(id -u) -eq 0 ]]; then chown -R postgres: "$PGDATA"; fi

status=1
cleanup() {
  set +e
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
  if [[ $status -ne 0 ]]; then
    echo "--- PostgreSQL log (tail) ---" >&2; tail -n 20 "$WORK/pg.log" 2>/dev/null >&2
    echo "--- Redis log (tail) ---" >&2; tail -n 20 "$WORK/redis/redis.log" 2>/dev/null >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

touch "$WORK/pg.log"; [[ $(id -u) -eq 0 ]] && chown postgres: "$WORK/pg.log"
as_pg "$PG_BIN/initdb" --no-sync -A trust -E UTF8 --locale=C.UTF-8 -U postgres -D "$PGDATA" >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/pg.log" -w -o \
  "-h 127.0.0.1 -p $PG_PORT -k $PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -q -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE eldercare LOGIN CREATEDB PASSWORD 'eldercare'" \
  -c "CREATE DATABASE eldercare OWNER eldercare"

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$WORK/redis/redis.pid" --dir "$WORK/redis" --logfile "$WORK/redis/redis.log"
for _ in $(seq 50); do
  redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -p "$REDIS_PORT" ping | grep -q PONG

export DATABASE_URL="postgres://eldercare:eldercare@127.0.0.1:$PG_PORT/eldercare"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
echo "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"

set +e
"$@"
status=$?
set -e
exit $status

#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 cluster on loopback and
# LIANXIN_TEST_POSTGRES_URL pointing at it; the cluster is always stopped and removed.
#
#   scripts/pg-test.sh cargo test -p lianxin-server
#
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user
# (created by Debian's postgresql package).
set -euo pipefail

PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
if [[ ! -x "$PGBIN/initdb" ]]; then
    echo "pg-test.sh: $PGBIN/initdb not found (apt-get install postgresql)" >&2
    exit 2
fi
if [[ $# -eq 0 ]]; then
    echo "usage: scripts/pg-test.sh <command> [args…]" >&2
    exit 2
fi

as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

DIR="$(mktemp -d /tmp/lianxin-pg.XXXXXX)"
[[ "$(id -u)" == 0 ]] && chown postgres: "$DIR"
# A free port: ask the kernel for one on loopback.
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"

cleanup() {
    as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

as_owner "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; exit 1; }
# Loopback only, socket in the temp dir. Durability is off for tests (this cluster lives for one
# run) unless PG_TEST_DURABLE=1, which benchmarks set so their numbers mean something.
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[[ "${PG_TEST_DURABLE:-0}" == 1 ]] && durability=""
as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $PORT -k $DIR $durability -c max_connections=300" \
    start >/dev/null \
    || { cat "$DIR/server.log" >&2; exit 1; }

export LIANXIN_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PORT/postgres"
echo "pg-test.sh: PostgreSQL 15 on 127.0.0.1:$PORT ($DIR)" >&2
set +e
"$@"
status=$?
set -e
exit $status

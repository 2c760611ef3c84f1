#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster on loopback and
# LIANXIN_TEST_POSTGRES_URL pointing at it; the cluster is always stopped and removed.
#
#   scripts/pg-test.sh cargo test -p lianxin-server
#
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user
# (created by Debian's postgresql package).
#
# Without PostgreSQL installed the command runs anyway and the PostgreSQL tests skip, each saying
# so, unless CI is set (`CI=true`): there a missing PostgreSQL fails the run, here and in the tests
# themselves (lianxin_server::testing::postgres_test_url), so the suite cannot pass silently.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: scripts/pg-test.sh <command> [args…]" >&2
    exit 2
fi

# The newest PostgreSQL installed (Debian keeps each major version in its own directory).
if [[ -z "${PGBIN:-}" ]]; then
    PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
fi
if [[ -z "$PGBIN" || ! -x "$PGBIN/initdb" ]]; then
    case "${CI:-}" in
        true | TRUE | True | 1)
            echo "pg-test.sh: no PostgreSQL (initdb) found, and under CI its tests must run (apt-get install postgresql)" >&2
            exit 2
            ;;
    esac
    echo "pg-test.sh: no PostgreSQL (initdb) found; running without it, its tests skip (apt-get install postgresql)" >&2
    unset LIANXIN_TEST_POSTGRES_URL
    exec "$@"
fi
PGVERSION="$(basename "$(dirname "$PGBIN")")"

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
echo "pg-test.sh: PostgreSQL $PGVERSION on 127.0.0.1:$PORT ($DIR)" >&2
set +e
"$@"
status=$?
set -e
exit $status

#!/usr/bin/env bash
# Ingest benchmark of issue 3 against a release build of lianxin-server on loopback:
# 10,000 valid petitions, batches of 100, 10 concurrent clients; records/s, p50/p99 batch
# latency, the server's peak RSS (VmHWM) and the CPU time it used.
#
#   scripts/bench-ingest.sh sqlite
#   scripts/bench-ingest.sh postgres      # starts a throwaway PostgreSQL (the newest installed,
#                                         # as scripts/pg-test.sh picks it; durable: fsync on)
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${1:-sqlite}"
shift || true

if [[ "$backend" == postgres && -z "${LIANXIN_TEST_POSTGRES_URL:-}" ]]; then
    PG_TEST_DURABLE=1 exec scripts/pg-test.sh "$0" postgres "$@"
fi

cargo build --release -q -p lianxin-server --bin lianxin-server --example bench_ingest
BIN=target/release/lianxin-server
BENCH=target/release/examples/bench_ingest

TMP="$(mktemp -d /tmp/lianxin-bench.XXXXXX)"
case "$backend" in
    sqlite) export LIANXIN_DATABASE_URL="sqlite://$TMP/bench.db" ;;
    postgres)
        base="${LIANXIN_TEST_POSTGRES_URL%/*}"
        name="bench_$$"
        # The psql of the newest PostgreSQL installed, as scripts/pg-test.sh picks its cluster
        # (PGBIN overrides both).
        pgbin="${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
        psql_bin="$pgbin/psql"
        [[ -x "$psql_bin" ]] || psql_bin="$(command -v psql)"
        "$psql_bin" -q "$LIANXIN_TEST_POSTGRES_URL" -c "CREATE DATABASE $name"
        export LIANXIN_DATABASE_URL="$base/$name" ;;
    *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
export LIANXIN_ADDR="127.0.0.1:$PORT" LIANXIN_STATIC_DIR="$TMP/no-dist" RUST_LOG=warn

"$BIN" serve >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
    sleep 0.1
done
CODE="$("$BIN" enroll --role field --township 城关镇)"

echo "backend=$backend server=$BIN pid=$SERVER cores=$(nproc)"
"$BENCH" "http://127.0.0.1:$PORT" "$CODE" "${TOTAL:-10000}" "${BATCH:-100}" "${CLIENTS:-10}"
grep -E '^VmHWM' "/proc/$SERVER/status" | awk '{print "server_peak_rss_kib=" $2}'
# CPU time the server process used (user + system, start-up included; SQLite runs inside it,
# PostgreSQL's own processes are not counted): steadier than records/s on a busy machine.
awk -v hz="$(getconf CLK_TCK)" '{printf "server_cpu_s=%.2f\n", ($14 + $15) / hz}' "/proc/$SERVER/stat"

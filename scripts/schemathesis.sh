#!/usr/bin/env bash
# Property-based API testing: schemathesis (PyPI) against the server's own /api/openapi.json.
# Checks: no 5xx (not_a_server_error) and every response matches the document
# (response_schema_conformance). Authenticated endpoints get a field tablet's bearer token.
#
#   scripts/schemathesis.sh [extra schemathesis args…]
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/schemathesis-venv
if [[ ! -x "$VENV/bin/schemathesis" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "schemathesis>=4.32,<5"
fi

cargo build -q -p lianxin-server --bin lianxin-server
BIN=target/debug/lianxin-server
TMP="$(mktemp -d /tmp/lianxin-st.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
export LIANXIN_DATABASE_URL="sqlite://$TMP/st.db" LIANXIN_ADDR="127.0.0.1:$PORT" \
    LIANXIN_STATIC_DIR="$TMP/no-dist" RUST_LOG=warn \
    LIANXIN_RECEIPT_BURST=100000 LIANXIN_RECEIPT_PER_MINUTE=100000

"$BIN" serve >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
    sleep 0.1
done

CODE="$("$BIN" enroll --role field --township 城关镇)"
TOKEN="$(curl -sf -H 'content-type: application/json' \
    -d "{\"code\":\"$CODE\",\"label\":\"schemathesis\"}" \
    "http://127.0.0.1:$PORT/api/v1/devices/enroll" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"

set +e
"$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/api/openapi.json" \
    --checks not_a_server_error,response_schema_conformance \
    -H "Authorization: Bearer $TOKEN" \
    --max-examples "${MAX_EXAMPLES:-100}" \
    "$@"
status=$?
set -e
if grep -q "panicked" "$TMP/server.err"; then
    echo "schemathesis.sh: the server panicked:" >&2
    grep -A3 panicked "$TMP/server.err" >&2
    status=1
fi
exit $status

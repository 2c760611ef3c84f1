#!/usr/bin/env bash
# The statistics of a quiz campaign with 100,000 counted attempts, on SQLite and on PostgreSQL
# (BENCHMARKS.md, "Quiz statistics"; issue 10 aims under 300 ms). The attempts are written by
# SQL into a fresh database of each kind; the statistics are read five times through the service
# the API and `lianxin-server campaign stats` use; the median is printed.
#
#   scripts/bench-quiz-stats.sh
#
# PostgreSQL runs inside scripts/pg-test.sh's throwaway cluster (it is skipped without one).
set -euo pipefail
cd "$(dirname "$0")/.."
run() {
    cargo test --release -p lianxin-server --test quiz_bench -- --ignored --nocapture "$@" 2>&1 |
        grep -E '^quiz stats|test result|panicked' || true
}
run statistics_of_100000_attempts_on_sqlite
scripts/pg-test.sh bash -c "$(declare -f run); run statistics_of_100000_attempts_on_postgresql"

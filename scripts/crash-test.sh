#!/usr/bin/env bash
# The crash test at full length (docs/postgres.md): a write load against `guagou serve`, the
# server killed with SIGKILL N times (default 50) and restarted; every acknowledged write must
# be present exactly once and `guagou verify` must pass. Runs on SQLite, then on a throwaway
# PostgreSQL cluster (scripts/pg-cluster) when Debian's PostgreSQL 15 is installed.
#
#   scripts/crash-test.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-50}"
run() {
  GUAGOU_CRASH_CYCLES="$cycles" cargo test -p guagou --test suite \
    database::acknowledged_writes_survive_sigkill -- --nocapture 2>&1 | grep -E "crash test|test result|panicked|assert"
}
echo "== SQLite, $cycles kills"
server="${GUAGOU_TEST_DATABASE:-}"
# An empty GUAGOU_TEST_DATABASE means SQLite.
GUAGOU_TEST_DATABASE="" run
if [ -z "$server" ]; then
  if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
    echo "PostgreSQL 15 is not installed: the PostgreSQL run is skipped" >&2
    exit 0
  fi
  server=$(scripts/pg-cluster start)
  trap 'scripts/pg-cluster stop' EXIT
fi
echo "== PostgreSQL, $cycles kills"
GUAGOU_TEST_DATABASE="$server" run

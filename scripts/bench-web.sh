#!/usr/bin/env bash
# Load benchmark of the web application (issue 4): `guagou demo` (release build) on a fresh data
# directory, a county user (xuanhan@511722) signed in with curl, then wrk with 64 connections,
# 2 threads and --latency against /healthz (the floor: no session, no database), the page of a
# demo project of that county and the ledger page. Prints requests/s and p99 latency for each.
#
#   scripts/bench-web.sh                 # 30 s per route (the figures in docs/web-benchmarks.md)
#   DURATION=5s scripts/bench-web.sh     # a quick look
#
# Traffic goes to 127.0.0.1 only; each wrk run stops by itself after DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-30s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
COUNTY_USER=xuanhan
PROJECT=511722-2018-001 # a demo project of 宣汉 (accepted: versions, results, ledger entries)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
if ! command -v wrk >/dev/null; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
fi
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "bench-web: $tool is needed" >&2; exit 2; }
done

# GUAGOU_BIN: an already built binary (skips the build).
if [ -z "${GUAGOU_BIN:-}" ]; then
  cargo build --release -p guagou
  GUAGOU_BIN="$PWD/target/release/guagou"
fi
BIN="$GUAGOU_BIN"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
NO_COLOR=1 "$BIN" --data "$WORK/data" demo --story-dates --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$BASE/healthz" >/dev/null || { echo "the demo did not start" >&2; cat "$WORK/server.log" >&2; exit 1; }

PASSWORD="$(awk '/password/ {print $NF}' "$WORK/data/demo-accounts.txt")"
JAR="$WORK/cookies"
# The login form's CSRF token is a double-submit cookie plus the same value in a hidden field.
LOGIN_CSRF="$(curl -fsS -c "$JAR" "$BASE/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)"
curl -fsS -b "$JAR" -c "$JAR" -o /dev/null \
  --data-urlencode "csrf=$LOGIN_CSRF" --data-urlencode "name=$COUNTY_USER" --data-urlencode "password=$PASSWORD" \
  "$BASE/login"
SESSION="$(awk '$6 == "guagou_session" {print $7}' "$JAR")"
[ -n "$SESSION" ] || { echo "signing in as $COUNTY_USER failed" >&2; exit 1; }
COOKIE="guagou_session=$SESSION"


echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo "wrk: $(wrk --version 2>&1 | head -n1 || true)"
echo "command: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -H 'Cookie: guagou_session=…' $BASE<route>"
echo
printf '| route | requests/s | p50 | p99 | non-2xx | errors |\n|---|---|---|---|---|---|\n' >"$WORK/table"
failed=0
# The project page twice: as a reader sees it again (kept while nothing changed, see
# crates/guagou-web/src/page_cache.rs) and rendered afresh on every request (a query parameter
# `done` is the page after a step: never kept), the cost of the first view after any write.
for route in /healthz "/projects/$PROJECT" "/projects/$PROJECT?done=fresh" /ledger; do
  # A route must answer 200 with the session (not a redirect to /login) to be measured.
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE$route")"
  if [ "$status" != 200 ]; then
    echo "== GET $route answered $status: not measured" >&2
    printf '| `GET %s` | not measured: answered %s | | | | |\n' "$route" "$status" >>"$WORK/table"
    failed=1
    continue
  fi
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Cookie: $COOKIE" "$BASE$route" >"$WORK/wrk.out" 2>&1
  echo "== GET $route"
  cat "$WORK/wrk.out"
  rps="$(awk '/^Requests\/sec:/ {print $2}' "$WORK/wrk.out")"
  p50="$(awk '$1 == "50%" {print $2}' "$WORK/wrk.out")"
  p99="$(awk '$1 == "99%" {print $2}' "$WORK/wrk.out")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$WORK/wrk.out")"
  errors="$(sed -n 's/^ *Socket errors: *//p' "$WORK/wrk.out")"
  printf '| `GET %s` | %s | %s | %s | %s | %s |\n' "$route" "$rps" "$p50" "$p99" "${non2xx:-0}" "${errors:-none}" >>"$WORK/table"
done
echo
cat "$WORK/table"
exit "$failed"

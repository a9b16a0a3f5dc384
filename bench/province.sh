#!/usr/bin/env bash
# Province-scale figures on PostgreSQL (issue 7, docs/scale.md):
#   1. a throwaway PostgreSQL 15 cluster (scripts/pg-cluster, port 55434, 2 GB cache);
#   2. loads 21 cities, 183 counties, 20,000 projects with 2,000,000 parcels and a
#      1,000,000-entry ledger (crates/guagou/benches/province.rs; sizes from
#      GUAGOU_BENCH_PROJECTS, GUAGOU_BENCH_PARCELS, GUAGOU_BENCH_ENTRIES);
#   3. serves it with the release build (`guagou serve --database`) and runs wrk with 64
#      connections on the dashboard, project list, a project page, the ledger and reports
#      pages, signed in as the province, the city and a county;
#   4. times `guagou report` (json and xlsx) and `guagou verify` on the whole registry.
#
#   bench/province.sh                       # full size (about an hour on 2 cores)
#   KEEP=1 bench/province.sh                # … and keep the cluster and database afterwards
#   REUSE=1 bench/province.sh               # measure again on the kept database (no load)
#   GUAGOU_BENCH_PROJECTS=2000 GUAGOU_BENCH_ENTRIES=100000 DURATION=10s bench/province.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-30s}"
export GUAGOU_PG_PORT="${GUAGOU_PG_PORT:-55434}"
export GUAGOU_PG_SHARED_BUFFERS="${GUAGOU_PG_SHARED_BUFFERS:-2GB}"
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v wrk >/dev/null || need+=(wrk)
if [ "${#need[@]}" -gt 0 ]; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

work="$PWD/target/bench-province"
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  [ "${KEEP:-0}" = 1 ] || [ "${REUSE:-0}" = 1 ] || scripts/pg-cluster stop
}
trap cleanup EXIT
cargo build --release -q -p guagou
if [ "${REUSE:-0}" = 1 ]; then
  admin=$(scripts/pg-cluster start)
  url="${admin%/postgres}/province"
else
  rm -rf "$work"
  mkdir -p "$work"
  admin=$(scripts/pg-cluster start)
  psql -X -q "$admin" -c "CREATE DATABASE province"
  url="${admin%/postgres}/province"
  echo "== load"
  GUAGOU_BENCH_DATABASE="$url" GUAGOU_BENCH_DATA="$work" cargo bench -q -p guagou --bench province
  psql -X -q "$url" -c "VACUUM ANALYZE"
fi
echo "database size: $(psql -X -At "$url" -c "SELECT pg_size_pretty(pg_database_size('province'))")"

bin="$PWD/target/release/guagou"
export GUAGOU_DATABASE="$url"
timed() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.2f} s')" "$t0" "$t1"; }
# Applies any newer migration before anything is timed.
"$bin" --data "$work/data" ledger balances >/dev/null
echo "== report and verify"
echo "report json (all counties, all years): $(timed "$bin" --data "$work/data" report --format json --as-of 2019-12-31)"
echo "report xlsx: $(timed "$bin" --data "$work/data" report --format xlsx --output "$work/report.xlsx" --as-of 2019-12-31)"
echo "report json, one county: $(timed "$bin" --data "$work/data" report --format json --county 511722 --as-of 2019-12-31)"
echo "verify (ledger, funds, audit): $(timed "$bin" --data "$work/data" verify)"

echo "== pages"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
"$bin" --data "$work/data" serve --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
# Each route once before it is measured (the report cache fills on the first report).
single() { /usr/bin/time -f "%e" curl -s -o /dev/null -H "Cookie: $1" "$base$2" 2>&1; }
login() {
  local jar="$work/jar-$1" token
  token="$(curl -fsS -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)"
  curl -fsS -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$token" \
    --data-urlencode "name=$1" --data-urlencode "password=province-bench-42" "$base/login"
  echo "guagou_session=$(awk '$6 == "guagou_session" {print $7}' "$jar")"
}
province=$(login province)
city=$(login city)
county=$(login xuanhan)
project="$(psql -X -At "$url" -c "SELECT code FROM projects WHERE county = '511722' AND state = 'closed' ORDER BY code DESC LIMIT 1")"
printf '| user | route | one request alone | requests/s at 64 | p50 | p99 | non-2xx |\n|---|---|---|---|---|---|---|\n' >"$work/table"
for pair in "province|/" "province|/projects" "province|/reports" "province|/api/reports" "city|/ledger" \
            "xuanhan|/" "xuanhan|/projects/$project" "xuanhan|/ledger/accounts/holding:511722"; do
  who="${pair%%|*}"; route="${pair#*|}"
  case "$who" in province) cookie=$province ;; city) cookie=$city ;; *) cookie=$county ;; esac
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base$route")"
  if [ "$status" != 200 ]; then
    printf '| %s | `%s` | answered %s | | | | |\n' "$who" "$route" "$status" >>"$work/table"
    continue
  fi
  first="$(single "$cookie" "$route")"
  wrk -t2 -c64 -d"$DURATION" --timeout 60s --latency -H "Cookie: $cookie" "$base$route" >"$work/wrk.out" 2>&1
  rps="$(awk '/^Requests\/sec:/ {print $2}' "$work/wrk.out")"
  p50="$(awk '$1 == "50%" {print $2}' "$work/wrk.out")"
  p99="$(awk '$1 == "99%" {print $2}' "$work/wrk.out")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$work/wrk.out")"
  printf '| %s | `%s` | %s s | %s | %s | %s | %s |\n' "$who" "$route" "$first" "$rps" "$p50" "$p99" "${non2xx:-0}" >>"$work/table"
done
echo "machine: $(nproc) cores; wrk -t2 -c64 -d$DURATION --latency"
cat "$work/table"

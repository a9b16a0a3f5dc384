#!/usr/bin/env bash
# API fuzzing (issue 4): schemathesis (PyPI, pinned) against /api/openapi.json of a fresh
# `guagou demo`, signed in (session cookie + the session's CSRF header), for each user in
# FUZZ_USERS. The gate is `not_a_server_error`: the script exits non-zero if any request got a
# 5xx, and prints each one with its request (from the HAR reports kept in target/api-fuzz/).
#
#   scripts/api-fuzz.sh                          # the run documented in docs/web-benchmarks.md
#   MAX_EXAMPLES=20 FUZZ_USERS=city scripts/api-fuzz.sh
#   ALL_CHECKS=1 scripts/api-fuzz.sh             # also every other schemathesis check (report only)
#
# Traffic goes to 127.0.0.1 only; the number of examples per operation is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES="${MAX_EXAMPLES:-100}"
SEED="${SEED:-20261129}"
# A city land user can take most steps on every county's projects; a county user is refused
# (and must get 403/404, never 5xx) for most of them.
FUZZ_USERS="${FUZZ_USERS:-city xuanhan}"

VENV="$PWD/target/schemathesis-venv"
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi
ST="$VENV/bin/schemathesis"

if [ -z "${GUAGOU_BIN:-}" ]; then
  cargo build -p guagou
  GUAGOU_BIN="$PWD/target/debug/guagou"
fi

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
NO_COLOR=1 "$GUAGOU_BIN" --data "$WORK/data" demo --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 900); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$BASE/healthz" >/dev/null || { echo "the demo did not start" >&2; cat "$WORK/server.log" >&2; exit 1; }
PASSWORD="$(awk '/password/ {print $NF}' "$WORK/data/demo-accounts.txt")"

# Signs in as $1; sets SESSION and CSRF.
sign_in() {
  local jar="$WORK/cookies-$1" login_csrf
  login_csrf="$(curl -fsS -c "$jar" "$BASE/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)"
  curl -fsS -b "$jar" -c "$jar" -o /dev/null \
    --data-urlencode "csrf=$login_csrf" --data-urlencode "name=$1" --data-urlencode "password=$PASSWORD" \
    "$BASE/login"
  SESSION="$(awk '$6 == "guagou_session" {print $7}' "$jar")"
  [ -n "$SESSION" ] || { echo "signing in as $1 failed" >&2; exit 1; }
  # The session's CSRF token is in every signed-in page (the logout form).
  CSRF="$(curl -fsS -H "Cookie: guagou_session=$SESSION" "$BASE/" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n1)"
  [ -n "$CSRF" ] || { echo "no CSRF token for $1" >&2; exit 1; }
}

# Random path values almost never name a real project, account or entry, so most requests would
# end at 404. A dictionary of the demo's real identifiers (taken from the API as the city, which
# reads every county) is mixed into the generated values: half the examples use a real one.
write_config() {
  local jar_session="$1"
  curl -fsS "$BASE/api/openapi.json" >"$WORK/openapi.json"
  curl -fsS -H "Cookie: guagou_session=$jar_session" "$BASE/api/projects" >"$WORK/projects.json"
  curl -fsS -H "Cookie: guagou_session=$jar_session" "$BASE/api/ledger/balances" >"$WORK/balances.json" || echo '[]' >"$WORK/balances.json"
  curl -fsS -H "Cookie: guagou_session=$jar_session" "$BASE/api/plans" >"$WORK/plans.json" || echo '[]' >"$WORK/plans.json"
  python3 - "$WORK" >"$WORK/schemathesis.toml" <<'PY'
import datetime, json, sys
work = sys.argv[1]
doc = json.load(open(f"{work}/openapi.json"))
projects = json.load(open(f"{work}/projects.json"))
def listing(name):
    try:
        value = json.load(open(f"{work}/{name}.json"))
    except ValueError:
        return []
    return value if isinstance(value, list) else []
balances = listing("balances")
plans = listing("plans")
codes = sorted({p["code"] for p in projects if isinstance(p, dict) and "code" in p})
counties = ["511702", "511703", "511722", "511723", "511724", "511725", "511781"]
# Today in Asia/Shanghai, like the forms' default date.
today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date().isoformat()
dates = ["2019-07-15", "2020-06-30", today]
known = {
    # Project codes and division codes share the name `code` in the paths.
    "code": codes + counties + ["511700", "510000"],
    "id": sorted({p["id"] for p in plans if isinstance(p, dict) and "id" in p}),
    # Project and plan steps share the name `action`.
    "action": ["submit", "pool", "forward", "approve", "start", "accept", "close", "return", "withdraw", "terminate",
               "consult", "file", "revise"],
    "key": sorted({b["account"] for b in balances if isinstance(b, dict) and "account" in b}),
    "seq": [str(n) for n in range(1, 40)],
    "version": ["1", "2"],
    "county": ["511722", "511781", "511725", "511703", "511700"],
    "division": ["511722", "511781", "511700"],
    "year": ["2019", "2020"],
}
query_known = {"version": [1, 2], "from": [1], "to": [2], "as_of": dates}
path_params = set()
query_params = set()
for item in doc.get("paths", {}).values():
    for op in item.values():
        if isinstance(op, dict):
            for param in op.get("parameters", []):
                if param.get("in") == "path":
                    path_params.add(param["name"])
                elif param.get("in") == "query":
                    query_params.add(param["name"])
def q(text):
    return json.dumps(text, ensure_ascii=False)
lines = []
for name in sorted(path_params):
    values = known.get(name)
    if values:
        lines.append(f"[dictionaries.{name}]\nvalues = [{', '.join(q(v) for v in values)}]\n")
for name in sorted(query_params):
    if query_known.get(name):
        lines.append(f"[dictionaries.query_{name}]\nvalues = [{', '.join(q(v) for v in query_known[name])}]\n")
# Body fields of the writes: a valid date and a real project make some steps go through.
text = json.dumps(doc)
body = {}
if '"as_of"' in text:
    body["as_of"] = dates
if '"project"' in text and codes:
    body["project"] = codes
for name, values in body.items():
    lines.append(f"[dictionaries.body_{name}]\nvalues = [{', '.join(q(v) for v in values)}]\n")
lines.append("[parameters]")
for name in body:
    lines.append(f"{q('body.' + name)} = {{ dictionary = {q('body_' + name)}, probability = 0.5 }}")
# The CSRF header is a declared parameter: without this, generated values replace the real one
# and every write ends at 403. The token is the signed-in user's (exported per run).
lines.append(q("header.x-csrf-token") + " = " + q("${GUAGOU_FUZZ_CSRF}"))
for name in sorted(path_params):
    if known.get(name):
        lines.append(f"{q('path.' + name)} = {{ dictionary = {q(name)}, probability = 0.5 }}")
for name in sorted(query_params):
    if query_known.get(name):
        lines.append(f"{q('query.' + name)} = {{ dictionary = {q('query_' + name)}, probability = 0.5 }}")
print("\n".join(lines))
PY
}

echo "schemathesis $SCHEMATHESIS_VERSION; operations in the document: $(curl -fsS "$BASE/api/openapi.json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(len([m for m in v if m in ("get","post","put","patch","delete")]) for v in d["paths"].values()))')"
sign_in city
write_config "$SESSION"
echo "== dictionary of real identifiers ($WORK/schemathesis.toml):"
cat "$WORK/schemathesis.toml"
# Every request and response of the gated runs, as HAR files (kept after the run).
REPORTS="$PWD/target/api-fuzz"
rm -rf "$REPORTS"
status=0
for user in $FUZZ_USERS; do
  sign_in "$user"
  export GUAGOU_FUZZ_CSRF="$CSRF"
  echo
  echo "== as $user: $ST --config-file schemathesis.toml run $BASE/api/openapi.json --url $BASE/api --checks not_a_server_error --max-examples $MAX_EXAMPLES --seed $SEED -H 'Cookie: guagou_session=…' -H 'x-csrf-token: …'"
  # --generation-with-security-parameters false: keep our session cookie instead of random ones.
  # Run from the temporary directory: schemathesis keeps its example database in ./.schemathesis.
  if ! (cd "$WORK" && "$ST" --config-file "$WORK/schemathesis.toml" run "$BASE/api/openapi.json" --url "$BASE/api" \
    --checks not_a_server_error --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 1 \
    --generation-with-security-parameters false --no-color \
    --report har --report-dir "$REPORTS/$user" \
    -H "Cookie: guagou_session=$SESSION" -H "x-csrf-token: $CSRF"); then
    status=1
  fi
  if [ "${ALL_CHECKS:-0}" = 1 ]; then
    echo "== as $user, every check (report only)"
    (cd "$WORK" && "$ST" --config-file "$WORK/schemathesis.toml" run "$BASE/api/openapi.json" --url "$BASE/api" \
      --checks all --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 1 \
      --generation-with-security-parameters false --no-color \
      -H "Cookie: guagou_session=$SESSION" -H "x-csrf-token: $CSRF") || true
  fi
done

echo
echo "== responses by operation and status (from the HAR reports in $REPORTS)"
curl -fsS "$BASE/api/openapi.json" >"$WORK/openapi.json"
python3 - "$REPORTS" "$WORK/openapi.json" <<'PY' || status=1
import collections, glob, json, re, sys
counts = collections.Counter()
errors = []
# Concrete URLs back to the document's path templates (literal paths before templated ones).
templates = sorted(json.load(open(sys.argv[2]))["paths"], key=lambda t: (t.count("{"), -len(t)))
patterns = [(t, re.compile("^/api" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(t)) + "$")) for t in templates]
def template(route):
    for t, pattern in patterns:
        if pattern.match(route):
            return "/api" + t
    return route + " (no operation)"
for path in sorted(glob.glob(f"{sys.argv[1]}/*/*.json")):
    user = path.split("/")[-2]
    for entry in json.load(open(path))["log"]["entries"]:
        request, response = entry["request"], entry["response"]
        route = re.sub(r"^https?://[^/]+", "", request["url"]).split("?")[0]
        counts[(request["method"], route, response["status"])] += 1
        if response["status"] >= 500:
            body = (request.get("postData") or {}).get("text", "")
            errors.append(f"{user}: {request['method']} {request['url']} body={body[:300]!r} -> {response['status']} {response['content'].get('text', '')[:300]!r}")
by_operation = collections.defaultdict(collections.Counter)
for (method, route, code), n in counts.items():
    by_operation[f"{method} {template(route)}"][code] += n
# Methods an operation does not have (schemathesis probes them) answer 405: counted, not listed.
probes = 0
for operation in sorted(by_operation):
    codes = by_operation[operation]
    if set(codes) == {405}:
        probes += codes[405]
        continue
    print(f"  {operation}: " + ", ".join(f"{code}×{n}" for code, n in sorted(codes.items())))
print(f"  (405 answers to methods the document does not list: {probes})")
total = sum(counts.values())
print(f"  requests: {total}, 5xx: {len(errors)}")
for line in errors:
    print("  5xx " + line)
sys.exit(1 if errors else 0)
PY

echo "== responses by status (server log)"
# Without colour codes, whatever the log settings.
sed 's/\x1b\[[0-9;]*m//g' "$WORK/server.log" >"$WORK/server.txt"
sed -n 's/.* request .*status=\([0-9]*\).*/\1/p;s/.*status=\([0-9]*\).* request$/\1/p' "$WORK/server.txt" | sort | uniq -c
if ! grep -q ' request ' "$WORK/server.txt"; then
  echo "(the server logged no requests: the 5xx gate is schemathesis' not_a_server_error alone)"
fi
fivexx="$(grep -E 'status=5[0-9][0-9]' "$WORK/server.txt" || true)"
if [ -n "$fivexx" ]; then
  echo "== 5xx answers (server log):"
  echo "$fivexx"
  grep -E 'ERROR|panicked' "$WORK/server.txt" | head -n 50 || true
  status=1
else
  echo "no 5xx answer in the server log"
fi
exit "$status"

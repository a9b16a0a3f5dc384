#!/usr/bin/env bash
# Runs every fuzz target (fuzz/, docs/fuzzing.md) for SECONDS each (default 600) and prints a
# line per target: executions, coverage, corpus, peak memory, verdict. Builds once, then runs
# the built binaries (so editing the code meanwhile does not rebuild between targets).
# FUZZ_JOBS targets run at a time (default 1; each is one process on one core). Installs
# cargo-fuzz when missing; runs on the stable toolchain through RUSTC_BOOTSTRAP=1.
#
#   scripts/fuzz.sh                    # 10 minutes per target, one after another
#   FUZZ_JOBS=2 scripts/fuzz.sh        # two at a time on 2 cores
#   scripts/fuzz.sh 60 wkb             # one target, one minute
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-600}"
shift || true
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
# FUZZ_NO_BUILD=1 runs the binaries already built (e.g. while the code is being edited).
[ "${FUZZ_NO_BUILD:-0}" = 1 ] || cargo fuzz build >/dev/null
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
bin="target/$(rustc -vV | sed -n 's/^host: //p')/release"
logs="../target/fuzz-logs"
mkdir -p "$logs"
# One target: libFuzzer on the built binary; writes the log and a verdict file.
run_one() {
  local target="$1" log="$logs/$1.log" extra=()
  mkdir -p "corpus/$target" "artifacts/$target"
  [ -f "$target.dict" ] && extra+=("-dict=$target.dict")
  if "$bin/$target" "corpus/$target" "seeds/$target" -artifact_prefix="artifacts/$target/" \
      -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 "${extra[@]}" >"$log" 2>&1; then
    echo clean >"$logs/$target.verdict"
  else
    echo "FINDING (see target/fuzz-logs/$target.log and fuzz/artifacts/$target/)" >"$logs/$target.verdict"
  fi
}
jobs="${FUZZ_JOBS:-1}"
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  run_one "$target" &
done
wait
failed=0
for target in "${targets[@]}"; do
  log="$logs/$target.log"
  verdict="$(cat "$logs/$target.verdict")"
  [ "$verdict" = clean ] || failed=1
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  cov="$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$log" | tail -n1)"
  rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n1)"
  echo "$target: ${seconds}s, ${runs:-?} runs, ${cov:-?}, peak RSS ${rss:-?} MB: $verdict"
done
exit "$failed"

#!/usr/bin/env bash
# Runs every fuzz target (fuzz/, docs/fuzzing.md) for SECONDS each (default 600), one after
# another on one core, and prints a line per target: executions, coverage, corpus, findings.
# Installs cargo-fuzz when missing; runs on the stable toolchain through RUSTC_BOOTSTRAP=1.
#
#   scripts/fuzz.sh            # 10 minutes per target
#   scripts/fuzz.sh 60 wkb     # one target, one minute
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-600}"
shift || true
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
cargo fuzz build >/dev/null
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
mkdir -p ../target/fuzz-logs
failed=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  extra=()
  [ -f "$target.dict" ] && extra+=("-dict=$target.dict")
  log="../target/fuzz-logs/$target.log"
  if cargo fuzz run "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 "${extra[@]}" >"$log" 2>&1; then
    verdict="clean"
  else
    verdict="FINDING (see $log and fuzz/artifacts/$target/)"
    failed=1
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  cov="$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$log" | tail -n1)"
  rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n1)"
  echo "$target: ${seconds}s, ${runs:-?} runs, ${cov:-?}, peak RSS ${rss:-?} MB: $verdict"
done
exit "$failed"

#!/usr/bin/env bash
# Runs each fuzz target for a bounded time (FUZZ_SECONDS, default 600), then
# shrinks its corpus. Needs a nightly toolchain and cargo-fuzz: both are
# installed when missing. Not part of CI: `make fuzz` runs it.
#   FUZZ_SECONDS=60 scripts/fuzz.sh              every target, a minute each
#   FUZZ_SECONDS=60 scripts/fuzz.sh ms_date      one target
# Fails when a target finds an input that breaks its property: the input is
# saved under fuzz/artifacts/<target>/. Fix the code, then move the input to
# fuzz/regressions/<target>/, where the normal test suite replays it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-600}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)

# Built once, then each target's binary runs directly (so that editing the
# code during a long run does not rebuild between targets). No sanitizer: the
# code under test is safe Rust, and without ASan each target runs several
# times more inputs in the same time. Debug assertions and overflow checks on.
cargo +nightly fuzz build -s none
bin="target/$(rustc -vV | sed -n 's/^host: //p')/release"
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  log="$(mktemp)"
  echo "== $t: ${seconds}s"
  "$bin/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$seconds" -print_final_stats=1 \
    "corpus/$t" >"$log" 2>&1 || true
  grep -E '^(==[0-9]+== ERROR|SUMMARY|stat::number_of_executed_units)' "$log" || true
  if compgen -G "artifacts/$t/*" >/dev/null; then
    echo "$t: FOUND A FAILING INPUT (see fuzz/artifacts/$t/)"; exit 1
  fi
  runs="$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | awk '{print $2}' | tail -1)"
  rm -f "$log"
  # Keep only the inputs that add coverage.
  min="$(mktemp -d)"
  "$bin/$t" -merge=1 "$min" "corpus/$t" >/dev/null 2>&1
  rm -rf "corpus/$t" && mv "$min" "corpus/$t"
  summary+=("$t: ${runs:-?} inputs in ${seconds} s, 0 failures, corpus $(ls "corpus/$t" | wc -l) files")
done
printf '%s\n' "${summary[@]}"

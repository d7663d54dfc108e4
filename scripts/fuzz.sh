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

# No sanitizer: the code under test is safe Rust, and without ASan each
# target runs several times more inputs in the same time.
cargo +nightly fuzz build -s none
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log="$(mktemp)"
  echo "== $t: ${seconds}s"
  if ! cargo +nightly fuzz run -s none "$t" "corpus/$t" -- \
      -max_total_time="$seconds" -print_final_stats=1 2>&1 | tee "$log" | grep -E '^(#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|==[0-9]+== ERROR|SUMMARY)'; then
    :
  fi
  if compgen -G "artifacts/$t/*" >/dev/null; then
    echo "$t: FOUND A FAILING INPUT (see fuzz/artifacts/$t/)"; exit 1
  fi
  runs="$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | awk '{print $2}' | tail -1)"
  rm -f "$log"
  cargo +nightly fuzz cmin -s none "$t" "corpus/$t" >/dev/null 2>&1
  summary+=("$t: ${runs:-?} inputs in ${seconds} s, 0 failures, corpus $(ls "corpus/$t" | wc -l) files")
done
printf '%s\n' "${summary[@]}"

#!/usr/bin/env bash
# Runs each fuzz target for a bounded time (FUZZ_SECONDS, default 600), then
# shrinks its corpus to the smallest set of inputs that keeps its coverage.
# Needs a nightly toolchain and cargo-fuzz: both are installed when missing.
# Not part of CI: `make fuzz` runs it.
#   FUZZ_SECONDS=60 scripts/fuzz.sh              every target, a minute each
#   FUZZ_SECONDS=60 scripts/fuzz.sh ms_date      one target
#   FUZZ_SECONDS=0 scripts/fuzz.sh               only shrink the corpus
# Inputs are at most FUZZ_MAX_LEN bytes (4096, libFuzzer's usual): the fuzzer
# makes none longer and the shrink cuts longer ones. Lower caps lose coverage
# (measured in docs/BENCHMARKS.md, Fuzzing).
# Fails when a target finds an input that breaks its property: the input is
# saved under fuzz/artifacts/<target>/. Fix the code, then move the input to
# fuzz/regressions/<target>/, where the normal test suite replays it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-600}"
max_len="${FUZZ_MAX_LEN:-4096}"
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
  runs=0
  if [ "$seconds" -gt 0 ]; then
    echo "== $t: ${seconds}s"
    "$bin/$t" -artifact_prefix="artifacts/$t/" -max_total_time="$seconds" -max_len="$max_len" \
      -print_final_stats=1 "corpus/$t" >"$log" 2>&1 || true
    grep -E '^(==[0-9]+== ERROR|SUMMARY|stat::number_of_executed_units)' "$log" || true
    if compgen -G "artifacts/$t/*" >/dev/null; then
      echo "$t: FOUND A FAILING INPUT (see fuzz/artifacts/$t/)"; exit 1
    fi
    runs="$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | awk '{print $2}' | tail -1)"
  fi
  # Keep the fewest inputs that cover every feature (edge and hit-count
  # bucket) the whole corpus covers: a greedy set cover (-set_cover_merge=1),
  # where -merge=1 keeps every input that added a feature when it was tried.
  min="$(mktemp -d)"
  if ! "$bin/$t" -set_cover_merge=1 -max_len="$max_len" "$min" "corpus/$t" >"$log" 2>&1; then
    cat "$log"; echo "$t: the corpus did not shrink"; exit 1
  fi
  rm -rf "corpus/$t" && mv "$min" "corpus/$t" && chmod 755 "corpus/$t"
  # libFuzzer's own figures for what the kept corpus covers.
  "$bin/$t" -runs=0 -max_len="$max_len" "corpus/$t" >"$log" 2>&1 || true
  cov="$(grep -oE 'INITED cov: [0-9]+ ft: [0-9]+' "$log" | sed 's/INITED //' | tail -1)"
  rm -f "$log"
  files="$(find "corpus/$t" -type f | wc -l)"
  bytes="$(find "corpus/$t" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')"
  summary+=("$t: ${runs:-?} inputs in ${seconds} s, 0 failures; corpus $files files, $bytes bytes, ${cov:-cov ?}")
done
printf '%s\n' "${summary[@]}"

# Ledgerkeep. The two commands a new machine needs:
#   make run    installs what is missing, builds, and opens the app
#   make test   installs what is missing, and runs every check and test
.DEFAULT_GOAL := help
SHELL := /bin/bash

# Every cargo call builds the shell with the UI embedded, so that the checks,
# the tests and the app share one set of compiled dependencies.
FEATURES := --features ledgerkeep/custom-protocol
# A clean clone gains nothing from incremental compilation, and its cache
# roughly doubles target/ (CARGO_INCREMENTAL=1 make … keeps it for local work).
export CARGO_INCREMENTAL ?= 0
APP := target/debug/ledgerkeep

.PHONY: help deps ui app run test fmt-check clippy rust-test ui-check e2e bindings fmt bench bench-attachments bench-rebuild bench-scale bench-app deb deb-test fuzz soak load crash screenshots

help:
	@echo "make run       install what is missing, build, and open Ledgerkeep"
	@echo "make test      install what is missing, and run every check and test"
	@echo "make bindings  regenerate ui/src/bindings.ts after changing a command or event"
	@echo "make fmt       format the Rust code"
	@echo "make screenshots  a PNG of each main screen of the real app, demo company loaded, into docs/screenshots/"
	@echo "make deb       build the release .deb (LTO, stripped) into target/release/bundle/deb/"
	@echo "make deb-test  install that .deb with dpkg and launch it under Xvfb"
	@echo "make bench     the ledger, simulator, reports and explorer benchmarks (optimised builds; figures in docs/BENCHMARKS.md)"
	@echo "make bench-app the release app under Xvfb: cold start, idle memory, the explorer's first rows at 1M rows"
	@echo "make crash     kill -9 at 30 random points of a large sync (make test kills 5)"
	@echo "make soak      a week of scheduled syncs on the virtual clock, with changes and faults (CI runs a day)"
	@echo "make load      ten organisations syncing at once while the UI's commands are timed"
	@echo "make fuzz      every fuzz target for FUZZ_SECONDS (600) each; not part of make test"

deps:
	@scripts/install-deps.sh

ui: deps
	npm run build

app: ui
	cargo build -p ledgerkeep -p ledgerkeep-cli $(FEATURES)

run: app
	$(APP)

fmt:
	cargo fmt --all

bindings: ui
	LEDGERKEEP_WRITE_BINDINGS=1 cargo test -p ledgerkeep $(FEATURES) --lib contract::

fmt-check:
	cargo fmt --all --check

clippy: ui
	cargo clippy --workspace --all-targets $(FEATURES) -- -D warnings

# Rust unit and integration tests, including the bindings drift check and the
# check that ledgerkeep-cli links no GTK or WebKit. They run inside a private
# desktop session (keyring, notifications), which the ignored tests need.
# The kill -9 crash test kills 5 syncs here (about 8 minutes); `make crash` runs the issue's 30.
rust-test: ui
	LEDGERKEEP_CRASH_KILLS=$${LEDGERKEEP_CRASH_KILLS:-5} scripts/with-desktop-session.sh cargo nextest run --workspace $(FEATURES) --no-fail-fast --run-ignored all

# kill -9 at 30 random points of a large sync, each resumed and checked against the truth (about 50 minutes).
crash:
	LEDGERKEEP_CRASH_KILLS=30 scripts/with-desktop-session.sh cargo nextest run -p ledgerkeep-cli --run-ignored all --no-capture kill_9

ui-check: ui
	npm run typecheck
	npm run lint
	npm run test:ui
	npm run test:a11y

e2e: app
	tests/e2e/run.sh

# One PNG of each main screen into docs/screenshots/: the real app under Xvfb
# with the demo company connected, driven like the end-to-end tests.
screenshots: app
	scripts/with-desktop-session.sh node scripts/screenshots.mjs

test: deps fmt-check ui clippy rust-test ui-check e2e
	@echo "make test: every check passed"

deb: deps
	npx tauri build --bundles deb

deb-test:
	scripts/test-deb.sh

# The ledger's benchmark: ingest, listings and search on a 1M-row ledger in a
# temporary folder; then how fast the simulator makes its books (small, medium,
# and large with 1M bank transactions). Optimised builds (cargo's bench
# profile); each prints its figures.
# Smaller runs: LEDGERKEEP_BENCH_INGEST=20000 LEDGERKEEP_BENCH_LEDGER=100000 make bench
bench: load
	cargo bench -p ledgerkeep-store --bench ledger
	$(MAKE) bench-attachments
	cargo bench -p ledgerkeep-sim --bench generate
	$(MAKE) bench-rebuild
	$(MAKE) bench-scale

# The attachment store (store/benches/attachments.rs): 10,000 files written
# one by one as the sync's job keeps them, their space read, every file
# verified against its hash, and backups that carry them.
# Smaller runs: LEDGERKEEP_BENCH_ATTACHMENTS=1000 make bench-attachments
bench-attachments:
	cargo bench -p ledgerkeep-store --bench attachments

# The general ledger rebuilt from 1M documents (the medium books repeated;
# sync/benches/rebuild.rs). The ledger is kept in REBUILD_DIR and reused.
# Smaller runs: LEDGERKEEP_REBUILD_DOCUMENTS=100000 make bench-rebuild
REBUILD_DIR ?= $(CURDIR)/target/bench-rebuild
bench-rebuild:
	LEDGERKEEP_REBUILD_DIR=$(REBUILD_DIR) cargo bench -p ledgerkeep-sync --bench rebuild

# The reports, the explorer's commands, search across every kind, the palette
# and record pages on the simulator's large books and the general ledger
# rebuilt from them, over 1M lines (api/benches/scale.rs).
# The data folder is kept in SCALE_DIR and reused; delete it to build it
# afresh (about 30 minutes with the rebuild on a shared machine).
# Fewer timed calls: LEDGERKEEP_SCALE_RUNS=10 make bench-scale
# A newer schema migrates it on open, after a backup into its backups/ folder.
SCALE_DIR ?= $(CURDIR)/target/bench-scale
bench-scale:
	LEDGERKEEP_SCALE_DIR=$(SCALE_DIR) cargo bench -p ledgerkeep-api --bench scale

# The release app in a real window under Xvfb (tests/bench/app.bench.mjs): cold
# start to interactive, idle memory on the demo company, and the explorer's
# first rows on the 1M-row data folder of bench-scale. Builds the release binary
# (LTO: slow) and that folder first.
bench-app: ui bench-scale
	cargo build --release -p ledgerkeep $(FEATURES)
	LEDGERKEEP_APP=$${CARGO_TARGET_DIR:-target}/release/ledgerkeep LEDGERKEEP_SCALE_DIR=$(SCALE_DIR) \
	  scripts/with-desktop-session.sh node tests/bench/app.bench.mjs

# Ten organisations (medium books) sync at once under an app-wide limit that
# binds, while the UI's commands are timed (api/benches/load.rs).
load:
	cargo bench -p ledgerkeep-api --bench load

# The long soak: LEDGERKEEP_SOAK_DAYS (7) simulated days of scheduled syncs
# with changes and faults (sync/tests/soak.rs; CI runs one day). Optimised build.
soak:
	LEDGERKEEP_SOAK_DAYS=$${LEDGERKEEP_SOAK_DAYS:-7} cargo test --release -p ledgerkeep-sync --test soak -- --nocapture

# Every fuzz target (fuzz/fuzz_targets) for FUZZ_SECONDS each (600), then its
# corpus shrunk for committing to the fewest inputs that keep its coverage
# (FUZZ_SECONDS=0: only shrink). Not part of `make test`, which replays the
# committed corpus and regressions instead (api/tests/fuzz_corpus.rs).
fuzz:
	scripts/fuzz.sh

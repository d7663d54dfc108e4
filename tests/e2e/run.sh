#!/usr/bin/env bash
# Runs the end-to-end tests inside a virtual X display and a private D-Bus session
# (single-instance and deep links need a session bus, and without one GTK leaves
# portal daemons running after the app exits).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${LEDGERKEEP_E2E_INNER:-}" ]; then
  exec env LEDGERKEEP_E2E_INNER=1 xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- "$0" "$@"
fi

node --test --test-concurrency=1 tests/e2e/

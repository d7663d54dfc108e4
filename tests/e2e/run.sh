#!/usr/bin/env bash
# Runs the end-to-end tests in a private desktop session (virtual display, D-Bus,
# keyring, notifications): single-instance and deep links need the session bus.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec scripts/with-desktop-session.sh node --test --test-concurrency=1 tests/e2e/

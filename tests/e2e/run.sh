#!/usr/bin/env bash
# Runs the end-to-end tests in a private desktop session (virtual display, D-Bus,
# keyring, notifications): single-instance and deep links need the session bus.
set -euo pipefail
cd "$(dirname "$0")/../.."
# A test that hangs (a window that never answers) fails after 5 minutes instead
# of holding the run, and the drivers a test file started end with it. Files given as arguments run alone:
#   tests/e2e/run.sh tests/e2e/settings.e2e.test.mjs
# The UI formats amounts, dates and times in the window's locale (navigator.language), and
# the tests match that text: fix the locale. Under C, WebKitGTK's navigator.language is "C",
# which is no BCP 47 tag, and the UI formats in en-US.
unset LC_ALL LC_MESSAGES LANGUAGE
export LANG=C.UTF-8
# The whole run ends within 45 minutes (it takes about 15), whatever is left hanging.
exec timeout --kill-after=30 2700 scripts/with-desktop-session.sh node --test --test-concurrency=1 --test-timeout=300000 "${@:-tests/e2e/}"

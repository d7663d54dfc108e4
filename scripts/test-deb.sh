#!/usr/bin/env bash
# Installs the release .deb (built by `make deb`) with dpkg, launches the installed
# binary in a private desktop session, and checks that its window comes up and that
# it created its ledger. Prints the package's size. Needs root (dpkg -i).
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls -t target/release/bundle/deb/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "no .deb: run make deb first" >&2; exit 1; }
echo "package: $deb ($(du -h "$deb" | cut -f1))"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 "./$deb" >/dev/null
bin=$(dpkg -L ledgerkeep | grep -E '/bin/ledgerkeep$')
echo "installed: $bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scripts/with-desktop-session.sh bash -c '
  export HOME="$1/home" LEDGERKEEP_DATA_DIR="$1/data"
  "$2" & pid=$!
  for _ in $(seq 1 50); do
    [ -f "$LEDGERKEEP_DATA_DIR/ledger.sqlite" ] && xwininfo -root -tree | grep -q "Ledgerkeep" && break
    sleep 0.2
  done
  ok=0
  xwininfo -root -tree | grep -q "\"Ledgerkeep\"" && [ -f "$LEDGERKEEP_DATA_DIR/ledger.sqlite" ] && ok=1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  [ "$ok" = 1 ] || { echo "the installed app did not open its window" >&2; exit 1; }
  echo "the installed app opened its window and created its ledger"
' _ "$work" "$bin"

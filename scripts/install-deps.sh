#!/usr/bin/env bash
# Installs whatever is missing to build, run and test Ledgerkeep on Debian or
# Ubuntu: system packages, the npm packages, and the cargo tools. Safe to rerun:
# each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages: Tauri's build needs (WebKitGTK 4.1 and friends), and the test
# tools (a virtual display, a D-Bus session, the WebKit WebDriver, a keyring and
# a notification daemon: see scripts/with-desktop-session.sh; sqlite3, with which the
# end-to-end tests read the ledger file; poppler-utils, whose pdftotext and pdftoppm read
# back and render the PDF exports in the tests; a font with Chinese and Japanese glyphs, so
# that the demo's contacts named in them show in the window and the screenshots, not as boxes).
APT_PACKAGES=(
  build-essential pkg-config curl file
  libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth x11-utils dbus dbus-x11 webkit2gtk-driver gnome-keyring dunst sqlite3 chromium
  poppler-utils fonts-wqy-zenhei
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "Installing system packages: ${missing[*]}"
  as_root apt-get update -o DPkg::Lock::Timeout=600
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "${missing[@]}"
fi

# Node.js 20.19 or newer (Vite 8).
if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "Node.js 20.19 or newer is needed (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "Install it from your distribution or nodejs.org, then rerun." >&2
  exit 1
fi

# npm packages, exactly as locked. Skipped when the lock file has not changed.
stamp=node_modules/.ledgerkeep-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "Installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi

# Rust: the toolchain comes from rustup (rust-toolchain.toml); the cargo tools here.
if ! command -v cargo >/dev/null; then
  echo "Rust is needed: install rustup, then rerun." >&2
  exit 1
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true
if ! command -v cargo-nextest >/dev/null; then
  say "Installing cargo-nextest"
  cargo install cargo-nextest --locked
fi
if ! command -v tauri-driver >/dev/null; then
  say "Installing tauri-driver"
  cargo install tauri-driver --locked
fi

# singer-io's tap-xero, a Xero client no one here wrote, which a test runs
# against the simulator (tests/tap-xero, cli/tests/tap_xero.rs): a Python venv
# under target/, from the pinned list. Skipped when the list has not changed.
venv=target/tap-xero-venv
stamp=$venv/.requirements.sha256
want=$(sha256sum tests/tap-xero/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    say "Installing system packages: python3 python3-venv"
    as_root apt-get update -o DPkg::Lock::Timeout=600
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      -o DPkg::Lock::Timeout=600 python3 python3-venv
  fi
  say "Installing tap-xero into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r tests/tap-xero/requirements.txt
  echo "$want" >"$stamp"
fi

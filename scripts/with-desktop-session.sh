#!/usr/bin/env bash
# Runs a command inside a private desktop session, as the app would find on a
# Linux desktop: a virtual X display (Xvfb, 2560×1440: the largest window the
# app is checked at), a D-Bus session bus, an unlocked Secret Service (GNOME
# Keyring, with a throwaway keyring) and a notification daemon (dunst).
# Everything it starts ends with the command.
#   scripts/with-desktop-session.sh cargo nextest run --run-ignored all
set -euo pipefail

if [ -z "${LEDGERKEEP_DESKTOP_SESSION:-}" ]; then
  exec env LEDGERKEEP_DESKTOP_SESSION=1 \
    xvfb-run -a -s "-screen 0 2560x1440x24" dbus-run-session -- "$0" "$@"
fi

scratch=$(mktemp -d)
cleanup() {
  [ -n "${dunst_pid:-}" ] && kill "$dunst_pid" 2>/dev/null || true
  [ -n "${GNOME_KEYRING_PID:-}" ] && kill "$GNOME_KEYRING_PID" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# A keyring of its own, unlocked with an empty password; never the user's.
eval "$(printf '' | XDG_DATA_HOME="$scratch" gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
# A fresh keyring has no "default" collection, and a write to it would wait on a
# prompt nobody answers: point "default" at the unlocked session collection.
for _ in 1 2 3 4 5; do
  dbus-send --session --dest=org.freedesktop.secrets --type=method_call --print-reply \
    /org/freedesktop/secrets org.freedesktop.Secret.Service.SetAlias \
    string:default objpath:/org/freedesktop/secrets/collection/session >/dev/null 2>&1 && break
  sleep 0.2
done
dunst >/dev/null 2>&1 &
dunst_pid=$!

"$@"

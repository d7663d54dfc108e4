/**
 * "Check for Updates…" from the window's menu: the shell shows Settings, and the
 * Updates section checks as soon as it is there (at once when it already is).
 */
let pending = false;
const listeners = new Set<() => void>();

export function requestUpdateCheck() {
  if (listeners.size === 0) {
    pending = true;
    return;
  }
  listeners.forEach((l) => l());
}

/** Subscribes the Updates section; a request made before it mounted is delivered now. */
export function onUpdateCheckRequest(listener: () => void): () => void {
  listeners.add(listener);
  if (pending) {
    pending = false;
    listener();
  }
  return () => {
    listeners.delete(listener);
  };
}

import { useSyncExternalStore } from "react";

export type Theme = "system" | "light" | "dark";

const KEY = "ledgerkeep.theme";
const ORDER: readonly Theme[] = ["system", "light", "dark"];

export function loadTheme(storage: Pick<Storage, "getItem"> = localStorage): Theme {
  const saved = storage.getItem(KEY);
  return ORDER.find((t) => t === saved) ?? "system";
}

export function saveTheme(theme: Theme, storage: Pick<Storage, "setItem"> = localStorage): void {
  storage.setItem(KEY, theme);
}

/** `system` follows the OS through `prefers-color-scheme`; the others force a theme. */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === "system") {
    delete root.dataset.theme;
  } else {
    root.dataset.theme = theme;
  }
}

export function nextTheme(theme: Theme): Theme {
  const i = ORDER.indexOf(theme);
  return ORDER[(i + 1) % ORDER.length] ?? "system";
}

/**
 * The theme in use, shared by every control that shows it (the sidebar's toggle, Settings →
 * Appearance): `chooseTheme` saves, applies and tells them all.
 */
const listeners = new Set<() => void>();

export function currentTheme(): Theme {
  return loadTheme();
}

export function chooseTheme(theme: Theme): void {
  saveTheme(theme);
  applyTheme(theme);
  listeners.forEach((l) => l());
}

export function subscribeTheme(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** The theme in use, drawn again when any control changes it. */
export function useTheme(): Theme {
  return useSyncExternalStore(subscribeTheme, currentTheme);
}

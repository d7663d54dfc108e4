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

import type { VisibilityState } from "@tanstack/react-table";

/** How a table is drawn: the row spacing. */
export type Density = "comfortable" | "compact";

/** What the owner chose for one table: the columns hidden, and the density. */
export interface TablePrefs {
  hidden: string[];
  density: Density;
}

export const DEFAULT_PREFS: TablePrefs = { hidden: [], density: "comfortable" };

/** The localStorage key of a table's choices (per table, kept on this computer like the theme). */
export const prefsKey = (tableId: string) => `ledgerkeep.table.${tableId}`;

/** A table's kept choices; the defaults for none, or for anything unreadable. */
export function loadTablePrefs(tableId: string, storage: Pick<Storage, "getItem"> = localStorage): TablePrefs {
  try {
    const raw: unknown = JSON.parse(storage.getItem(prefsKey(tableId)) ?? "null");
    if (!raw || typeof raw !== "object") return DEFAULT_PREFS;
    const r = raw as { hidden?: unknown; density?: unknown };
    const hidden = Array.isArray(r.hidden) ? r.hidden.filter((h): h is string => typeof h === "string") : [];
    const density: Density = r.density === "compact" ? "compact" : "comfortable";
    return { hidden, density };
  } catch {
    return DEFAULT_PREFS;
  }
}

export function saveTablePrefs(tableId: string, prefs: TablePrefs, storage: Pick<Storage, "setItem"> = localStorage): void {
  try {
    storage.setItem(prefsKey(tableId), JSON.stringify(prefs));
  } catch {
    // Storage full or refused: the choice holds for this session only.
  }
}

/** TanStack Table's visibility state from the hidden columns. */
export const visibilityOf = (hidden: string[]): VisibilityState => Object.fromEntries(hidden.map((id) => [id, false]));

import type { Column } from "@tanstack/react-table";
import { useEffect, useId, useRef, useState } from "react";
import { DEFAULT_PREFS, loadTablePrefs, saveTablePrefs, type TablePrefs } from "./tablePrefs";

/** A column as the chooser lists it: its id, its name, and whether it always stays (the row's name). */
export interface ChoosableColumn {
  id: string;
  name: string;
  fixed?: boolean | undefined;
}

/** TanStack Table's columns as the chooser lists them: each one's label, its header's text, or its id. */
export function choosableColumns<T>(columns: Column<T, unknown>[]): ChoosableColumn[] {
  return columns.map((c) => {
    const { header, meta } = c.columnDef;
    const name = meta?.label ?? (typeof header === "string" && header.trim() !== "" ? header : c.id);
    return { id: c.id, name, fixed: meta?.rowHeader };
  });
}

const read = (tableId: string | undefined) => ({ id: tableId, prefs: tableId ? loadTablePrefs(tableId) : DEFAULT_PREFS });

/**
 * A table's choices (its hidden columns and density), kept per table on this computer under
 * `tableId`; none kept without an id. A new id (another kind of document) reads its own, once.
 */
export function useTablePrefs(tableId: string | undefined): [TablePrefs, (prefs: TablePrefs) => void] {
  const [kept, setKept] = useState(() => read(tableId));
  let prefs = kept.prefs;
  if (kept.id !== tableId) {
    // Read during the render that sees the new id, and kept for the renders after it.
    const next = read(tableId);
    setKept(next);
    prefs = next.prefs;
  }
  const choose = (next: TablePrefs) => {
    setKept({ id: tableId, prefs: next });
    if (tableId) saveTablePrefs(tableId, next);
  };
  return [prefs, choose];
}

/**
 * A table's own tools: a menu of its columns (checkboxes; a fixed column, the row's name, always
 * stays, and so does the last one shown) and the compact density, both kept per table on this
 * computer. Every table of the app has them: the plain tables, the Transactions grid and the
 * reports.
 */
export function TableTools({
  tableId,
  name,
  columns,
  prefs,
  onChange,
}: {
  tableId: string;
  name: string;
  columns: ChoosableColumn[];
  prefs: TablePrefs;
  onChange: (prefs: TablePrefs) => void;
}) {
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const boxRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!boxRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", onDown);
    return () => document.removeEventListener("mousedown", onDown);
  }, [open]);
  const choosable = columns.filter((c) => !c.fixed);
  const shown = choosable.filter((c) => !prefs.hidden.includes(c.id));
  const hiddenHere = choosable.length - shown.length;
  const toggle = (id: string, visible: boolean) =>
    onChange({ ...prefs, hidden: visible ? prefs.hidden.filter((h) => h !== id) : [...prefs.hidden, id] });
  const compact = prefs.density === "compact";
  return (
    <div className="table-tools" data-testid={`${tableId}-tools`}>
      {choosable.length > 1 && (
        <div
          className="column-chooser"
          ref={boxRef}
          onKeyDown={(e) => {
            if (e.key === "Escape" && open) {
              e.stopPropagation();
              setOpen(false);
              buttonRef.current?.focus();
            }
          }}
        >
          <button
            type="button"
            ref={buttonRef}
            aria-expanded={open}
            aria-controls={menuId}
            aria-label={`Columns of ${name}`}
            data-testid={`${tableId}-columns`}
            onClick={() => setOpen(!open)}
          >
            Columns{hiddenHere > 0 ? ` (${shown.length} of ${choosable.length})` : ""}
          </button>
          {open && (
            <fieldset id={menuId} className="chooser-menu" data-testid={`${tableId}-chooser`}>
              <legend className="visually-hidden">Columns shown in {name}</legend>
              {choosable.map((c) => {
                const visible = !prefs.hidden.includes(c.id);
                return (
                  <label key={c.id}>
                    <input
                      type="checkbox"
                      checked={visible}
                      // The last column shown stays: a table of no columns helps no one.
                      disabled={visible && shown.length === 1}
                      onChange={(e) => toggle(c.id, e.target.checked)}
                    />
                    {c.name}
                  </label>
                );
              })}
              {hiddenHere > 0 && (
                <button type="button" className="link" onClick={() => onChange({ ...prefs, hidden: [] })}>
                  Show every column
                </button>
              )}
            </fieldset>
          )}
        </div>
      )}
      <button
        type="button"
        aria-pressed={compact}
        aria-label={`Compact rows in ${name}`}
        data-testid={`${tableId}-density`}
        onClick={() => onChange({ ...prefs, density: compact ? "comfortable" : "compact" })}
      >
        Compact
      </button>
    </div>
  );
}

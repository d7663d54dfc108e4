import { getCoreRowModel, useReactTable, type ColumnDef, type RowData } from "@tanstack/react-table";
import { Fragment, type HTMLAttributes, type ReactNode } from "react";
import { choosableColumns, TableTools, useTablePrefs } from "./TableTools";
import { visibilityOf } from "./tablePrefs";

declare module "@tanstack/react-table" {
  // The type parameters are TanStack's; a column's meta does not use them.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface ColumnMeta<TData extends RowData, TValue> {
    /** A money amount or other figure: right-aligned and kept on one line (header and cells). */
    amount?: boolean;
    /** The cell that names its row: a `<th scope="row">`, so each figure is read with it. */
    rowHeader?: boolean;
    /** The column's name in the column chooser, where its header is no plain text. */
    label?: string;
  }
}

/**
 * A header's or cell's content. Unlike `flexRender`, a function is called, not mounted as a
 * component: the columns may then be written inline (closing over the screen's state) without
 * each render replacing the cells' elements, which would drop focus and clicks.
 */
function show<P>(content: ((props: P) => unknown) | string | undefined, props: P): ReactNode {
  return (typeof content === "function" ? content(props) : content) as ReactNode;
}

/**
 * A text cell's content: plain text is kept on one line in the compact density, cut with an
 * ellipsis and whole in its tooltip. Money is never cut (its cells keep their width).
 */
function textCell(content: ReactNode, compact: boolean): ReactNode {
  if (!compact || (typeof content !== "string" && typeof content !== "number")) return content;
  const text = String(content);
  return (
    <span className="cell-text" title={text}>
      {text}
    </span>
  );
}

/** What a row's `<tr>` carries besides its cells: a test id, a class, a title, data attributes. */
export type RowProps = HTMLAttributes<HTMLTableRowElement> & { [data: `data-${string}`]: string | undefined };

/**
 * A plain, accessible table over TanStack Table: every list of records or rows in the app.
 * Name it with `label` (its aria-label) or a visible `caption`. Columns mark money
 * (`meta.amount`: right-aligned, tabular, never cut) and the row's naming cell
 * (`meta.rowHeader`). `expanded` draws a row's details (a history, a form) in a full-width row
 * below it. The table scrolls in its own box (at most about a window high), so its header
 * sticks while its rows scroll. A table with an id (`tableId`, else its `testId`) offers a
 * column chooser and a compact density, kept per table. Large lists get virtualised on top of
 * TanStack Table the same way (the Transactions screen's grid).
 */
export function DataTable<T>({
  data,
  columns,
  label,
  caption,
  className,
  testId,
  tableId,
  rowKey,
  rowProps,
  expanded,
  hideHeader = false,
}: {
  data: T[];
  columns: ColumnDef<T, unknown>[];
  label?: string;
  caption?: ReactNode;
  className?: string;
  testId?: string;
  /** The key its column choice and density are kept under; its `testId` when not given. */
  tableId?: string;
  /** A stable key per row (the record's id); the row's index otherwise. */
  rowKey?: (row: T, index: number) => string;
  rowProps?: (row: T, index: number) => RowProps;
  expanded?: (row: T) => ReactNode;
  /** Headers kept for screen readers only, where the cells speak for themselves on screen. */
  hideHeader?: boolean;
}) {
  const id = hideHeader ? undefined : (tableId ?? testId);
  const [prefs, choose] = useTablePrefs(id);
  // TanStack Table v8 predates the React Compiler; this app does not use the compiler.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable({
    data,
    columns,
    getCoreRowModel: getCoreRowModel(),
    state: { columnVisibility: visibilityOf(prefs.hidden) },
    ...(rowKey ? { getRowId: (row: T, index: number) => rowKey(row, index) } : {}),
  });
  const width = table.getVisibleLeafColumns().length;
  const compact = prefs.density === "compact";
  const name = label ?? (typeof caption === "string" ? caption : "this table");
  const classes = ["data-table", className, compact ? "compact" : undefined].filter(Boolean).join(" ");
  return (
    <div className="data-table-box">
      {id && (
        <TableTools
          tableId={id}
          name={name}
          columns={choosableColumns(table.getAllLeafColumns())}
          prefs={prefs}
          onChange={choose}
        />
      )}
      <div className="table-scroll">
        <table className={classes} aria-label={label} data-testid={testId}>
          {caption && <caption className="muted">{caption}</caption>}
          <thead className={hideHeader ? "visually-hidden" : undefined}>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((h) => (
                  <th
                    key={h.id}
                    colSpan={h.colSpan > 1 ? h.colSpan : undefined}
                    scope={h.colSpan > 1 ? "colgroup" : "col"}
                    className={h.column.columnDef.meta?.amount ? "amount" : undefined}
                  >
                    {h.isPlaceholder ? null : show(h.column.columnDef.header, h.getContext())}
                  </th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((row) => {
              const more = expanded?.(row.original);
              return (
                <Fragment key={row.id}>
                  <tr {...rowProps?.(row.original, row.index)}>
                    {row.getVisibleCells().map((cell) => {
                      const meta = cell.column.columnDef.meta;
                      const shown = show(cell.column.columnDef.cell, cell.getContext());
                      const content = meta?.amount ? shown : textCell(shown, compact);
                      const cls = meta?.amount ? "amount" : undefined;
                      return meta?.rowHeader ? (
                        <th key={cell.id} scope="row" className={cls}>
                          {content}
                        </th>
                      ) : (
                        <td key={cell.id} className={cls}>
                          {content}
                        </td>
                      );
                    })}
                  </tr>
                  {more && (
                    <tr>
                      <td colSpan={width}>{more}</td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

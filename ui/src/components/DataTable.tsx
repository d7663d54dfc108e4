import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from "@tanstack/react-table";

/** A plain, accessible table over TanStack Table. Large lists get virtualised on top of it. */
export function DataTable<T>({ data, columns, label }: { data: T[]; columns: ColumnDef<T, unknown>[]; label: string }) {
  // TanStack Table v8 predates the React Compiler; this app does not use the compiler.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable({ data, columns, getCoreRowModel: getCoreRowModel() });
  return (
    <table className="data-table" aria-label={label}>
      <thead>
        {table.getHeaderGroups().map((group) => (
          <tr key={group.id}>
            {group.headers.map((h) => (
              <th key={h.id} scope="col">
                {h.isPlaceholder ? null : flexRender(h.column.columnDef.header, h.getContext())}
              </th>
            ))}
          </tr>
        ))}
      </thead>
      <tbody>
        {table.getRowModel().rows.map((row) => (
          <tr key={row.id}>
            {row.getVisibleCells().map((cell) => (
              <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

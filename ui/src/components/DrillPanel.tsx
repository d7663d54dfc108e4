import type { ReactNode } from "react";
import type { ColumnDef } from "@tanstack/react-table";
import { commands, type AnomalyRecordView, type DrillRowView, type DrillView } from "../bindings";
import { useCommandPages } from "../app/query";
import { formatDate, formatTotalWithBase } from "../lib/format";
import { DataTable } from "./DataTable";
import { ErrorNotice } from "./ErrorNotice";

const PAGE = 100;

/** The lines behind a figure, a page at a time; a line's invoice or bank transaction opens in the explorer. */
export function DrillPanel({
  tenantId,
  title,
  drill,
  onClose,
  onOpenRecord,
  children,
}: {
  tenantId: string;
  title: string;
  drill: DrillView;
  onClose: () => void;
  onOpenRecord: (r: AnomalyRecordView) => void;
  /** More about what the figure belongs to, below its lines (an account's files). */
  children?: ReactNode;
}) {
  const columns: ColumnDef<DrillRowView, unknown>[] = [
    { header: "Date", id: "date", cell: ({ row }) => formatDate(row.original.date) },
    {
      header: "Source",
      id: "source",
      cell: ({ row: { original: r } }) => (
        <>
          {r.entity && r.xeroId ? (
            <button type="button" className="link" onClick={() => r.entity && r.xeroId && onOpenRecord({ entity: r.entity, xeroId: r.xeroId, label: r.label })}>
              {r.label}
            </button>
          ) : (
            r.label
          )}
          {r.contactName ? ` · ${r.contactName}` : ""}
          {r.sourceType ? <span className="muted"> {r.sourceType}</span> : null}
        </>
      ),
    },
    {
      header: "Amount",
      id: "amount",
      meta: { amount: true },
      cell: ({ row: { original: r } }) => (
        <span data-testid="drill-amount">{formatTotalWithBase({ currencyCode: r.currencyCode, total: r.amount, baseCurrency: r.baseCurrency, baseTotal: r.baseAmount })}</span>
      ),
    },
  ];
  const { query, rows, loading } = useCommandPages(["reportDrill", { tenantId, drill, limit: PAGE }], (after) =>
    commands.reportDrill({ tenantId, drill, after, limit: PAGE }),
  );
  return (
    <aside className="drawer" aria-label="What makes this figure" data-testid="drill-panel">
      <div className="section-head">
        <h2>{title}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {query.error && <ErrorNotice error={query.error} />}
      <DataTable data={rows} columns={columns} label={`Lines making ${title}`} className="drill-table" rowProps={() => ({ "data-testid": "drill-row" })} />
      {loading && <p role="status">Reading the lines…</p>}
      {query.isSuccess && rows.length === 0 && <p className="muted">No lines.</p>}
      {query.hasNextPage && !loading && (
        <button type="button" onClick={() => void query.fetchNextPage()}>
          More
        </button>
      )}
      {children}
    </aside>
  );
}

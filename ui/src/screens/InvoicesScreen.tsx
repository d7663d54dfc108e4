import { useCallback, useMemo, useState } from "react";
import type { ColumnDef } from "@tanstack/react-table";
import { commands, type AnomalyRecordView, type DrillView, type ReportRequest, type ReportRowView } from "../bindings";
import { useOrganisation } from "../app/organisation";
import { useCommandQuery } from "../app/query";
import { dayOf, useSearchState, type RawSearch } from "../app/searchState";
import { DataTable } from "../components/DataTable";
import { DrillPanel } from "../components/DrillPanel";
import { EmptyState } from "../components/EmptyState";
import { formatMoney, todayIn } from "../lib/format";
import { ErrorNotice } from "../components/ErrorNotice";

type Side = "ACCREC" | "ACCPAY";

/** The age buckets as a link names them, in the report's column order. */
const BUCKETS = ["current", "1-30", "31-60", "61-90", "older"] as const;

/**
 * Which side, as at when, and which age bucket's documents are listed, as the URL names them
 * (`?side=ACCPAY&asAt=2026-03-31&bucket=1-30`): the Dashboard's ageing bars link here.
 */
const writeAgeing = ({ side, asAt, bucket }: { side: Side; asAt: string; bucket: string }): RawSearch => (bucket ? { side, asAt, bucket } : { side, asAt });

/** Sales invoices and bills still due, aged by 30, 60 and 90 days; each bucket lists its documents. */
export function InvoicesScreen({ onOpenRecord }: { onOpenRecord: (r: AnomalyRecordView) => void }) {
  const { organisations, current } = useOrganisation();
  // The side and the day are the URL's; sales invoices as at today, in the organisation's timezone, when it names none.
  const zone = current?.ianaTimezone;
  const readAgeing = useCallback(
    (raw: RawSearch) => ({
      side: raw.side === "ACCPAY" ? ("ACCPAY" as const) : ("ACCREC" as const),
      asAt: dayOf(raw.asAt) ?? todayIn(zone),
      bucket: (BUCKETS as readonly string[]).includes(raw.bucket ?? "") ? (raw.bucket ?? "") : "",
    }),
    [zone],
  );
  const { draft, apply } = useSearchState(readAgeing, writeAgeing);
  const { side, asAt } = draft;
  const setSide = (s: Side) => apply({ ...draft, side: s, bucket: "" });
  const setAsAt = (d: string) => apply({ ...draft, asAt: d, bucket: "" });
  const [open, setOpen] = useState<{ for: unknown; title: string; drill: DrillView } | null>(null);
  const tenantId = current?.tenantId ?? null;
  const request = useMemo<ReportRequest | null>(
    () => (tenantId ? { tenantId, kind: side === "ACCREC" ? "agedReceivables" : "agedPayables", period: { from: null, to: asAt }, comparisons: [], basis: null } : null),
    [tenantId, side, asAt],
  );
  const { result: report } = useCommandQuery(["runReport", request], request && (() => commands.runReport(request)));

  if (organisations.state !== "loading" && !current) {
    return (
      <section data-testid="screen-invoices-and-bills">
        <h1 tabIndex={-1}>Invoices &amp; Bills</h1>
        <EmptyState heading="No invoices or bills yet" body="Sales invoices and supplier bills will appear here with what is due and overdue, aged by 30, 60 and 90 days." />
      </section>
    );
  }
  const view = report.state === "ok" ? report.data : null;
  // A bucket named in the address lists its documents in every currency (the base-currency total's cell).
  const named = BUCKETS.indexOf(draft.bucket as (typeof BUCKETS)[number]);
  const namedDrill = view && named >= 0 ? view.summary[0]?.cells[named]?.drill : null;
  const fromAddress =
    view && namedDrill ? { for: request, title: `${side === "ACCREC" ? "Owed to you" : "You owe"} · ${view.columns[named]?.label ?? draft.bucket}`, drill: namedDrill } : null;
  const drill = open && open.for === request ? open : fromAddress;
  const close = () => {
    setOpen(null);
    if (draft.bucket) apply({ ...draft, bucket: "" });
  };
  return (
    <section data-testid="screen-invoices-and-bills">
      <h1 tabIndex={-1}>Invoices &amp; Bills</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <select aria-label="Which" data-testid="invoices-side" value={side} onChange={(e) => setSide(e.target.value as Side)}>
          <option value="ACCREC">Sales invoices (owed to you)</option>
          <option value="ACCPAY">Bills (you owe)</option>
        </select>
        <input type="date" aria-label="As at" value={asAt} onChange={(e) => e.target.value && setAsAt(e.target.value)} />
      </form>
      {report.state === "loading" && <p role="status">Ageing…</p>}
      {report.state === "error" && (
        <ErrorNotice error={report.error} />
      )}
      {view && view.sections.length === 0 && <p className="muted">Nothing is due.</p>}
      {view?.sections.map((s) => (
        <div key={s.title} className="ageing" data-testid="ageing">
          <h2>{s.title}</h2>
          <div className="ageing-buckets">
            {view.columns.map((c, i) => {
              const cell = s.total?.cells[i];
              return (
                <button
                  key={c.label}
                  type="button"
                  className="ageing-bucket"
                  data-testid="ageing-bucket"
                  onClick={() => cell?.drill && setOpen({ for: request, title: `${s.title} · ${c.label}`, drill: cell.drill })}
                >
                  <span className="muted">{c.label}</span>
                  <strong>{formatMoney(cell?.amount)}</strong>
                </button>
              );
            })}
          </div>
          <DataTable
            data={s.rows}
            columns={[
              { header: "Contact", id: "contact", meta: { rowHeader: true }, cell: ({ row }) => row.original.label },
              ...view.columns.map(
                (col, i): ColumnDef<ReportRowView, unknown> => ({
                  header: col.label,
                  id: `c${i}`,
                  meta: { amount: true },
                  cell: ({ row: { original: r } }) => {
                    const c = r.cells[i];
                    if (!c) return null;
                    return c.amount && !/^-?0(\.0+)?$/.test(c.amount) && c.drill ? (
                      <button type="button" className="link" onClick={() => c.drill && setOpen({ for: request, title: `${r.label} · ${col.label}`, drill: c.drill })}>
                        {formatMoney(c.amount)}
                      </button>
                    ) : (
                      formatMoney(c.amount)
                    );
                  },
                }),
              ),
            ]}
            label={`${s.title}, by contact`}
          />
        </div>
      ))}
      {view && view.notes.length > 0 && <p className="muted">{view.notes.join(" ")}</p>}
      {drill && current && <DrillPanel tenantId={current.tenantId} title={drill.title} drill={drill.drill} onClose={close} onOpenRecord={onOpenRecord} />}
    </section>
  );
}

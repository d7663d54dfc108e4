import type { ColumnDef } from "@tanstack/react-table";
import { useCallback, useMemo } from "react";
import { commands, type AnomalyRecordView, type TaxRateSummaryView } from "../../bindings";
import { useOrganisation } from "../../app/organisation";
import { useCommandQuery } from "../../app/query";
import { dayOf, useSearchState, type RawSearch } from "../../app/searchState";
import { DataTable } from "../../components/DataTable";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatMoney, formatPeriod, todayIn } from "../../lib/format";
import { monthEnd, monthStart } from "../../lib/periods";
import { PublishedReturnPanel } from "./PublishedReturnPanel";
import { TaxFormPanel } from "./TaxFormPanel";

interface Period {
  from: string;
  to: string;
}

const writePeriod = (p: Period): RawSearch => ({ from: p.from, to: p.to });

/** Each tax rate's net and tax on sales and purchases over a period, from the documents' lines. */
export function TaxSummaryScreen({ onOpenRecord }: { onOpenRecord: (r: AnomalyRecordView) => void }) {
  const { organisations, current } = useOrganisation();
  const zone = current?.ianaTimezone;
  const readPeriod = useCallback(
    (raw: RawSearch): Period => {
      // The last whole quarter-ish: the three months before this one, unless the URL says.
      const today = todayIn(zone);
      return { from: dayOf(raw.from) ?? monthStart(today, -3), to: dayOf(raw.to) ?? monthEnd(today, -1) };
    },
    [zone],
  );
  const { draft, applied, apply } = useSearchState(readPeriod, writePeriod);
  const tenantId = current?.tenantId ?? null;
  const request = useMemo(() => (tenantId ? { tenantId, from: applied.from, to: applied.to } : null), [tenantId, applied.from, applied.to]);
  const { result } = useCommandQuery(["taxSummary", request], request && (() => commands.taxSummary(request)));

  if (organisations.state !== "loading" && !current) {
    return (
      <section data-testid="screen-tax-summary">
        <h1 tabIndex={-1}>Tax summary</h1>
        <EmptyState heading="No tax summary yet" body="Each tax rate's net and tax on sales and purchases will appear here once an organisation has synced." />
      </section>
    );
  }
  const view = result.state === "ok" ? result.data : null;
  const currency = view?.currency ? ` (${view.currency})` : "";
  const columns: ColumnDef<TaxRateSummaryView, unknown>[] = [
    {
      header: "Tax rate",
      id: "rate",
      meta: { rowHeader: true },
      cell: ({ row: { original: r } }) => (
        <>
          {r.name ?? (r.taxType || "No tax rate")}
          {r.rate ? <span className="muted"> {r.rate}%</span> : null}
        </>
      ),
    },
    { header: `Sales net${currency}`, id: "salesNet", meta: { amount: true }, cell: ({ row }) => formatMoney(row.original.sales.net) },
    { header: "Sales tax", id: "salesTax", meta: { amount: true }, cell: ({ row }) => formatMoney(row.original.sales.tax) },
    { header: "Purchases net", id: "purchasesNet", meta: { amount: true }, cell: ({ row }) => formatMoney(row.original.purchases.net) },
    { header: "Purchases tax", id: "purchasesTax", meta: { amount: true }, cell: ({ row }) => formatMoney(row.original.purchases.tax) },
  ];
  return (
    <section data-testid="screen-tax-summary">
      <h1 tabIndex={-1}>Tax summary</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <input type="date" aria-label="From" value={draft.from} onChange={(e) => e.target.value && apply({ ...draft, from: e.target.value }, 400)} />
        <input type="date" aria-label="To" value={draft.to} onChange={(e) => e.target.value && apply({ ...draft, to: e.target.value }, 400)} />
      </form>
      {result.state === "loading" && <p role="status">Summing the documents' lines…</p>}
      {result.state === "error" && <ErrorNotice error={result.error} />}
      {view && (
        <>
          <p className="muted">
            {formatPeriod(view.from, view.to)} · invoices, bills, credit notes (negative), money spent and received, overpayments and prepayments that are authorised or paid. Where Xero holds a
            published GST/BAS return for the period, it is set beside these figures below.
          </p>
          <DataTable
            data={view.rates}
            columns={columns}
            label="Tax by rate"
            testId="tax-table"
            rowKey={(r) => r.taxType}
            rowProps={() => ({ "data-testid": "tax-row" })}
          />
          {view.rates.length === 0 && <p className="muted">No taxed lines in this period.</p>}
          <dl className="totals" data-testid="tax-totals">
            <dt>Tax on sales</dt>
            <dd>{formatMoney(view.sales.tax)}</dd>
            <dt>Tax on purchases</dt>
            <dd>{formatMoney(view.purchases.tax)}</dd>
            <dt>Net tax{view.netTax.startsWith("-") ? " (refundable)" : ""}</dt>
            <dd data-testid="tax-net">{formatMoney(view.netTax)}</dd>
          </dl>
          {view.form && <TaxFormPanel form={view.form} currency={view.currency} />}
          {view.skipped.length > 0 && (
            <section aria-label="Lines left out">
              <h2>Left out</h2>
              <ul data-testid="tax-skipped">
                {view.skipped.map((s) => (
                  <li key={`${s.entity}/${s.xeroId}/${s.reason}`}>
                    <button type="button" className="link" onClick={() => onOpenRecord({ entity: s.entity, xeroId: s.xeroId, label: s.xeroId })}>
                      {s.xeroId}
                    </button>{" "}
                    {s.reason}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
      {tenantId && <PublishedReturnPanel tenantId={tenantId} from={applied.from} to={applied.to} onPickPeriod={(p) => apply(p)} />}
    </section>
  );
}

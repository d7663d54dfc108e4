import type { ColumnDef } from "@tanstack/react-table";
import { useMemo } from "react";
import { commands, type NetTaxView, type PublishedTaxReturnView, type TaxReturnDifferenceView, type TaxReturnFigure, type TaxReturnRateView } from "../../bindings";
import { useCommandQuery } from "../../app/query";
import { DataTable } from "../../components/DataTable";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatMoney, formatPeriod } from "../../lib/format";
import { TaxFormComparison } from "./TaxFormPanel";

const FIGURES: Record<TaxReturnFigure, string> = {
  salesNet: "sales net",
  salesTax: "tax on sales",
  purchasesNet: "purchases net",
  purchasesTax: "tax on purchases",
  netTax: "net tax",
};

function Mark({ matches }: { matches: boolean }) {
  return matches ? (
    <span className="xero-line xero-line-ok" data-testid="return-mark" data-matches="true" title="Matches Xero's published return to the cent" aria-label="matches Xero">
      ✓
    </span>
  ) : (
    <span className="xero-line xero-line-differs" data-testid="return-mark" data-matches="false" title="Differs from Xero's published return" aria-label="differs from Xero">
      ≠
    </span>
  );
}

/** "ours (Xero's)": Xero's figure beside the ledger's, when the return lists the rate. */
function pair(ours: string, theirs: NetTaxView | null, pick: (n: NetTaxView) => string) {
  return (
    <>
      {formatMoney(ours)}
      <span className="muted"> · Xero {theirs ? formatMoney(pick(theirs)) : "—"}</span>
    </>
  );
}

function differenceText(d: TaxReturnDifferenceView, names: Map<string, string>): string {
  const where = d.taxType === null ? (d.figure === "netTax" ? "Net tax" : `Total ${FIGURES[d.figure]}`) : `${names.get(d.taxType) ?? d.taxType}: ${FIGURES[d.figure]}`;
  return `${where} — ledger ${formatMoney(d.local)}, Xero ${formatMoney(d.published)}, difference ${formatMoney(d.difference)}`;
}

/**
 * Xero's published GST/BAS return beside the tax summary: the return of the period shown, or
 * a list to pick one (picking it shows its period). Offline, from the copy the sync kept.
 */
export function PublishedReturnPanel({ tenantId, from, to, onPickPeriod }: { tenantId: string; from: string; to: string; onPickPeriod: (p: { from: string; to: string }) => void }) {
  const listRequest = useMemo(() => ({ tenantId }), [tenantId]);
  const { result: list } = useCommandQuery(["listTaxReturns", listRequest], () => commands.listTaxReturns(listRequest));
  const returns: PublishedTaxReturnView[] = list.state === "ok" ? list.data : [];
  const chosen = returns.find((r) => r.from === from && r.to === to) ?? null;
  const compareRequest = useMemo(() => (chosen ? { tenantId, reportId: chosen.reportId } : null), [tenantId, chosen]);
  const { result } = useCommandQuery(["compareTaxReturn", compareRequest], compareRequest && (() => commands.compareTaxReturn(compareRequest)));
  if (list.state === "error") return <ErrorNotice error={list.error} />;
  if (returns.length === 0) return null;
  const view = chosen && result.state === "ok" ? result.data : null;
  const names = new Map((view?.rates ?? []).map((r) => [r.taxType, r.name ?? r.taxType]));
  const columns: ColumnDef<TaxReturnRateView, unknown>[] = [
    { header: "Tax rate", id: "rate", meta: { rowHeader: true }, cell: ({ row: { original: r } }) => r.name ?? r.taxType },
    { header: "Sales net", id: "salesNet", meta: { amount: true }, cell: ({ row: { original: r } }) => pair(r.sales.net, r.publishedSales, (n) => n.net) },
    { header: "Sales tax", id: "salesTax", meta: { amount: true }, cell: ({ row: { original: r } }) => pair(r.sales.tax, r.publishedSales, (n) => n.tax) },
    { header: "Purchases net", id: "purchasesNet", meta: { amount: true }, cell: ({ row: { original: r } }) => pair(r.purchases.net, r.publishedPurchases, (n) => n.net) },
    { header: "Purchases tax", id: "purchasesTax", meta: { amount: true }, cell: ({ row: { original: r } }) => pair(r.purchases.tax, r.publishedPurchases, (n) => n.tax) },
    { header: "Matches", id: "matches", cell: ({ row: { original: r } }) => <Mark matches={r.matches} /> },
  ];
  return (
    <section aria-label="Xero's published return" data-testid="published-return">
      <h2>Xero's published return</h2>
      <label>
        Compare with{" "}
        <select
          aria-label="Xero's published return"
          value={chosen?.reportId ?? ""}
          onChange={(e) => {
            const r = returns.find((x) => x.reportId === e.target.value);
            if (r) onPickPeriod({ from: r.from, to: r.to });
          }}
        >
          <option value="">{chosen ? "Pick another published return" : "None for this period: pick one"}</option>
          {returns.map((r) => (
            <option key={r.reportId} value={r.reportId}>
              {r.name} · {formatPeriod(r.from, r.to)}
            </option>
          ))}
        </select>
      </label>
      {chosen && result.state === "loading" && <p role="status">Setting the ledger beside Xero's return…</p>}
      {chosen && result.state === "error" && <ErrorNotice error={result.error} />}
      {view && (
        <>
          <p data-testid="return-verdict">
            <Mark matches={view.matches} />{" "}
            {view.matches
              ? `The ledger matches Xero's ${view.taxReturn.name} to the cent.`
              : `The ledger differs from Xero's ${view.taxReturn.name} in ${view.differences.length} ${view.differences.length === 1 ? "figure" : "figures"}.`}
          </p>
          <DataTable data={view.rates} columns={columns} label="The ledger beside Xero's return, by rate" testId="return-table" rowKey={(r) => r.taxType} rowProps={() => ({ "data-testid": "return-row" })} />
          <dl className="totals" data-testid="return-totals">
            <dt>Net tax (ledger)</dt>
            <dd>{formatMoney(view.netTax)}</dd>
            <dt>Net tax (Xero)</dt>
            <dd>{formatMoney(view.publishedNetTax)}</dd>
          </dl>
          {view.form && <TaxFormComparison form={view.form} />}
          {view.differences.length > 0 && (
            <ul data-testid="return-differences">
              {view.differences.map((d) => (
                <li key={`${d.taxType ?? ""}/${d.figure}`}>{differenceText(d, names)}</li>
              ))}
            </ul>
          )}
          {view.outside.length > 0 && <p className="muted">Not on a return: {view.outside.map((t) => names.get(t) ?? t).join(", ")} (no GST).</p>}
          <p className="muted">Xero's copy fetched {view.taxReturn.fetchedUtc.slice(0, 10)}; a published return does not change.</p>
        </>
      )}
    </section>
  );
}

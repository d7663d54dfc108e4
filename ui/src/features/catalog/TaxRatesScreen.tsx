import { useMemo } from "react";
import type { ColumnDef } from "@tanstack/react-table";
import { commands, type TaxRateView } from "../../bindings";
import { useOrganisation } from "../../app/organisation";
import { useCommandQuery } from "../../app/query";
import { DataTable } from "../../components/DataTable";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";

/** A percentage as Xero sent it (`15.0000`), without its trailing zeros: `15%`. */
export function formatRate(rate: string | null): string {
  if (rate === null || rate.trim() === "") return "—";
  const t = rate.trim();
  const trimmed = t.includes(".") ? t.replace(/0+$/, "").replace(/\.$/, "") : t;
  return `${trimmed}%`;
}

const columns: ColumnDef<TaxRateView, unknown>[] = [
  { header: "Name", id: "name", cell: ({ row }) => row.original.name ?? row.original.taxType, meta: { rowHeader: true } },
  { header: "Code", accessorKey: "taxType" },
  { header: "Rate", id: "rate", cell: ({ row }) => formatRate(row.original.effectiveRate), meta: { amount: true } },
  { header: "Reported as", id: "report", cell: ({ row }) => row.original.reportTaxType ?? "" },
  { header: "Status", id: "status", cell: ({ row }) => row.original.status ?? "" },
];

/** The organisation's tax rates, with the codes documents carry. */
export function TaxRatesScreen() {
  const { organisations, current } = useOrganisation();
  const tenantId = current?.tenantId ?? null;
  const request = useMemo(() => (tenantId ? { tenantId } : null), [tenantId]);
  const { result } = useCommandQuery(["listTaxRates", request], request && (() => commands.listTaxRates(request)));

  if (organisations.state !== "loading" && !current) {
    return (
      <section data-testid="screen-tax-rates">
        <h1 tabIndex={-1}>Tax rates</h1>
        <EmptyState heading="No tax rates yet" body="The tax rates of your Xero organisation will appear here once it has synced." />
      </section>
    );
  }
  return (
    <section data-testid="screen-tax-rates">
      <h1 tabIndex={-1}>Tax rates</h1>
      {result.state === "loading" && <p role="status">Reading the tax rates…</p>}
      {result.state === "error" && <ErrorNotice error={result.error} />}
      {result.state === "ok" &&
        (result.data.length === 0 ? (
          <p className="muted">This organisation has no tax rates.</p>
        ) : (
          <DataTable data={result.data} columns={columns} label="Tax rates" testId="tax-rates-table" rowKey={(r) => r.taxType} rowProps={() => ({ "data-testid": "tax-rate-row" })} />
        ))}
    </section>
  );
}

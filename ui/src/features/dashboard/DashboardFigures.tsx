import type { ColumnDef } from "@tanstack/react-table";
import { commands, type AnomalyRecordView, type DueTotalView, type RecentDocumentView } from "../../bindings";
import { useCommandQuery } from "../../app/query";
import { useOrganisationZone } from "../../app/organisation";
import { DataTable } from "../../components/DataTable";
import { formatAmount, formatDate, formatInstant, formatMoney, formatTotalWithBase, todayIn } from "../../lib/format";
import { ErrorNotice } from "../../components/ErrorNotice";

/**
 * Today, `YYYY-MM-DD`, in the organisation's timezone (this computer's calendar when it has
 * none): balances are to this day, and what fell due before it is overdue.
 */
export function today(now: Date = new Date(), zone: string | null = null): string {
  return todayIn(zone, now);
}

const dueColumns: ColumnDef<DueTotalView, unknown>[] = [
  { header: "Currency", id: "currency", cell: ({ row }) => row.original.currencyCode ?? "—" },
  {
    header: "Due",
    id: "due",
    meta: { amount: true },
    cell: ({ row: { original: r } }) => (
      <>
        {formatMoney(r.due)} <span className="muted">({r.dueCount})</span>
      </>
    ),
  },
  {
    header: "Overdue",
    id: "overdue",
    meta: { amount: true },
    cell: ({ row: { original: r } }) => (
      <span className={r.overdueCount > 0 ? "error" : undefined}>
        {formatMoney(r.overdue)} <span className="muted">({r.overdueCount})</span>
      </span>
    ),
  },
];

function DueTable({ title, rows, testId, total, baseCurrency }: { title: string; rows: DueTotalView[]; testId: string; total?: string | null | undefined; baseCurrency?: string | null | undefined }) {
  return (
    <div data-testid={testId}>
      <h3>{title}</h3>
      {total !== null && total !== undefined ? (
        <p data-testid={`${testId}-total`} title="The aged report's total, equal to the control account's balance on the Accounts screen">
          In all: <strong>{formatAmount(baseCurrency, total)}</strong>
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p className="muted">Nothing outstanding.</p>
      ) : (
        <DataTable data={rows} columns={dueColumns} label={title} rowKey={(r) => r.currencyCode ?? ""} />
      )}
    </div>
  );
}

function label(r: RecentDocumentView): string {
  const d = r.document;
  return d.number ?? d.reference ?? d.contactName ?? d.xeroId;
}

function kindName(r: RecentDocumentView): string {
  if (r.kind === "bankTransactions") return "Bank transaction";
  return r.document.docType === "ACCPAY" ? "Bill" : "Invoice";
}

/**
 * The Dashboard's figures for one organisation, all read from the local
 * ledger in one command: alerts, cash per bank account, receivables and
 * payables, and the latest changed documents (each opens in the Transactions drawer).
 */
export function DashboardFigures({ tenantId, onOpenRecord }: { tenantId: string; onOpenRecord?: ((r: AnomalyRecordView) => void) | undefined }) {
  const zone = useOrganisationZone();
  // Read again when a sync ends (or a payment settles: the ledger-changed event), and when the
  // day turns. While a fresher answer is read, the last one for this organisation stays on screen.
  const request = { tenantId, asAt: today(new Date(), zone), recentLimit: 10 };
  const { result } = useCommandQuery(["dashboard", request], () => commands.dashboard(request), {
    placeholderData: (previous, query) => ((query?.queryKey[1] as typeof request | undefined)?.tenantId === tenantId ? previous : undefined),
  });
  if (result.state === "loading") return <p role="status">Reading the ledger…</p>;
  if (result.state === "error") {
    return (
      <ErrorNotice error={result.error} />
    );
  }
  const d = result.data;
  const alerts = [
    d.alerts.reauthorisationNeeded && { key: "reauth", text: "Xero refused this organisation's sign-in: re-authorise it in Settings to resume syncing." },
    d.alerts.lastSyncFailed !== null && { key: "sync", text: `The last sync failed: ${d.alerts.lastSyncFailed}` },
    d.alerts.anomalies > 0 && { key: "anomalies", text: `${d.alerts.anomalies} ${d.alerts.anomalies === 1 ? "thing" : "things"} to check, listed below.` },
  ].filter((a): a is { key: string; text: string } => Boolean(a));

  return (
    <div data-testid="dashboard-figures">
      <h2>Alerts</h2>
      {alerts.length === 0 ? (
        <p className="muted" data-testid="no-alerts">
          Nothing needs your attention.
        </p>
      ) : (
        <ul data-testid="dashboard-alerts">
          {alerts.map((a) => (
            <li key={a.key} className={a.key === "anomalies" ? undefined : "error"}>
              {a.text}
            </li>
          ))}
        </ul>
      )}

      <h2>Cash position</h2>
      <p className="muted">Balances on {formatDate(d.asAt)}, from the general ledger.</p>
      {d.cash.length === 0 ? (
        <p className="muted">No bank accounts.</p>
      ) : (
        <DataTable
          data={d.cash}
          columns={[
            { header: "Bank account", id: "name", cell: ({ row }) => row.original.name ?? row.original.code ?? row.original.xeroId },
            { header: "Balance", id: "balance", meta: { amount: true }, cell: ({ row }) => formatAmount(d.baseCurrency, row.original.balance) },
          ]}
          label="Cash position"
          testId="dashboard-cash"
          rowKey={(a) => a.xeroId}
        />
      )}

      <h2>Receivables and payables</h2>
      <p className="muted">Amounts still due on approved invoices and bills, and the part past its due date (number of documents).</p>
      <div className="tiles tiles-wide">
        <DueTable title="Customers owe" rows={d.receivables} total={d.receivablesTotal} baseCurrency={d.baseCurrency} testId="dashboard-receivables" />
        <DueTable title="You owe" rows={d.payables} total={d.payablesTotal} baseCurrency={d.baseCurrency} testId="dashboard-payables" />
      </div>

      <h2>Recent activity</h2>
      {d.recent.length === 0 ? (
        <p className="muted">No documents yet.</p>
      ) : (
        <DataTable
          data={d.recent}
          columns={[
            {
              header: "Document",
              id: "document",
              cell: ({ row: { original: r } }) => (
                <button
                  type="button"
                  className="link"
                  onClick={() => onOpenRecord?.({ entity: r.kind === "bankTransactions" ? "bankTransaction" : "invoice", xeroId: r.document.xeroId, label: label(r) })}
                >
                  {kindName(r)} {label(r)}
                </button>
              ),
            },
            { header: "Contact", id: "contact", cell: ({ row }) => row.original.document.contactName ?? "—" },
            { header: "Total", id: "total", meta: { amount: true }, cell: ({ row }) => formatTotalWithBase(row.original.document) },
            { header: "Changed", id: "changed", cell: ({ row }) => formatInstant(row.original.document.updatedUtc, zone) },
          ]}
          label="Recent activity"
          testId="dashboard-recent"
          rowKey={(r) => `${r.kind}-${r.document.xeroId}`}
        />
      )}
    </div>
  );
}

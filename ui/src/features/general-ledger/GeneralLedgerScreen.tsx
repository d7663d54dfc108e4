import type { ColumnDef } from "@tanstack/react-table";
import { useCallback, useMemo } from "react";
import { commands, type AnomalyRecordView, type GeneralLedgerPageView, type GeneralLedgerRowView } from "../../bindings";
import { useOrganisation } from "../../app/organisation";
import { useCommandPages, useCommandQuery } from "../../app/query";
import { dayOf, useSearchState, type RawSearch } from "../../app/searchState";
import { DataTable } from "../../components/DataTable";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatDate, formatMoney, todayIn } from "../../lib/format";
import { monthStart } from "../../lib/periods";

const PAGE = 100;

/** The account and period, as the URL names them (`?account=<id>&from=2026-01-01&to=2026-03-31`). */
export interface LedgerSearch {
  account: string;
  from: string;
  to: string;
}

const writeSearch = (s: LedgerSearch): RawSearch => ({ account: s.account, from: s.from, to: s.to });

/**
 * One account's lines over a period, as Xero's Account Transactions report shows them: date,
 * source, reference, description, debit, credit and the running balance from the opening
 * balance; each line opens the document it was posted from.
 */
export function GeneralLedgerScreen({ onOpenRecord }: { onOpenRecord: (r: AnomalyRecordView) => void }) {
  const { organisations, current } = useOrganisation();
  const zone = current?.ianaTimezone;
  const readSearch = useCallback(
    (raw: RawSearch): LedgerSearch => {
      const to = dayOf(raw.to) ?? todayIn(zone);
      return { account: raw.account ?? "", from: dayOf(raw.from) ?? monthStart(to, -2), to };
    },
    [zone],
  );
  const { draft, applied, apply } = useSearchState(readSearch, writeSearch);
  const tenantId = current?.tenantId ?? null;

  const accountsRequest = useMemo(() => (tenantId ? { tenantId, asAt: applied.to } : null), [tenantId, applied.to]);
  const accounts = useCommandQuery(["listAccounts", accountsRequest], accountsRequest && (() => commands.listAccounts(accountsRequest)));
  const chart = accounts.result.state === "ok" ? accounts.result.data : [];

  const request = useMemo(
    () => (tenantId && applied.account ? { tenantId, account: applied.account, from: applied.from, to: applied.to, limit: PAGE } : null),
    [tenantId, applied.account, applied.from, applied.to],
  );
  const { query, rows, loading } = useCommandPages(["generalLedger", request], request && ((after) => commands.generalLedger({ ...request, after })));
  // Each page is the operation's whole answer: its opening and closing balances ride with the rows.
  const pages = (query.data?.pages ?? []) as GeneralLedgerPageView[];
  const first = pages[0];
  const last = pages[pages.length - 1];
  const currency = first?.currency ? ` (${first.currency})` : "";

  const columns: ColumnDef<GeneralLedgerRowView, unknown>[] = [
    { header: "Date", id: "date", cell: ({ row }) => formatDate(row.original.date) },
    {
      header: "Source",
      id: "source",
      cell: ({ row: { original: r } }) =>
        r.entity ? (
          <button type="button" className="link" data-testid="gl-open" onClick={() => r.entity && onOpenRecord({ entity: r.entity, xeroId: r.xeroId, label: r.reference ?? r.xeroId })}>
            {r.sourceType}
          </button>
        ) : (
          r.sourceType
        ),
    },
    { header: "Reference", id: "reference", cell: ({ row }) => row.original.reference ?? "" },
    { header: "Description", id: "description", cell: ({ row }) => row.original.description ?? "" },
    { header: `Debit${currency}`, id: "debit", meta: { amount: true }, cell: ({ row }) => (row.original.debit ? formatMoney(row.original.debit) : "") },
    { header: `Credit${currency}`, id: "credit", meta: { amount: true }, cell: ({ row }) => (row.original.credit ? formatMoney(row.original.credit) : "") },
    {
      header: "Running balance",
      id: "balance",
      meta: { amount: true },
      cell: ({ row }) => (
        <span data-testid="gl-balance" title={row.original.yearStart ? "A new financial year: the balance starts again from zero." : undefined}>
          {formatMoney(row.original.balance)}
        </span>
      ),
    },
  ];

  if (organisations.state !== "loading" && !current) {
    return (
      <section data-testid="screen-general-ledger">
        <h1 tabIndex={-1}>General ledger</h1>
        <EmptyState heading="No ledger yet" body="Each account's lines, with a running balance and the document behind each, will appear here once an organisation has synced." />
      </section>
    );
  }
  return (
    <section data-testid="screen-general-ledger">
      <h1 tabIndex={-1}>General ledger</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Account{" "}
          <select aria-label="Account" value={draft.account} onChange={(e) => apply({ ...draft, account: e.target.value }, 0, true)} data-testid="gl-account">
            <option value="">Choose an account…</option>
            {chart.map((a) => (
              <option key={a.xeroId} value={a.xeroId}>
                {[a.code, a.name ?? a.xeroId].filter(Boolean).join(" ")}
              </option>
            ))}
          </select>
        </label>
        <input type="date" aria-label="From" value={draft.from} onChange={(e) => e.target.value && apply({ ...draft, from: e.target.value }, 400)} />
        <input type="date" aria-label="To" value={draft.to} onChange={(e) => e.target.value && apply({ ...draft, to: e.target.value }, 400)} />
      </form>
      {accounts.result.state === "error" && <ErrorNotice error={accounts.result.error} />}
      {!request && <p className="muted">Choose an account to list its lines.</p>}
      {query.error && <ErrorNotice error={query.error} />}
      {first && (
        <p data-testid="gl-opening">
          Opening balance {formatDate(applied.from)}: <strong>{formatMoney(first.openingBalance)}</strong>
          {first.balanceNegated ? <span className="muted"> (credit balances shown positive)</span> : null}
        </p>
      )}
      {request && (
        <DataTable
          data={rows}
          columns={columns}
          label="Account transactions"
          testId="gl-table"
          rowKey={(_, i) => String(i)}
          rowProps={(r) => ({ "data-testid": "gl-row", className: r.yearStart ? "year-start" : undefined })}
        />
      )}
      {loading && <p role="status">Reading the lines…</p>}
      {query.isSuccess && rows.length === 0 && <p className="muted">No lines in this period.</p>}
      {query.hasNextPage && !loading && (
        <button type="button" onClick={() => void query.fetchNextPage()}>
          More
        </button>
      )}
      {last?.closingBalance != null && (
        <p data-testid="gl-closing">
          Closing balance {formatDate(applied.to)}: <strong>{formatMoney(last.closingBalance)}</strong>
        </p>
      )}
    </section>
  );
}

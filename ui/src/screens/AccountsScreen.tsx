import { useCallback, useMemo, useState } from "react";
import { commands, type AnomalyRecordView, type DrillView } from "../bindings";
import { useOrganisation } from "../app/organisation";
import { useCommandQuery } from "../app/query";
import { dayOf, useSearchState, type RawSearch } from "../app/searchState";
import { DrillPanel } from "../components/DrillPanel";
import { EmptyState } from "../components/EmptyState";
import { formatMoney, todayIn } from "../lib/format";
import { ErrorNotice } from "../components/ErrorNotice";
import { TableTools, useTablePrefs } from "../components/TableTools";
import { AttachmentList } from "../features/attachments/AttachmentViewer";

/** The chart's columns that the owner may hide (the name always stays). */
const COLUMNS = [
  { id: "code", name: "Code" },
  { id: "name", name: "Name", fixed: true },
  { id: "type", name: "Type" },
  { id: "balance", name: "Balance" },
];

/** The day the balances are at, as the URL names it (`?asAt=2026-03-31`). */
const writeAsAt = (asAt: string): RawSearch => ({ asAt });

const CLASSES: [string, string][] = [
  ["asset", "Assets"],
  ["liability", "Liabilities"],
  ["equity", "Equity"],
  ["revenue", "Revenue (financial year to date)"],
  ["expense", "Expenses (financial year to date)"],
];

/** The chart of accounts with each balance at a date; a balance lists its journal lines. */
export function AccountsScreen({ onOpenRecord }: { onOpenRecord: (r: AnomalyRecordView) => void }) {
  const { organisations, current } = useOrganisation();
  // The URL's day; today in the organisation's timezone when it names none.
  const zone = current?.ianaTimezone;
  const readAsAt = useCallback((raw: RawSearch) => dayOf(raw.asAt) ?? todayIn(zone), [zone]);
  const { draft: asAt, apply: setAsAt } = useSearchState(readAsAt, writeAsAt);
  const [open, setOpen] = useState<{ for: unknown; title: string; drill: DrillView; accountId: string } | null>(null);
  const [prefs, choose] = useTablePrefs("accounts-table");
  const shown = (id: string) => !prefs.hidden.includes(id);
  const tenantId = current?.tenantId ?? null;
  const request = useMemo(() => (tenantId ? { tenantId, asAt } : null), [tenantId, asAt]);
  const { result } = useCommandQuery(["listAccounts", request], request && (() => commands.listAccounts(request)));

  if (organisations.state !== "loading" && !current) {
    return (
      <section data-testid="screen-accounts">
        <h1 tabIndex={-1}>Accounts</h1>
        <EmptyState heading="No accounts yet" body="The chart of accounts will appear here with each account's balance, once an organisation has synced." />
      </section>
    );
  }
  const accounts = result.state === "ok" ? result.data : null;
  const drill = open && open.for === request ? open : null;
  const groups = accounts ? [...CLASSES, ["", "Other"] as [string, string]].map(([cls, title]) => ({ title, rows: accounts.filter((a) => (a.class ?? "") === cls) })).filter((g) => g.rows.length > 0) : [];
  return (
    <section data-testid="screen-accounts">
      <h1 tabIndex={-1}>Accounts</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <input type="date" aria-label="As at" value={asAt} onChange={(e) => e.target.value && setAsAt(e.target.value)} />
      </form>
      {result.state === "loading" && <p role="status">Reading the chart of accounts…</p>}
      {result.state === "error" && (
        <ErrorNotice error={result.error} />
      )}
      {accounts && <TableTools tableId="accounts-table" name="Accounts" columns={COLUMNS} prefs={prefs} onChange={choose} />}
      {accounts && (
        <table className={prefs.density === "compact" ? "data-table compact" : "data-table"} data-testid="accounts-table" aria-label="Accounts">
          <thead>
            <tr>
              {shown("code") && <th scope="col">Code</th>}
              <th scope="col">Name</th>
              {shown("type") && <th scope="col">Type</th>}
              {shown("balance") && (
                <th scope="col" className="amount">
                  Balance
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => [
              <tr key={g.title} className="report-section">
                <th scope="rowgroup" colSpan={COLUMNS.filter((c) => shown(c.id)).length}>
                  {g.title}
                </th>
              </tr>,
              ...g.rows.map((a) => (
                <tr key={a.xeroId} data-testid="account-row">
                  {shown("code") && <td>{a.code ?? ""}</td>}
                  <th scope="row">
                    {a.name ?? a.xeroId}
                    {a.status && a.status !== "ACTIVE" ? <span className="muted"> ({a.status.toLowerCase()})</span> : null}
                  </th>
                  {shown("type") && <td>{a.accountType ?? ""}</td>}
                  {shown("balance") && (
                    <td className="amount">
                      <button type="button" className="link" onClick={() => setOpen({ for: request, title: `${a.code ?? ""} ${a.name ?? ""}`.trim(), drill: a.drill, accountId: a.xeroId })}>
                        {formatMoney(a.balance)}
                      </button>
                    </td>
                  )}
                </tr>
              )),
            ])}
          </tbody>
        </table>
      )}
      {drill && current && (
        <DrillPanel tenantId={current.tenantId} title={drill.title} drill={drill.drill} onClose={() => setOpen(null)} onOpenRecord={onOpenRecord}>
          <h3>Files</h3>
          <AttachmentList key={drill.accountId} tenantId={current.tenantId} entity="account" xeroId={drill.accountId} />
        </DrillPanel>
      )}
    </section>
  );
}

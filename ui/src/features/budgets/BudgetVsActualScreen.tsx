import type { ColumnDef } from "@tanstack/react-table";
import { useCallback, useMemo } from "react";
import { commands, type BudgetCellView, type BudgetRowView } from "../../bindings";
import { useOrganisation } from "../../app/organisation";
import { useCommandQuery } from "../../app/query";
import { useSearchState, type RawSearch } from "../../app/searchState";
import { DataTable } from "../../components/DataTable";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatLocale, formatMoney, todayIn } from "../../lib/format";
import { monthStart } from "../../lib/periods";

interface Choice {
  /** `YYYY-MM`. */
  from: string;
  to: string;
  /** Empty: the overall budget. */
  budget: string;
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const monthOf = (v: string | undefined): string | null => (v !== undefined && MONTH.test(v) ? v : null);
const writeChoice = (c: Choice): RawSearch => ({ from: c.from, to: c.to, budget: c.budget });

/** `2026-03` as the locale writes a month: "Mar 2026". */
export function monthLabel(ym: string, locale: string = formatLocale()): string {
  const [y = "1970", m = "1"] = ym.split("-");
  return new Intl.DateTimeFormat(locale, { month: "short", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(Number(y), Number(m) - 1, 1)));
}

/** A variance, with its percentage, marked favourable or unfavourable as Xero's Budget Variance report reads it. */
function Variance({ cell }: { cell: BudgetCellView }) {
  return (
    <span className={`variance ${cell.direction}`} data-direction={cell.direction}>
      {formatMoney(cell.variance)}
      {cell.variancePercent !== null && <span className="muted"> ({cell.variancePercent}%)</span>}
    </span>
  );
}

function figureColumns(id: string, header: string, pick: (r: BudgetRowView) => BudgetCellView): ColumnDef<BudgetRowView, unknown> {
  return {
    id,
    header,
    columns: [
      { id: `${id}-budget`, header: "Budget", meta: { amount: true }, cell: ({ row }) => formatMoney(pick(row.original).budget) },
      { id: `${id}-actual`, header: "Actual", meta: { amount: true }, cell: ({ row }) => formatMoney(pick(row.original).actual) },
      { id: `${id}-variance`, header: "Variance", meta: { amount: true }, cell: ({ row }) => <Variance cell={pick(row.original)} /> },
    ],
  };
}

/** Each profit and loss account's budget beside its actual, month by month, with the variance. */
export function BudgetVsActualScreen() {
  const { organisations, current } = useOrganisation();
  const zone = current?.ianaTimezone;
  const readChoice = useCallback(
    (raw: RawSearch): Choice => {
      // The six months before this one, unless the URL says.
      const today = todayIn(zone);
      return {
        from: monthOf(raw.from) ?? monthStart(today, -6).slice(0, 7),
        to: monthOf(raw.to) ?? monthStart(today, -1).slice(0, 7),
        budget: raw.budget ?? "",
      };
    },
    [zone],
  );
  const { draft, applied, apply } = useSearchState(readChoice, writeChoice);
  const tenantId = current?.tenantId ?? null;
  const request = useMemo(
    () => (tenantId ? { tenantId, from: applied.from, to: applied.to, budgetId: applied.budget || null } : null),
    [tenantId, applied.from, applied.to, applied.budget],
  );
  const { result } = useCommandQuery(["budgetVsActual", request], request && (() => commands.budgetVsActual(request)));

  if (organisations.state !== "loading" && !current) {
    return (
      <section data-testid="screen-budget-vs-actual">
        <h1 tabIndex={-1}>Budget vs actual</h1>
        <EmptyState heading="No budget yet" body="Each profit and loss account's budget beside its actual will appear here once an organisation has synced." />
      </section>
    );
  }
  const view = result.state === "ok" ? result.data : null;
  const currency = view?.currency ? ` (${view.currency})` : "";
  const columns: ColumnDef<BudgetRowView, unknown>[] = view
    ? [
        {
          header: `Account${currency}`,
          id: "account",
          meta: { rowHeader: true },
          cell: ({ row: { original: r } }) => (
            <>
              {r.code ? <span className="muted">{r.code} </span> : null}
              {r.name ?? r.account}
            </>
          ),
        },
        ...view.months.map((m, i) => figureColumns(m, monthLabel(m), (r) => r.months[i] as BudgetCellView)),
        figureColumns("total", "Total", (r) => r.total),
      ]
    : [];
  const sections: [string, BudgetRowView[]][] = view
    ? [
        ["Income", view.rows.filter((r) => r.class === "revenue")],
        ["Expenses", view.rows.filter((r) => r.class !== "revenue")],
      ]
    : [];
  return (
    <section data-testid="screen-budget-vs-actual">
      <h1 tabIndex={-1}>Budget vs actual</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <input type="month" aria-label="From" value={draft.from} onChange={(e) => monthOf(e.target.value) && apply({ ...draft, from: e.target.value }, 400)} />
        <input type="month" aria-label="To" value={draft.to} onChange={(e) => monthOf(e.target.value) && apply({ ...draft, to: e.target.value }, 400)} />
        {view && view.budgets.length > 1 && (
          <select aria-label="Budget" value={view.budgetId ?? ""} onChange={(e) => apply({ ...draft, budget: e.target.value })}>
            {view.budgets.map((b) => (
              <option key={b.budgetId} value={b.budgetId}>
                {b.description ?? (b.budgetType === "OVERALL" ? "Overall budget" : "Tracking budget")}
              </option>
            ))}
          </select>
        )}
      </form>
      {result.state === "loading" && <p role="status">Setting the budget beside the ledger…</p>}
      {result.state === "error" && <ErrorNotice error={result.error} />}
      {view && view.budgets.length === 0 && (
        <EmptyState
          heading="No budget in the ledger"
          body="Xero's budgets are read with its reports after a complete sync, when the sign-in may read budgets. The actuals below have no budget beside them."
        />
      )}
      {view && (
        <>
          <p className="muted">
            Actual is each account's movement in the month, as the profit and loss shows it. Variance is actual less budget: income over budget and expenses under budget are favourable.
          </p>
          {sections.map(([title, rows]) => (
            <DataTable
              key={title}
              data={rows}
              columns={columns}
              caption={title}
              className="budget-table"
              testId={`budget-${title.toLowerCase()}`}
              rowKey={(r) => r.account}
              rowProps={() => ({ "data-testid": "budget-row" })}
            />
          ))}
          {view.rows.length === 0 && <p className="muted">No profit and loss account moved or was budgeted in these months.</p>}
        </>
      )}
    </section>
  );
}

import { useCallback, useMemo, useState } from "react";
import {
  commands,
  type DrillView,
  type ReportBasis,
  type ReportKind,
  type ReportPeriod,
  type ReportRequest,
  type ReportRowView,
  type XeroLineView,
  type ReportView,
} from "../bindings";
import type { AnomalyRecordView } from "../bindings";
import { useOrganisation } from "../app/organisation";
import { useCommandQuery } from "../app/query";
import { useSearchState, type RawSearch } from "../app/searchState";
import { BarChart } from "../components/BarChart";
import { DrillPanel } from "../components/DrillPanel";
import { EmptyState } from "../components/EmptyState";
import { ExportButtons } from "../components/ExportButtons";
import { XeroComparison } from "../components/XeroComparison";
import { formatColumnHeading, formatDate, formatMoney, todayIn } from "../lib/format";
import { comparisonPeriods, monthEnd, monthStart, type Comparison } from "../lib/periods";
import { ErrorNotice } from "../components/ErrorNotice";
import { parseTracking, TrackingPicker, trackingValue, useTrackingCategories } from "../components/TrackingPicker";
import { TableTools, useTablePrefs } from "../components/TableTools";

const KINDS: { kind: ReportKind; label: string; overPeriod: boolean }[] = [
  { kind: "profitAndLoss", label: "Profit and loss", overPeriod: true },
  { kind: "balanceSheet", label: "Balance sheet", overPeriod: false },
  { kind: "trialBalance", label: "Trial balance", overPeriod: false },
  { kind: "cashSummary", label: "Cash summary", overPeriod: true },
  { kind: "agedReceivables", label: "Aged receivables", overPeriod: false },
  { kind: "agedPayables", label: "Aged payables", overPeriod: false },
];


const COMPARISONS: readonly Comparison[] = ["none", "previousPeriod", "previousYear", "trend"];
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A report column's id in the column chooser: its position (0 is the period asked for). */
const columnId = (i: number) => `column-${i}`;

/** The report asked for, as the URL names it (`?kind=balanceSheet&to=2026-03-31`). */
function writePicked(p: Picked): RawSearch {
  const out: RawSearch = { kind: p.kind, from: p.from, to: p.to, comparison: p.comparison, basis: p.basis };
  if (p.tracking) out.tracking = p.tracking;
  if (p.columns) out.columns = p.columns;
  return out;
}

interface Picked {
  kind: ReportKind;
  from: string;
  to: string;
  comparison: Comparison;
  basis: ReportBasis;
  /** A tracking option to narrow to (`categoryId/optionId`), or "". */
  tracking: string;
  /** The profit and loss's columns by this tracking category (its id), or "". */
  columns: string;
}

/**
 * The bottom line's bars: periods oldest first (the report lists the newest
 * first); the aged reports' buckets in their own order, without the total.
 */
function chartBars(view: ReportView, line: ReportRowView): { label: string; amount: string | null }[] {
  const bars = view.columns.map((c, i) => ({ label: c.heading === "asAt" ? formatDate(c.to) : formatColumnHeading(c), amount: line.cells[i]?.amount ?? null }));
  if (view.kind === "agedReceivables" || view.kind === "agedPayables") return bars.slice(0, -1);
  return bars.reverse();
}

/** The row whose figures the chart draws: the report's bottom line. */
/** The account a report line is about (its figures' drill-down names it). */
function accountOf(r: ReportRowView): string | null {
  for (const c of r.cells) {
    if (c.drill && "ledger" in c.drill) return c.drill.ledger.account.toLowerCase();
  }
  return null;
}

/** Whether a line is Xero's figure, where Xero's report was compared: a mark beside its name. */
function XeroLineMark({ lines, row }: { lines: XeroLineView[]; row: ReportRowView }) {
  const account = accountOf(row);
  const line = lines.find((l) => (account ? l.account === account : l.account === null && l.label === row.label));
  if (!line) return null;
  return line.matches ? (
    <span className="xero-line xero-line-ok" data-testid="xero-line" data-matches="true" title="Matches Xero's report" aria-label="matches Xero">
      {" "}✓
    </span>
  ) : (
    <span className="xero-line xero-line-differs" data-testid="xero-line" data-matches="false" title="Differs from Xero's report" aria-label="differs from Xero">
      {" "}≠ Xero
    </span>
  );
}

function bottomLine(r: ReportView): ReportRowView | null {
  return r.summary[r.summary.length - 1] ?? r.sections[0]?.total ?? null;
}

/** Profit and loss, balance sheet, trial balance, cash summary and the aged reports, from the local ledger. */
export function ReportsScreen({ onOpenRecord }: { onOpenRecord: (r: AnomalyRecordView) => void }) {
  const { organisations, current } = useOrganisation();
  // The report, its period and its comparison are the URL's; what it lacks is this month, in
  // the organisation's timezone, compared with the month before, on the accrual basis.
  const zone = current?.ianaTimezone;
  const readPicked = useCallback(
    (raw: RawSearch): Picked => {
      const today = todayIn(zone);
      const kind = KINDS.find((k) => k.kind === raw.kind)?.kind ?? "profitAndLoss";
      return {
        kind,
        from: DAY.test(raw.from ?? "") ? (raw.from as string) : monthStart(today),
        to: DAY.test(raw.to ?? "") ? (raw.to as string) : monthEnd(today),
        comparison: COMPARISONS.find((c) => c === raw.comparison) ?? "previousPeriod",
        basis: raw.basis === "cash" || raw.basis === "accrual" ? raw.basis : kind === "cashSummary" ? "cash" : "accrual",
        tracking: trackingValue(parseTracking(raw.tracking)),
        columns: kind === "profitAndLoss" ? (raw.columns ?? "") : "",
      };
    },
    [zone],
  );
  const { draft: picked, apply } = useSearchState(readPicked, writePicked);
  // A drill-down remembers the request it belongs to: a new request does not show it.
  const [drillOf, setDrillOf] = useState<{ for: unknown; title: string; drill: DrillView } | null>(null);
  const overPeriod = KINDS.find((k) => k.kind === picked.kind)?.overPeriod ?? true;

  const tenantId = current?.tenantId ?? null;
  const request = useMemo<ReportRequest | null>(() => {
    if (!tenantId) return null;
    const period: ReportPeriod = { from: overPeriod ? picked.from : null, to: picked.to };
    return {
      tenantId,
      kind: picked.kind,
      period,
      comparisons: picked.columns ? [] : comparisonPeriods(period, picked.comparison),
      basis: picked.basis,
      // The aged reports list documents, not ledger lines: no tracking.
      tracking: picked.kind.startsWith("aged") ? null : parseTracking(picked.tracking),
      byTrackingCategory: picked.columns || null,
    };
  }, [tenantId, picked, overPeriod]);

  const [prefs, choose] = useTablePrefs("report-table");
  const { result: report } = useCommandQuery(["runReport", request], request && (() => commands.runReport(request)));
  const drill = drillOf && drillOf.for === request ? drillOf : null;
  const trackingCategories = useTrackingCategories(tenantId);

  if (organisations.state !== "loading" && !current) {
    return (
      <section data-testid="screen-reports">
        <h1 tabIndex={-1}>Reports</h1>
        <EmptyState heading="No reports yet" body="Profit and loss, balance sheet, aged receivables and payables, cash summary and trial balance will be computed here from your local ledger." />
      </section>
    );
  }

  const set = (patch: Partial<Picked>) => apply({ ...picked, ...patch });
  const view = report.state === "ok" ? report.data : null;
  const line = view ? bottomLine(view) : null;
  const openFigure = (title: string, d: DrillView) => setDrillOf({ for: request, title, drill: d });

  const headings = view ? view.columns.map((c) => formatColumnHeading(c)) : [];
  // The columns shown: by position (this period, then each comparison), so a choice holds as the
  // period moves; a choice that would leave none (made on a wider report) shows them all.
  const chosen = headings.map((_, i) => i).filter((i) => !prefs.hidden.includes(columnId(i)));
  const shown = chosen.length > 0 ? chosen : headings.map((_, i) => i);
  const renderRow = (r: ReportRowView, cls: string, key: string) => (
    <tr key={key} className={cls}>
      <th scope="row">
        {r.label}
        {view && <XeroLineMark lines={view.xero.lines ?? []} row={r} />}
      </th>
      {shown.map((i) => [i, r.cells[i]] as const).map(([i, c]) => (
        <td key={i} className="amount">
          {!c ? "" : c.amount === null ? "" : c.drill ? (
            <button type="button" className="link figure" data-testid="report-figure" aria-label={`${r.label}, ${headings[i] ?? ""}: ${formatMoney(c.amount)}`} onClick={() => c.drill && openFigure(`${r.label} · ${headings[i] ?? ""}`, c.drill)}>
              {formatMoney(c.amount)}
            </button>
          ) : (
            formatMoney(c.amount)
          )}
        </td>
      ))}
    </tr>
  );

  return (
    <section data-testid="screen-reports" className="reports">
      <h1 tabIndex={-1}>Reports</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <select aria-label="Report" data-testid="report-kind" value={picked.kind} onChange={(e) => set({ kind: e.target.value as ReportKind, basis: e.target.value === "cashSummary" ? "cash" : "accrual" })}>
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
        {overPeriod && <input type="date" aria-label="From" data-testid="report-from" value={picked.from} onChange={(e) => e.target.value && set({ from: e.target.value })} />}
        <input type="date" aria-label={overPeriod ? "To" : "As at"} data-testid="report-to" value={picked.to} onChange={(e) => e.target.value && set({ to: e.target.value })} />
        <select aria-label="Compare with" data-testid="report-comparison" value={picked.comparison} onChange={(e) => set({ comparison: e.target.value as Comparison })}>
          <option value="none">No comparison</option>
          <option value="previousPeriod">Previous period</option>
          <option value="previousYear">Same period last year</option>
          <option value="trend">Twelve months</option>
        </select>
        <select aria-label="Basis" data-testid="report-basis" value={picked.basis} onChange={(e) => set({ basis: e.target.value as ReportBasis })}>
          <option value="accrual">Accrual basis</option>
          <option value="cash">Cash basis</option>
        </select>
        {!picked.kind.startsWith("aged") && <TrackingPicker categories={trackingCategories} value={parseTracking(picked.tracking)} onChange={(t) => set({ tracking: trackingValue(t) })} testId="report-tracking" />}
        {picked.kind === "profitAndLoss" && trackingCategories.length > 0 && (
          <select aria-label="Columns by tracking category" data-testid="report-tracking-columns" value={picked.columns} onChange={(e) => set({ columns: e.target.value })}>
            <option value="">Columns by period</option>
            {trackingCategories.map((c) => (
              <option key={c.categoryId} value={c.categoryId}>
                Columns by {c.name}
              </option>
            ))}
          </select>
        )}
      </form>
      {report.state === "loading" && <p role="status">Computing the report…</p>}
      {report.state === "error" && (
        <ErrorNotice error={report.error} testId="report-error" />
      )}
      {view && (
        <>
          <h2 data-testid="report-title">
            {view.title}
            {view.organisation ? ` · ${view.organisation}` : ""}
          </h2>
          {request && <ExportButtons pdf print run={(format) => commands.exportReport({ report: request, format })} />}
          <p className="muted" data-testid="report-basis-stated">
            {view.basis === "cash" ? "Cash basis" : "Accrual basis"}
            {view.currency ? ` · amounts in ${view.currency}` : ""}
          </p>
          {view.tracking && (
            <p className="muted" data-testid="report-tracking-stated">
              Filtered by tracking: {view.tracking}
            </p>
          )}
          <XeroComparison xero={view.xero} onPick={(p) => set({ from: p.from ?? picked.from, to: p.to })} />
          {line && view.columns.length > 1 && view.kind !== "trialBalance" && (
            <BarChart title={`${line.label}, by column`} bars={chartBars(view, line)} />
          )}
          <TableTools tableId="report-table" name="the report" columns={headings.map((h, i) => ({ id: columnId(i), name: h }))} prefs={prefs} onChange={choose} />
          <div className="report-scroll">
            <table className={prefs.density === "compact" ? "data-table report-table compact" : "data-table report-table"} data-testid="report-table">
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  {shown.map((i) => [i, view.columns[i]] as const).map(([i, c]) => (
                    <th key={i} scope="col" className="amount" data-testid="report-column" data-from={c?.from ?? undefined} data-to={c?.to}>
                      {headings[i]}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {view.sections.map((s, si) => [
                  <tr key={`s${si}`} className="report-section">
                    <th scope="rowgroup" colSpan={shown.length + 1}>
                      {s.title}
                    </th>
                  </tr>,
                  ...s.rows.map((r, ri) => renderRow(r, "", `s${si}r${ri}`)),
                  ...(s.total ? [renderRow(s.total, "report-total", `s${si}t`)] : []),
                ])}
                {view.summary.map((r, i) => renderRow(r, "report-summary", `sum${i}`))}
              </tbody>
            </table>
          </div>
          {view.notes.length > 0 && (
            <ul className="muted report-notes">
              {view.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          )}
        </>
      )}
      {drill && current && (
        <DrillPanel tenantId={current.tenantId} title={drill.title} drill={drill.drill} onClose={() => setDrillOf(null)} onOpenRecord={onOpenRecord} />
      )}
    </section>
  );
}

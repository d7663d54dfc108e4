import { useEffect, useState, type ReactNode } from "react";
import { Link } from "@tanstack/react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { Bar, BarChart, LabelList, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import {
  commands,
  type AgeingView,
  type AnomalyRecordView,
  type DashboardLookView,
  type DashboardView,
  type DueTotalView,
  type MonthView,
  type RecentDocumentView,
} from "../../bindings";
import { useCommandQuery } from "../../app/query";
import { useOrganisationZone } from "../../app/organisation";
import { DataTable } from "../../components/DataTable";
import { formatAmount, formatDate, formatInstant, formatMoney, formatTotalWithBase, todayIn } from "../../lib/format";
import { ErrorNotice } from "../../components/ErrorNotice";
import { appNow } from "../../lib/clock";

/**
 * Today, `YYYY-MM-DD`, in the organisation's timezone (this computer's calendar when it has
 * none): balances are to this day, and what fell due before it is overdue.
 */
export function today(now: Date = appNow(), zone: string | null = null): string {
  return todayIn(zone, now);
}

/** A month `YYYY-MM` as a short heading ("Jul 2026"), from its digits alone. */
export function monthLabel(month: string): string {
  const [y, m] = month.split("-");
  const names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${names[Number(m) - 1] ?? m} ${y}`;
}

/**
 * A bar's height. Money stays a string everywhere it is shown; only the drawing needs a
 * magnitude, so this is the one place an amount becomes a number, and it is never displayed.
 */
function height(amount: string): number {
  return Number(amount);
}

const dueColumns: ColumnDef<DueTotalView, unknown>[] = [
  { header: "Currency", id: "currency", meta: { rowHeader: true }, cell: ({ row }) => row.original.currencyCode ?? "—" },
  {
    header: "Outstanding, net of credits",
    id: "due",
    meta: { amount: true },
    cell: ({ row: { original: r } }) => (
      <>
        {formatMoney(r.due)} <span className="muted">({r.dueCount})</span>
      </>
    ),
  },
  {
    header: "Invoices past due, before credits",
    id: "overdue",
    meta: { amount: true },
    cell: ({ row: { original: r } }) => (
      <>
        {formatMoney(r.overdue)} <span className="muted">({r.overdueCount})</span>
      </>
    ),
  },
];

function label(r: RecentDocumentView): string {
  const d = r.document;
  return d.number ?? d.reference ?? d.contactName ?? d.xeroId;
}

function kindName(r: RecentDocumentView): string {
  if (r.kind === "bankTransactions") return "Bank transaction";
  return r.document.docType === "ACCPAY" ? "Bill" : "Invoice";
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** What needs the owner's attention, most urgent first. */
function Attention({ d }: { d: DashboardView }) {
  const items: { key: string; urgent: boolean; body: ReactNode }[] = [];
  if (d.alerts.reauthorisationNeeded)
    items.push({ key: "reauth", urgent: true, body: "Xero refused this organisation's sign-in: re-authorise it in Settings to resume syncing." });
  if (d.alerts.lastSyncFailed !== null) items.push({ key: "sync", urgent: true, body: `The last sync failed: ${d.alerts.lastSyncFailed}` });
  for (const c of d.alerts.closesDue)
    items.push({
      key: `close-${c.title}`,
      urgent: c.overdue,
      body: (
        <>
          {c.title} {c.overdue ? "was due" : "is due"} {formatDate(c.due)}:{" "}
          <Link to="/$screen" params={{ screen: "checklists" }}>
            open the checklists
          </Link>
          .
        </>
      ),
    });
  if (d.alerts.anomalies > 0) items.push({ key: "anomalies", urgent: false, body: `${plural(d.alerts.anomalies, "thing", "things")} to check, listed below.` });
  return (
    <section className="dash-panel dash-attention" aria-labelledby="dash-attention">
      <h2 id="dash-attention">Needs your attention</h2>
      {items.length === 0 ? (
        <p className="muted" data-testid="no-alerts">
          Nothing needs your attention.
        </p>
      ) : (
        <ul data-testid="dashboard-alerts">
          {items.map((a) => (
            <li key={a.key} className={a.urgent ? "error" : undefined}>
              {a.body}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** New documents and changes since the owner last opened the Dashboard, and the bills due this week. */
function SinceLastLook({ d, zone }: { d: DashboardView; zone: string | null }) {
  const s = d.sinceLastLook;
  const due = d.billsDueSoon;
  return (
    <section className="dash-panel" aria-labelledby="dash-since" data-testid="dashboard-since">
      <h2 id="dash-since">Since your last look</h2>
      {s === null ? (
        <p className="muted">This is your first look: next time, what came in since will show here.</p>
      ) : (
        <>
          <p className="muted">Since {formatInstant(s.sinceUtc, zone)}.</p>
          <dl className="dash-counts">
            <div>
              <dt>New invoices</dt>
              <dd data-testid="since-invoices">{s.newInvoices.toLocaleString()}</dd>
            </div>
            <div>
              <dt>Payments received</dt>
              <dd data-testid="since-payments">{s.paymentsReceived.toLocaleString()}</dd>
            </div>
            <div>
              <dt>New bills</dt>
              <dd data-testid="since-bills">{s.newBills.toLocaleString()}</dd>
            </div>
            <div>
              <dt>Records changed</dt>
              <dd data-testid="since-changed">{s.recordsChanged.toLocaleString()}</dd>
            </div>
          </dl>
        </>
      )}
      <h3>Bills due in the next 7 days</h3>
      <p data-testid="bills-due-soon">
        {due.count === 0 ? (
          <span className="muted">None due from {formatDate(due.from)} to {formatDate(due.to)}.</span>
        ) : (
          <>
            {plural(due.count, "bill", "bills")} due by {formatDate(due.to)}: {due.totals.map((t) => formatAmount(t.currencyCode, t.amount)).join(", ")}.
          </>
        )}
      </p>
    </section>
  );
}

/** The bank accounts as tiles: the ledger's balance, and when the books were last synced. */
function BankTiles({ d, zone }: { d: DashboardView; zone: string | null }) {
  return (
    <section className="dash-panel dash-wide" aria-labelledby="dash-banks">
      <h2 id="dash-banks">Bank accounts</h2>
      {d.banks.length === 0 ? (
        <p className="muted">No bank accounts.</p>
      ) : (
        <ul className="bank-tiles" data-testid="dashboard-banks">
          {d.banks.map((b) => (
            <li key={b.xeroId} className="bank-tile" data-testid="bank-tile">
              <span className="bank-name">{b.name ?? b.code ?? b.xeroId}</span>
              <strong className={b.balance.startsWith("-") ? "bank-balance negative" : "bank-balance"}>{formatAmount(d.baseCurrency, b.balance)}</strong>
              <span className="muted">
                Balance on {formatDate(d.asAt)} · {b.lastSyncedUtc ? `synced ${formatInstant(b.lastSyncedUtc, zone)}` : "not synced yet"}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface Series {
  key: "moneyIn" | "moneyOut" | "income" | "expenses";
  name: string;
  className: string;
}

/**
 * Two figures a month for twelve months as grouped bars (recharts), each bar labelled with its
 * exact amount, and the same figures as a table for screen readers and for reading.
 */
function MonthChart({ months, series, title, testId, baseCurrency }: { months: MonthView[]; series: [Series, Series]; title: string; testId: string; baseCurrency: string | null }) {
  const data = months.map((m) => ({
    month: monthLabel(m.month),
    a: height(m[series[0].key]),
    b: height(m[series[1].key]),
    aText: formatMoney(m[series[0].key]),
    bText: formatMoney(m[series[1].key]),
  }));
  const exact = (name: string, item: { payload?: unknown }) => {
    const p = item.payload as { aText: string; bText: string };
    return name === series[0].name ? p.aText : p.bText;
  };
  return (
    <figure className="month-chart" data-testid={testId}>
      <p className="chart-legend" aria-hidden="true">
        <span className={`swatch ${series[0].className}`} /> {series[0].name} <span className={`swatch ${series[1].className}`} /> {series[1].name}
      </p>
      <BarChart width={600} height={260} data={data} margin={{ top: 64, right: 4, bottom: 4, left: 4 }} role="img" aria-label={`${title}, ${baseCurrency ?? ""}: the figures are in the table that follows`}>
        <XAxis dataKey="month" interval={0} tick={{ fontSize: 11 }} tickLine={false} />
        <YAxis hide domain={[(min: number) => Math.min(0, min), (max: number) => Math.max(0, max)]} />
        <ReferenceLine y={0} className="axis" />
        <Tooltip formatter={(_v, name, item) => [exact(String(name), item), name]} />
        <Bar dataKey="a" name={series[0].name} className={series[0].className} isAnimationActive={false}>
          <LabelList dataKey="aText" position="top" angle={-90} offset={6} className="bar-amount" textAnchor="start" />
        </Bar>
        <Bar dataKey="b" name={series[1].name} className={series[1].className} isAnimationActive={false}>
          <LabelList dataKey="bText" position="top" angle={-90} offset={6} className="bar-amount" textAnchor="start" />
        </Bar>
      </BarChart>
      <figcaption>
        <table className="data-table visually-hidden" data-testid={`${testId}-table`}>
          <caption>
            {title}
            {baseCurrency ? `, ${baseCurrency}` : ""}
          </caption>
          <thead>
            <tr>
              <th scope="col">Month</th>
              <th scope="col">{series[0].name}</th>
              <th scope="col">{series[1].name}</th>
            </tr>
          </thead>
          <tbody>
            {months.map((m) => (
              <tr key={m.month}>
                <th scope="row">{monthLabel(m.month)}</th>
                <td className="amount">{formatMoney(m[series[0].key])}</td>
                <td className="amount">{formatMoney(m[series[1].key])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}

/**
 * Receivables or payables by age, as bars that open the matching documents: the Invoices &
 * Bills screen's aged list at the same date, with that bucket's documents listed.
 */
function AgeingBars({ title, ageing, asAt, baseCurrency, testId }: { title: string; ageing: AgeingView; asAt: string; baseCurrency: string | null; testId: string }) {
  // Widths are proportions of the largest bucket: a drawing only, never shown as a figure.
  const largest = Math.max(0, ...ageing.buckets.map((b) => Math.abs(height(b.amount))));
  return (
    <section className="dash-panel" aria-labelledby={`${testId}-title`} data-testid={testId}>
      <h2 id={`${testId}-title`}>{title}</h2>
      <p data-testid={`${testId}-total`}>
        Outstanding: <strong>{formatAmount(baseCurrency, ageing.total)}</strong>, of which past due{" "}
        <strong data-testid={`${testId}-past-due`}>{formatAmount(baseCurrency, ageing.pastDue)}</strong>
      </p>
      <ul className="ageing-bars">
        {ageing.buckets.map((b) => {
          const share = largest === 0 ? 0 : (Math.abs(height(b.amount)) / largest) * 100;
          const amount = formatAmount(baseCurrency, b.amount);
          return (
            <li key={b.key}>
              <Link
                to="/$screen"
                params={{ screen: "invoices-and-bills" }}
                search={{ side: ageing.docType, asAt, bucket: b.key }}
                className="ageing-bar"
                data-testid={`${testId}-${b.key}`}
                aria-label={`${b.label}: ${amount}, ${plural(b.count, "document", "documents")}. List them.`}
              >
                <span className="ageing-bar-label">{b.label}</span>
                <span className="ageing-bar-track" aria-hidden="true">
                  <span className={b.amount.startsWith("-") ? "ageing-bar-fill negative" : "ageing-bar-fill"} style={{ width: `${share}%` }} />
                </span>
                <span className="ageing-bar-amount">{amount}</span>
                <span className="muted ageing-bar-count">({b.count})</span>
              </Link>
            </li>
          );
        })}
      </ul>
      <p className="muted">By days past the due date, in {baseCurrency ?? "the base currency"}; credit notes and overpayments not yet used are netted in the bucket of their date, so the bars add up to what is outstanding.</p>
    </section>
  );
}

/**
 * The Dashboard's figures for one organisation, all read from the local ledger in one command:
 * what needs attention, what came in since the last look, the bank accounts, money in and out
 * and income against expenses over twelve months, receivables and payables by age, and the
 * latest changed documents (each opens as its own page). Opening it records the owner's look.
 */
export function DashboardFigures({ tenantId, onOpenRecord }: { tenantId: string; onOpenRecord?: ((r: AnomalyRecordView) => void) | undefined }) {
  const zone = useOrganisationZone();
  // The look is recorded once per visit, before the figures are read: they count from the one before.
  const [look, setLook] = useState<{ for: string; view: DashboardLookView | null } | null>(null);
  useEffect(() => {
    let live = true;
    void commands.dashboardLook({ tenantId }).then((r) => {
      // A look that could not be recorded only leaves "since your last look" as it was.
      if (live) setLook({ for: tenantId, view: r.status === "ok" ? r.data : null });
    });
    return () => {
      live = false;
    };
  }, [tenantId]);
  const looked = look?.for === tenantId;
  // Read again when a sync ends (or a payment settles: the ledger-changed event), and when the
  // day turns. While a fresher answer is read, the last one for this organisation stays on screen.
  const request = { tenantId, asAt: today(appNow(), zone), recentLimit: 10 };
  const { result } = useCommandQuery(["dashboard", request], looked ? () => commands.dashboard(request) : null, {
    placeholderData: (previous, query) => ((query?.queryKey[1] as typeof request | undefined)?.tenantId === tenantId ? previous : undefined),
  });
  if (result.state === "loading") return <p role="status">Reading the ledger…</p>;
  if (result.state === "error") return <ErrorNotice error={result.error} />;
  const d = result.data;
  const foreign = d.receivables.length + d.payables.length > 0 && [...d.receivables, ...d.payables].some((r) => r.currencyCode !== d.baseCurrency);

  return (
    <div className="dash-grid" data-testid="dashboard-figures">
      <Attention d={d} />
      <SinceLastLook d={d} zone={zone} />
      <BankTiles d={d} zone={zone} />
      <section className="dash-panel" aria-labelledby="dash-money">
        <h2 id="dash-money">Money in and out</h2>
        <p className="muted">Into and out of the bank accounts each month, from the general ledger (transfers between them count both ways).</p>
        <MonthChart
          months={d.months}
          title="Money in and out by month"
          testId="dashboard-money"
          baseCurrency={d.baseCurrency}
          series={[
            { key: "moneyIn", name: "Money in", className: "bar" },
            { key: "moneyOut", name: "Money out", className: "bar bar-second" },
          ]}
        />
      </section>
      <section className="dash-panel" aria-labelledby="dash-profit">
        <h2 id="dash-profit">Income and expenses</h2>
        <p className="muted">Each month&apos;s profit and loss (accrual basis), as the Reports screen makes it.</p>
        <MonthChart
          months={d.months}
          title="Income and expenses by month"
          testId="dashboard-profit"
          baseCurrency={d.baseCurrency}
          series={[
            { key: "income", name: "Income", className: "bar" },
            { key: "expenses", name: "Expenses", className: "bar bar-second" },
          ]}
        />
      </section>
      <AgeingBars title="Customers owe you" ageing={d.receivablesAgeing} asAt={d.asAt} baseCurrency={d.baseCurrency} testId="dashboard-receivables" />
      <AgeingBars title="You owe suppliers" ageing={d.payablesAgeing} asAt={d.asAt} baseCurrency={d.baseCurrency} testId="dashboard-payables" />
      {foreign && (
        <section className="dash-panel dash-wide" aria-labelledby="dash-currencies">
          <h2 id="dash-currencies">In each currency</h2>
          <p className="muted">Each document in its own currency. The past-due column counts invoices (bills) alone, before credit notes, so it can exceed what is outstanding after them.</p>
          <div className="tiles tiles-wide">
            <div data-testid="dashboard-receivables-currencies">
              <h3>Customers owe</h3>
              <DataTable data={d.receivables} columns={dueColumns} label="Customers owe, per currency" rowKey={(r) => r.currencyCode ?? ""} />
            </div>
            <div data-testid="dashboard-payables-currencies">
              <h3>You owe</h3>
              <DataTable data={d.payables} columns={dueColumns} label="You owe, per currency" rowKey={(r) => r.currencyCode ?? ""} />
            </div>
          </div>
        </section>
      )}
      <section className="dash-panel dash-wide" aria-labelledby="dash-recent">
        <h2 id="dash-recent">Recent activity</h2>
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
      </section>
    </div>
  );
}

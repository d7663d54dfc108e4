import { useMutation } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import {
  commands,
  type CheckStatus,
  type Diagnostics,
  type EndpointStats,
  type HealthReport,
  type MetricsSnapshot,
  type QueryStats,
} from "../bindings";
import { call, stateOf, useCommandQuery, type CommandState } from "../app/query";
import { DataTable } from "../components/DataTable";
import { ErrorNotice } from "../components/ErrorNotice";

const STATUS_TEXT: Record<CheckStatus, string> = { ok: "OK", warning: "Warning", failed: "Failed" };
const CHECK_TITLE: Record<string, string> = {
  database: "Ledger",
  keyring: "Keyring",
  xero: "Xero",
  disk: "Disk space",
  memory: "Memory",
};

/** Health checks, today's metrics with charts, crash reports and the support bundle. */
export function DiagnosticsScreen() {
  const health = useCommandQuery(["healthCheck"], commands.healthCheck);
  const diag = useCommandQuery(["diagnostics"], commands.diagnostics);
  return (
    <section data-testid="screen-diagnostics">
      <h1 tabIndex={-1}>Diagnostics</h1>
      <HealthSection state={health.result} onRecheck={health.reload} />
      {diag.result.state === "error" && (
        <ErrorNotice error={diag.result.error} />
      )}
      {diag.result.state === "ok" && (
        <>
          <CrashSection diagnostics={diag.result.data} />
          <MetricsSection today={diag.result.data.today} history={diag.result.data.history} />
        </>
      )}
      <BundleSection onMade={() => void diag.query.refetch()} />
    </section>
  );
}

function HealthSection({ state, onRecheck }: { state: CommandState<HealthReport>; onRecheck: () => void }) {
  return (
    <>
      <div className="section-head">
        <h2>Health</h2>
        <button type="button" onClick={onRecheck} disabled={state.state === "loading"}>
          {state.state === "loading" ? "Checking…" : "Check again"}
        </button>
      </div>
      {state.state === "loading" && <p role="status">Checking the ledger, the keyring and Xero…</p>}
      {state.state === "error" && (
        <ErrorNotice error={state.error} />
      )}
      {state.state === "ok" && (
        <>
          <ul className="checks" data-testid="health-checks">
            {state.data.checks.map((c) => (
              <li key={c.name} data-testid={`check-${c.name}`} data-status={c.status}>
                <span className={`badge badge-${c.status}`}>{STATUS_TEXT[c.status]}</span>
                <strong>{CHECK_TITLE[c.name] ?? c.name}</strong>
                <span className="check-message">{c.message}</span>
                {c.latencyMs !== null && <span className="muted">{c.latencyMs} ms</span>}
              </li>
            ))}
          </ul>
          <p className="muted" data-testid="versions">
            Ledgerkeep {state.data.versions.app} · ledger schema {state.data.versions.schema ?? "unknown"} of{" "}
            {state.data.versions.latestSchema} · webview {state.data.versions.webview ?? "unknown"} · {state.data.versions.os}
          </p>
        </>
      )}
    </>
  );
}

function CrashSection({ diagnostics }: { diagnostics: Diagnostics }) {
  const n = diagnostics.crashReports.length;
  if (n === 0) return null;
  return (
    <div className="notice" role="alert" data-testid="crash-notice">
      Ledgerkeep closed unexpectedly {n === 1 ? "once" : `${n} times`} (last: {diagnostics.crashReports[0]?.time}). The
      report stays on this computer; make a support bundle below to include it.
    </div>
  );
}

const endpointColumns: ColumnDef<EndpointStats, unknown>[] = [
  { header: "Endpoint", accessorKey: "endpoint" },
  { header: "Calls", accessorKey: "calls" },
  { header: "p50 ms", accessorKey: "p50Ms" },
  { header: "p95 ms", accessorKey: "p95Ms" },
  { header: "p99 ms", accessorKey: "p99Ms" },
  {
    header: "Statuses",
    id: "statuses",
    cell: ({ row }) => row.original.statuses.map((s) => `${s.status === 0 ? "no answer" : s.status}: ${s.count}`).join(", "),
  },
];

/** Microseconds as milliseconds, to the hundredth (most ledger queries take well under one). */
function ms(us: number): string {
  return (us / 1000).toFixed(2);
}

const queryColumns: ColumnDef<QueryStats, unknown>[] = [
  { header: "Query", accessorKey: "name" },
  { header: "Runs", accessorKey: "calls" },
  { header: "p50 ms", id: "p50", cell: ({ row }) => ms(row.original.p50Us) },
  { header: "p95 ms", id: "p95", cell: ({ row }) => ms(row.original.p95Us) },
  { header: "Longest ms", id: "max", cell: ({ row }) => ms(row.original.maxUs) },
  { header: "Over 100 ms", accessorKey: "slow" },
];

/** The token refresh counts and their success rate. */
function refreshes(today: MetricsSnapshot): string {
  const ok = today.tokenRefreshesOk;
  const total = ok + today.tokenRefreshesFailed;
  const rate = total === 0 ? "" : ` (${Math.round((ok * 100) / total)}% succeeded)`;
  return `${ok} ok, ${today.tokenRefreshesFailed} failed${rate}`;
}

function pct(v: number | null): string {
  return v === null ? "—" : `${v}%`;
}

function MetricsSection({ today, history }: { today: MetricsSnapshot; history: MetricsSnapshot[] }) {
  const tiles: [string, string, string][] = [
    ["Xero calls today", String(today.xeroCalls), "metric-calls"],
    ["Errors", `${today.xeroErrors} (${today.xeroErrorRatePct}%)`, "metric-errors"],
    ["Rate-limited (429)", String(today.xeroRateLimited), "metric-429"],
    ["Minute limit used", pct(today.minuteLimitUsedPct), "metric-minute"],
    ["Day limit used", pct(today.dayLimitUsedPct), "metric-day"],
    ["Token refreshes", refreshes(today), "metric-refresh"],
    ["Syncs", `${today.syncs} (${today.syncRecords} records)`, "metric-syncs"],
    ["Sync time", today.syncs === 0 ? "—" : `p50 ${today.syncP50Ms} ms, p95 ${today.syncP95Ms} ms`, "metric-sync-time"],
    ["Database p95", `${today.dbP95Ms} ms over ${today.dbQueries} queries`, "metric-db"],
    ["Memory", today.rssMb === null ? "—" : `${today.rssMb} MB`, "metric-rss"],
    ["Start-up", today.startupMs === null ? "—" : `${today.startupMs} ms`, "metric-startup"],
    ["Active Xero connections", String(today.activeConnections), "metric-connections"],
  ];
  // Summaries saved before queries were counted have none.
  const queries = today.queries ?? [];
  const days = [...history, today].map((d) => ({ day: d.day, calls: d.xeroCalls, errors: d.xeroErrors, limited: d.xeroRateLimited }));
  return (
    <>
      <h2>Today ({today.day})</h2>
      <dl className="tiles">
        {tiles.map(([label, value, id]) => (
          <div key={id}>
            <dt>{label}</dt>
            <dd data-testid={id}>{value}</dd>
          </div>
        ))}
      </dl>
      <h2>Xero calls by endpoint</h2>
      {today.endpoints.length === 0 ? (
        <p className="muted">No Xero calls yet today. They appear here once an organisation syncs.</p>
      ) : (
        <>
          <DataTable data={today.endpoints} columns={endpointColumns} label="Xero calls by endpoint" />
          <div className="chart" aria-label="Latency by endpoint" role="img">
            <ResponsiveContainer width="100%" height={220}>
              <BarChart data={today.endpoints}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="endpoint" />
                <YAxis unit=" ms" />
                <Tooltip />
                <Legend />
                <Bar dataKey="p50Ms" name="p50" fill="var(--accent)" />
                <Bar dataKey="p95Ms" name="p95" fill="var(--focus)" />
                <Bar dataKey="p99Ms" name="p99" fill="var(--danger)" />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </>
      )}
      {days.length > 1 && (
        <>
          <h2>Calls per day</h2>
          <div className="chart" aria-label="Calls per day" role="img">
            <ResponsiveContainer width="100%" height={200}>
              <BarChart data={days}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="day" />
                <YAxis allowDecimals={false} />
                <Tooltip />
                <Legend />
                <Bar dataKey="calls" name="calls" fill="var(--accent)" />
                <Bar dataKey="errors" name="errors" fill="var(--danger)" />
                <Bar dataKey="limited" name="429s" fill="var(--focus)" />
              </BarChart>
            </ResponsiveContainer>
          </div>
        </>
      )}
      <h2>Database queries</h2>
      {queries.length === 0 ? (
        <p className="muted">No ledger queries yet today.</p>
      ) : (
        <DataTable data={queries} columns={queryColumns} label="Database queries" />
      )}
      {today.slowQueries.length > 0 && (
        <>
          <h2>Slow queries (over 100 ms)</h2>
          <ul>
            {today.slowQueries.map((q, i) => (
              <li key={`${q.label}-${i}`}>
                {q.label}: {q.ms} ms
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function BundleSection({ onMade }: { onMade: () => void }) {
  const bundle = useMutation({ mutationFn: () => call(() => commands.makeSupportBundle({ to: null })), onSuccess: onMade });
  const state: CommandState<{ path: string }> | { state: "idle" } = bundle.isIdle ? { state: "idle" } : stateOf(bundle);
  return (
    <>
      <h2>Support bundle</h2>
      <p className="muted">
        One zip of the logs, metrics, crash reports, versions and settings, with every secret removed, for you to send
        to support.
      </p>
      <button type="button" onClick={() => bundle.mutate()} disabled={state.state === "loading"} data-testid="make-bundle">
        {state.state === "loading" ? "Making…" : "Make support bundle"}
      </button>
      {state.state === "ok" && (
        <p role="status" data-testid="bundle-path">
          Saved to {state.data.path}
        </p>
      )}
      {state.state === "error" && (
        <ErrorNotice error={state.error} />
      )}
    </>
  );
}

import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, within } from "@testing-library/react";
import { render } from "../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Diagnostics, HealthReport, MetricsSnapshot } from "../bindings";
import { DiagnosticsScreen } from "./DiagnosticsScreen";

const HEALTH: HealthReport = {
  checks: [
    { name: "database", status: "ok", message: "The ledger opens and passes SQLite's integrity check.", latencyMs: 3 },
    { name: "keyring", status: "failed", message: "No keyring answered (no D-Bus).", latencyMs: 1 },
    { name: "xero", status: "warning", message: "Xero could not be reached at http://127.0.0.1:9.", latencyMs: 2 },
    { name: "disk", status: "ok", message: "9000 MB free.", latencyMs: null },
    { name: "memory", status: "ok", message: "This process uses 80 MB of memory.", latencyMs: null },
  ],
  versions: { app: "0.1.0", schema: 1, latestSchema: 1, webview: "2.44.0", os: "linux x86_64" },
};

function snapshot(day: string, calls: number): MetricsSnapshot {
  return {
    day,
    xeroCalls: calls,
    xeroErrors: 1,
    xeroRateLimited: 2,
    xeroErrorRatePct: 10,
    minuteLimitUsedPct: 75,
    dayLimitUsedPct: null,
    endpoints:
      calls === 0
        ? []
        : [{ endpoint: "Invoices", calls, p50Ms: 40, p95Ms: 90, p99Ms: 120, statuses: [{ status: 200, count: calls - 3 }, { status: 429, count: 2 }, { status: 0, count: 1 }] }],
    tokenRefreshesOk: 3,
    tokenRefreshesFailed: 1,
    syncs: 2,
    syncRecords: 400,
    syncP50Ms: 900,
    syncP95Ms: 1500,
    dbQueries: 10,
    dbP95Ms: 4,
    queries: [
      { name: "apply_page", calls: 6, p50Us: 1250, p95Us: 4000, maxUs: 4100, slow: 0 },
      { name: "list_documents", calls: 4, p50Us: 300, p95Us: 140000, maxUs: 140000, slow: 1 },
    ],
    slowQueries: [{ label: "list_documents", ms: 140 }],
    rssMb: 80,
    startupMs: 650,
    activeConnections: 1,
  };
}

const DIAG: Diagnostics = {
  today: snapshot("2026-11-26", 10),
  history: [snapshot("2026-11-25", 30)],
  crashReports: [
    { file: "crash-1.json", time: "2026-11-25T10:00:00Z", appVersion: "0.1.0", thread: "main", message: "boom", location: "a.rs:1", backtrace: "" },
  ],
};

function mockBackend(extra: Record<string, unknown> = {}) {
  const calls: string[] = [];
  mockIPC((cmd, args) => {
    calls.push(cmd);
    if (cmd === "health_check") return HEALTH;
    if (cmd === "diagnostics") return DIAG;
    if (cmd in extra) {
      const v = extra[cmd];
      return typeof v === "function" ? (v as (a: unknown) => unknown)(args) : v;
    }
    throw { code: "internal", message: `unexpected ${cmd}` };
  });
  return calls;
}

describe("the diagnostics screen", () => {
  it("shows each health check with its status and message", async () => {
    mockBackend();
    render(<DiagnosticsScreen />);
    const keyring = await screen.findByTestId("check-keyring");
    expect(keyring).toHaveAttribute("data-status", "failed");
    expect(keyring).toHaveTextContent("Failed");
    expect(keyring).toHaveTextContent("No keyring answered");
    expect(screen.getByTestId("check-xero")).toHaveTextContent("Warning");
    expect(screen.getByTestId("check-database")).toHaveTextContent("3 ms");
    expect(screen.getByTestId("versions")).toHaveTextContent("webview 2.44.0");
  });

  it("shows today's metrics, the endpoint table and the crash notice", async () => {
    mockBackend();
    render(<DiagnosticsScreen />);
    expect(await screen.findByTestId("metric-calls")).toHaveTextContent("10");
    expect(screen.getByTestId("metric-errors")).toHaveTextContent("1 (10%)");
    expect(screen.getByTestId("metric-429")).toHaveTextContent("2");
    expect(screen.getByTestId("metric-minute")).toHaveTextContent("75%");
    expect(screen.getByTestId("metric-day")).toHaveTextContent("—");
    expect(screen.getByTestId("metric-refresh")).toHaveTextContent("3 ok, 1 failed (75% succeeded)");
    expect(screen.getByTestId("metric-syncs")).toHaveTextContent("2 (400 records)");
    expect(screen.getByTestId("metric-sync-time")).toHaveTextContent("p50 900 ms, p95 1500 ms");
    const table = screen.getByRole("table", { name: "Xero calls by endpoint" });
    expect(within(table).getByText("Invoices")).toBeInTheDocument();
    expect(within(table).getByText("200: 7, 429: 2, no answer: 1")).toBeInTheDocument();
    expect(screen.getByTestId("crash-notice")).toHaveTextContent("closed unexpectedly once");
    expect(screen.getByText("list_documents: 140 ms")).toBeInTheDocument();
    expect(screen.getByTestId("metric-connections")).toHaveTextContent("1");
  });

  it("lists each named database query with its durations", async () => {
    mockBackend();
    render(<DiagnosticsScreen />);
    const table = await screen.findByRole("table", { name: "Database queries" });
    const rows = within(table).getAllByRole("row");
    const apply = rows.find((r) => within(r).queryByText("apply_page"));
    const list = rows.find((r) => within(r).queryByText("list_documents"));
    expect(apply).toHaveTextContent(/apply_page\s*6\s*1\.25\s*4\.00\s*4\.10\s*0/);
    expect(list).toHaveTextContent(/list_documents\s*4\s*0\.30\s*140\.00\s*140\.00\s*1/);
  });

  it("checks again on request", async () => {
    const calls = mockBackend();
    const user = userEvent.setup();
    render(<DiagnosticsScreen />);
    await user.click(await screen.findByRole("button", { name: "Check again" }));
    await screen.findByTestId("check-keyring");
    expect(calls.filter((c) => c === "health_check")).toHaveLength(2);
  });

  it("makes a support bundle and says where it is", async () => {
    const calls = mockBackend({ make_support_bundle: { path: "/tmp/lk/support/b.zip", files: ["versions.json"] } });
    const user = userEvent.setup();
    render(<DiagnosticsScreen />);
    await user.click(await screen.findByTestId("make-bundle"));
    expect(await screen.findByTestId("bundle-path")).toHaveTextContent("Saved to /tmp/lk/support/b.zip");
    // The crash list is read again, since the bundle took the reports.
    expect(calls.filter((c) => c === "diagnostics")).toHaveLength(2);
  });

  it("shows a bundle failure as a message", async () => {
    mockBackend({
      make_support_bundle: () => {
        throw { code: "storage", message: "The support bundle could not be written: disk full" };
      },
    });
    const user = userEvent.setup();
    render(<DiagnosticsScreen />);
    await user.click(await screen.findByTestId("make-bundle"));
    const alert = (await screen.findByText("The support bundle could not be written: disk full")).closest("[role=alert]");
    expect(alert).toHaveAttribute("data-error-code", "storage");
  });
});

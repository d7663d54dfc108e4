import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import { render, renderInRouter } from "../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { OrganisationProvider } from "../app/organisation";
import { DashboardScreen } from "./DashboardScreen";

function backend(demo: boolean) {
  const calls: string[] = [];
  mockIPC((cmd) => {
    calls.push(cmd);
    if (cmd === "organisations") return [];
    if (cmd === "app_info") return { appVersion: "0.1.0", schemaVersion: 2, latestSchemaVersion: 2, dataDir: "/d", ledgerFile: "/d/l", logsDir: "/d/logs", backupsDir: "/d/b", os: "linux", demo };
    if (cmd === "explore_demo")
      return [
        { connectionId: "c", tenantId: "t-1", name: "Kōwhai Plumbing Ltd", kept: true, status: "connected" },
        { connectionId: "c", tenantId: "t-2", name: "Brightside Café Pty Ltd", kept: true, status: "connected" },
      ];
    throw { code: "internal", message: `unexpected ${cmd}` };
  });
  return calls;
}

const renderDashboard = () =>
  render(
    <OrganisationProvider>
      <DashboardScreen />
    </OrganisationProvider>,
  );

describe("the dashboard", () => {
  it("offers the demo company, labelled as demo data, while no Xero app is set up", async () => {
    const calls = backend(true);
    const user = userEvent.setup();
    renderDashboard();
    expect(await screen.findByTestId("demo-banner")).toHaveTextContent("made up");
    await user.click(screen.getByTestId("explore-demo"));
    expect(await screen.findByTestId("demo-connected")).toHaveTextContent("Kōwhai Plumbing Ltd, Brightside Café Pty Ltd");
    // The organisation list is read again after connecting.
    expect(calls.filter((c) => c === "organisations").length).toBe(2);
  });

  it("offers no demo once a Xero app is set up", async () => {
    const calls = backend(false);
    renderDashboard();
    expect(await screen.findByText("No organisation yet")).toBeInTheDocument();
    await waitFor(() => expect(calls).toContain("app_info"));
    await new Promise((r) => setTimeout(r, 50)); // let its answer render
    expect(screen.queryByTestId("explore-demo")).toBeNull();
    expect(screen.queryByTestId("demo-banner")).toBeNull();
  });

  it("shows what anomaly detection found as its alerts, once an organisation has synced", async () => {
    mockIPC((cmd, args) => {
      if (cmd === "organisations")
        return [{ tenantId: "t-1", name: "Kōwhai Plumbing Ltd", baseCurrency: "NZD", timezone: null, ianaTimezone: null, periodLockDate: null, lastSyncedUtc: null }];
      if (cmd === "app_info") return { appVersion: "0.1.0", schemaVersion: 4, latestSchemaVersion: 4, dataDir: "/d", ledgerFile: "/d/l", logsDir: "/d/logs", backupsDir: "/d/b", os: "linux", demo: false };
      if (cmd === "sync_status") return { tenants: [] };
      if (cmd === "dashboard_look") return { previousUtc: null, currentUtc: "2026-07-01T10:00:00Z" };
      if (cmd === "dashboard") {
        const ageing = (docType: string) => ({ docType, buckets: [], total: "0", pastDue: "0" });
        return {
          asAt: "2026-07-01",
          baseCurrency: "NZD",
          cash: [],
          receivables: [],
          payables: [],
          recent: [],
          alerts: { reauthorisationNeeded: false, lastSyncFailed: null, anomalies: 1, closesDue: [] },
          banks: [],
          months: [],
          receivablesAgeing: ageing("ACCREC"),
          payablesAgeing: ageing("ACCPAY"),
          sinceLastLook: null,
          billsDueSoon: { from: "2026-07-01", to: "2026-07-08", count: 0, totals: [] },
        };
      }
      if (cmd === "list_anomalies") {
        expect(args).toEqual({ request: { tenantId: "t-1", includeClosed: false } });
        return [
          {
            id: 4,
            tenantId: "t-1",
            rule: "round_amount",
            title: "Round-amount payment to Harbour Supplies",
            explanation: 'Spend money "Cash advance" paid NZD 5,000.00 to Harbour Supplies on 2026-06-29.',
            records: [{ entity: "bankTransaction", xeroId: "bt-1", label: "Cash advance" }],
            amount: "5000.00",
            currencyCode: "NZD",
            firstSeenAt: "2026-07-01T00:00:00.000Z",
            lastSeenAt: "2026-07-01T00:00:00.000Z",
            resolvedAt: null,
            dismissedAt: null,
            dismissedBy: null,
            dismissedReason: null,
          },
        ];
      }
      if (cmd.startsWith("plugin:")) return null;
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    // The figures link to other screens: inside a router, as the app draws them.
    await renderInRouter(
      <OrganisationProvider>
        <DashboardScreen />
      </OrganisationProvider>,
    );
    const panel = await screen.findByTestId("anomalies-panel");
    expect(await screen.findByTestId("anomaly-explanation")).toHaveTextContent("NZD 5,000.00 to Harbour Supplies");
    expect(panel).toHaveTextContent("Things to check");
    expect(screen.queryByText("No organisation yet")).toBeNull();
    expect(await screen.findByTestId("dashboard-alerts")).toHaveTextContent("1 thing to check");
  });
});

import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import { render } from "../../test/render";
import { describe, expect, it } from "vitest";
import { OrganisationProvider } from "../../app/organisation";
import { SyncStatusPanel } from "./SyncStatusPanel";

const T1 = {
  tenantId: "t-1",
  streams: [
    { stream: "invoices", status: "idle", watermark: "2026-07-01T09:00:00.000Z", lastFullSweep: null, records: 1234, lastError: null },
    { stream: "journals", status: "error", watermark: null, lastFullSweep: null, records: 0, lastError: "Xero answered 503." },
  ],
  lastRun: { kind: "incremental", startedAt: "2026-07-01T08:59:00.000Z", finishedAt: "2026-07-01T09:00:00.000Z", status: "ok", pages: 3, recordsSeen: 300, recordsChanged: 12 },
  dayLimitUsedPct: 7,
  refused: [{ stream: "Journals", reason: "plan", message: "Journals: not available on this Xero plan.", since: "2026-07-01T08:59:30Z" }],
  firstSync: null,
};
const STATUS = { tenants: [T1] };

describe("the dashboard's sync status", () => {
  it("shows the last run, each stream and the day's calls, then a running sync's progress and rate-limit use", async () => {
    const calls: unknown[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "organisations") {
          return [{ tenantId: "t-1", name: "Thames Ltd", baseCurrency: "GBP", timezone: "GMTSTANDARDTIME", ianaTimezone: "Europe/London", periodLockDate: null, lastSyncedUtc: null }];
        }
        if (cmd === "sync_status") {
          calls.push(args);
          return STATUS;
        }
        throw { code: "internal", message: `unexpected ${cmd}` };
      },
      { shouldMockEvents: true },
    );
    render(
      <OrganisationProvider>
        <SyncStatusPanel tenantId="t-1" />
      </OrganisationProvider>,
    );
    // Times in the organisation's zone: London is on summer time (UTC+1) in July.
    const lastRun = await screen.findByTestId("sync-last-run");
    await waitFor(() =>
      expect(lastRun).toHaveTextContent("Last sync succeeded, started Jul 1, 2026, 9:59 AM GMT+1: 12 records changed. 7% of the day's Xero calls used."),
    );
    expect(screen.getByText("invoices").closest("tr")).toHaveTextContent("Jul 1, 2026, 10:00 AM GMT+1");
    expect(calls).toEqual([{ request: { tenantId: "t-1" } }]);
    expect(screen.getByText("invoices").closest("tr")).toHaveTextContent("1,234");
    expect(screen.getByText("journals").closest("tr")).toHaveTextContent("error: Xero answered 503.");
    expect(screen.getByTestId("sync-refused")).toHaveTextContent("Journals: not available on this Xero plan.");

    await emit("sync-progressed", { tenant: "t-other", stream: "contacts", records: 5, pages: 1, rateLimitUsedPct: 90, etaSeconds: null });
    await emit("sync-progressed", { tenant: "t-1", stream: "invoices", records: 400, pages: 4, rateLimitUsedPct: 35, etaSeconds: 12 });
    const live = await screen.findByTestId("sync-live");
    expect(live).toHaveTextContent("Syncing invoices: 400 records, 4 pages, about 12 s left.");
    expect(screen.getByRole("progressbar", { name: /calls used this minute: 35%/ })).toHaveAttribute("value", "35");
    // The other organisation's progress is not shown, and a new stream reads the status again.
    await waitFor(() => expect(calls).toHaveLength(2));
  });

  it("says how many more days a first sync over several days takes", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "sync_status") return { tenants: [{ ...T1, firstSync: { callsLeft: 1800, moreDays: 2 } }] };
        throw { code: "internal", message: `unexpected ${cmd}` };
      },
      { shouldMockEvents: true },
    );
    render(<SyncStatusPanel tenantId="t-1" />);
    const first = await screen.findByTestId("sync-first");
    expect(first).toHaveTextContent("takes about 2 more days (about 1,800 Xero calls left).");
  });

  it("says nothing of a first sync when none is under way", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "sync_status") return { tenants: [{ ...T1, firstSync: null }] };
        throw { code: "internal", message: `unexpected ${cmd}` };
      },
      { shouldMockEvents: true },
    );
    render(<SyncStatusPanel tenantId="t-1" />);
    await screen.findByTestId("sync-last-run");
    expect(screen.queryByTestId("sync-first")).toBeNull();
  });

  it("reads the status again when a sync of the organisation ends, and drops its progress", async () => {
    let running = true;
    const runningStatus = {
      tenants: [{ ...T1, lastRun: { ...T1.lastRun, status: "running", finishedAt: null, recordsChanged: 0 } }],
    };
    mockIPC(
      (cmd) => {
        if (cmd === "sync_status") return running ? runningStatus : STATUS;
        throw { code: "internal", message: `unexpected ${cmd}` };
      },
      { shouldMockEvents: true },
    );
    render(<SyncStatusPanel tenantId="t-1" />);
    expect(await screen.findByTestId("sync-last-run")).toHaveTextContent("Last sync running");
    await emit("sync-progressed", { tenant: "t-1", stream: "journals", records: 10, pages: 1, rateLimitUsedPct: 5, etaSeconds: null });
    await screen.findByTestId("sync-live");
    running = false;
    await emit("ledger-changed", { tenantId: "t-other" });
    expect(screen.getByTestId("sync-last-run")).toHaveTextContent("Last sync running");
    await emit("ledger-changed", { tenantId: "t-1" });
    await waitFor(() => expect(screen.getByTestId("sync-last-run")).toHaveTextContent("Last sync succeeded"));
    expect(screen.queryByTestId("sync-live")).toBeNull();
  });
});

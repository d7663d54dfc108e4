import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import { render } from "../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { RunView, SopView } from "../bindings";
import { OrganisationProvider } from "../app/organisation";
import { todayIn } from "../lib/format";
import { ChecklistsScreen, lastMonth } from "./ChecklistsScreen";

// New Zealand daylight time (UTC+13) in October and November.
const org = { tenantId: "t-1", name: "Kōwhai Plumbing Ltd", baseCurrency: "NZD", timezone: "NEWZEALANDSTANDARDTIME", ianaTimezone: "Pacific/Auckland", periodLockDate: null, lastSyncedUtc: null };

const sop: SopView = {
  id: 1,
  title: "Close",
  owner: "Sam",
  frequency: "monthly",
  dueRule: "5th business day",
  version: 1,
  archived: false,
  updatedAt: "2026-11-01T00:00:00.000Z",
  steps: [{ body: "Sync", check: "bank_accounts_synced", checkParam: null }],
};

const run = (signed: boolean): RunView => ({
  id: 7,
  tenantId: "t-1",
  period: "2026-10",
  title: "October 2026 close",
  createdAt: "2026-11-02T00:00:00.000Z",
  signedOffAt: signed ? "2026-11-03T00:00:00.000Z" : null,
  signedOffBy: signed ? "Sam" : null,
  ledgerHash: signed ? "ab".repeat(32) : null,
  warnings: [],
  editsSinceSignOff: [],
  steps: [
    {
      id: 1, sopId: 1, sopTitle: "Close", sopVersion: 1, position: 0, body: "Sync **every** bank account", check: "bank_accounts_synced",
      dueDate: "2026-11-06", doneAt: signed ? "2026-11-05T11:30:00.000Z" : null, doneBy: signed ? "Sam" : null, note: null, checkedAt: "x",
      outcome: { status: "pass", summary: "2 bank accounts synced since 2026-10-31.", evidence: [] },
    },
    {
      id: 2, sopId: 1, sopTitle: "Close", sopVersion: 1, position: 1, body: "Lock the period", check: "period_locked",
      dueDate: "2026-11-06", doneAt: null, doneBy: null, note: null, checkedAt: "x",
      outcome: {
        status: "fail",
        summary: "No lock date is set in Xero.",
        evidence: [{ table: "organisations", xeroId: "t-1", date: "2026-10-31", label: "Kōwhai Plumbing Ltd", amount: null, currency: null, detail: "Period lock date not set; end-of-year lock date not set" }],
      },
    },
  ],
});

function backend() {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    calls.push({ cmd, args });
    if (cmd === "organisations") return [org];
    if (cmd === "list_sops") return [sop];
    if (cmd === "list_close_runs") return [{ id: 6, period: "2026-09", title: "September 2026 close", signedOffAt: "2026-10-04T21:00:00.000Z", steps: 2, done: 2 }];
    if (cmd === "save_sop")
      throw {
        code: "invalid",
        message: "2 fields need attention: title, dueRule.",
        fields: [
          { field: "title", message: "Title is required." },
          { field: "dueRule", message: "Due rule must look like \"5th business day\"." },
        ],
      };
    if (cmd === "sop_versions")
      return [
        { version: 1, savedAt: "2026-10-01T00:00:00.000Z", savedBy: "user:create-sop", title: "Close", owner: "Sam", frequency: "monthly", dueRule: "3rd business day", steps: [] },
        { version: 2, savedAt: "2026-11-01T00:00:00.000Z", savedBy: "user:edit-sop", title: "Close", owner: "Sam", frequency: "monthly", dueRule: "5th business day", steps: [] },
      ];
    if (cmd === "start_close_run") return run(false);
    if (cmd === "sign_off_close_run") return run(true);
    throw { code: "internal", message: `unexpected ${cmd}` };
  });
  return calls;
}

const renderScreen = () =>
  render(
    <OrganisationProvider>
      <ChecklistsScreen />
    </OrganisationProvider>,
  );

describe("the checklists screen", () => {
  it("shows each refused field beside its input", async () => {
    backend();
    const user = userEvent.setup();
    renderScreen();
    await user.click(await screen.findByTestId("sop-new"));
    await user.clear(screen.getByTestId("sop-due-rule"));
    await user.type(screen.getByTestId("sop-due-rule"), "soon");
    await user.click(screen.getByTestId("sop-save"));
    expect(await screen.findByTestId("error-title")).toHaveTextContent("Title is required.");
    expect(screen.getByTestId("error-dueRule")).toHaveTextContent("5th business day");
    expect(screen.queryByTestId("error-frequency")).toBeNull();
    // The editor stays open with what was typed.
    expect(screen.getByTestId("sop-due-rule")).toHaveValue("soon");
  });

  it("lists a procedure's versions, newest first", async () => {
    backend();
    const user = userEvent.setup();
    renderScreen();
    await user.click(await screen.findByRole("button", { name: "Versions" }));
    const items = within(await screen.findByTestId("sop-versions")).getAllByRole("listitem");
    expect(items.map((li) => li.textContent?.slice(0, 9))).toEqual(["Version 2", "Version 1"]);
    expect(items[1]).toHaveTextContent("due 3rd business day");
    // Saved at 00:00 UTC: 1 pm in Auckland, named.
    expect(items[1]).toHaveTextContent("saved Oct 1, 2026, 1:00 PM GMT+13 by user:create-sop");
  });

  it("takes last month from the organisation's today", () => {
    expect(lastMonth("2026-11-01")).toBe("2026-10");
    expect(lastMonth("2026-01-31")).toBe("2025-12");
    expect(lastMonth("0100-01-01")).toBe("0099-12");
  });

  it("starts last month's close, shows checks with their evidence, and signs off", async () => {
    const calls = backend();
    const user = userEvent.setup();
    renderScreen();
    expect(await screen.findByTestId("run-period")).toHaveValue(lastMonth(todayIn("Pacific/Auckland")));
    // An earlier close's sign-off, in Auckland's time: 21:00 UTC is 10 am the next day there.
    expect(await screen.findByTestId("run-list")).toHaveTextContent("2/2 done · signed off Oct 5, 2026, 10:00 AM GMT+13");
    await user.click(screen.getByTestId("start-run"));
    const steps = await screen.findAllByTestId("run-step");
    expect(steps.map((s) => s.getAttribute("data-status"))).toEqual(["pass", "fail"]);
    const [passing, failing] = steps;
    if (!passing || !failing) throw new Error("two steps expected");
    expect(within(failing).getByTestId("evidence")).toHaveTextContent("Period lock date not set");
    // Calendar dates in the locale's format, as given.
    expect(within(failing).getByTestId("evidence-row")).toHaveTextContent("Oct 31, 2026");
    // ... in the ledger's own sentences too.
    expect(within(passing).getByTestId("check-summary")).toHaveTextContent(/^2 bank accounts synced since Oct 31, 2026\.$/);
    expect(within(passing).getByTestId("step-due")).toHaveTextContent(/^Nov 6, 2026$/);
    expect(within(passing).getByText("every").tagName).toBe("STRONG");
    await user.type(screen.getByTestId("run-who"), "Sam");
    await user.click(screen.getByTestId("sign-off"));
    expect(await screen.findByTestId("signed-off")).toHaveTextContent("Signed off by Sam at Nov 3, 2026, 1:00 PM GMT+13.");
    // Ticked at 11:30 UTC on 5 November: half past midnight on the 6th in Auckland.
    const [ticked] = await screen.findAllByTestId("run-step");
    expect(ticked).toHaveTextContent("Due Nov 6, 2026 · done by Sam at Nov 6, 2026, 12:30 AM GMT+13");
    await waitFor(() => expect(calls.find((c) => c.cmd === "sign_off_close_run")?.args).toEqual({ request: { runId: 7, who: "Sam" } }));
    expect(calls.find((c) => c.cmd === "start_close_run")?.args).toEqual({ request: { tenantId: "t-1", period: lastMonth(todayIn("Pacific/Auckland")) } });
  });
});

import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { screen, waitFor, within } from "@testing-library/react";
import { renderInRouter } from "../../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { AgeingView, DashboardView, MonthView } from "../../bindings";
import { formatDate } from "../../lib/format";
import { DashboardFigures, monthLabel, today } from "./DashboardFigures";

const drill = { ledger: { account: "a-1", from: null, to: "2026-07-01", sign: null, negate: false } };

function months(): MonthView[] {
  return Array.from({ length: 12 }, (_, i) => {
    const m = ((i + 7) % 12) + 1;
    const y = i < 5 ? 2025 : 2026;
    const month = `${y}-${String(m).padStart(2, "0")}`;
    return {
      month,
      from: `${month}-01`,
      to: `${month}-28`,
      moneyIn: i === 11 ? "98765432109876.54" : `${1000 + i}.10`,
      moneyOut: `${500 + i}.05`,
      income: `${2000 + i}.00`,
      expenses: i === 3 ? "-12.5" : `${700 + i}.99`,
      netProfit: "0",
    };
  });
}

function ageing(docType: string, amounts: string[], total: string, pastDue: string): AgeingView {
  const keys = ["current", "1-30", "31-60", "61-90", "older"];
  const labels = ["Current", "1-30 days", "31-60 days", "61-90 days", "Older"];
  return {
    docType,
    buckets: keys.map((key, i) => ({ key, label: labels[i] ?? key, amount: amounts[i] ?? "0", count: i + 1, dueFrom: null, dueTo: null })),
    total,
    pastDue,
  };
}

function view(over: Partial<DashboardView["alerts"]> = {}, more: Partial<DashboardView> = {}): DashboardView {
  return {
    asAt: "2026-07-01",
    baseCurrency: "NZD",
    cash: [
      { xeroId: "a-1", code: "090", name: "Business Cheque", accountType: "BANK", class: "asset", status: "ACTIVE", balance: "98765432109876.54", drill },
      { xeroId: "a-2", code: "091", name: "Savings", accountType: "BANK", class: "asset", status: "ACTIVE", balance: "-12.5", drill },
    ],
    banks: [
      { xeroId: "a-1", code: "090", name: "Business Cheque", balance: "98765432109876.54", lastSyncedUtc: "2026-07-01T09:00:00Z" },
      { xeroId: "a-2", code: "091", name: "Savings", balance: "-12.5", lastSyncedUtc: null },
    ],
    months: months(),
    receivables: [{ currencyCode: "NZD", due: "1500.10", dueCount: 3, overdue: "200", overdueCount: 1 }],
    payables: [],
    receivablesTotal: "1734.56",
    payablesTotal: "0",
    receivablesAgeing: ageing("ACCREC", ["1000.00", "500.06", "-65.50", "0", "300"], "1734.56", "734.56"),
    payablesAgeing: ageing("ACCPAY", ["0", "0", "0", "0", "0"], "0", "0"),
    sinceLastLook: { sinceUtc: "2026-06-30T08:00:00Z", newInvoices: 3, newBills: 1, paymentsReceived: 2, recordsChanged: 17 },
    billsDueSoon: { from: "2026-07-01", to: "2026-07-08", count: 2, totals: [{ currencyCode: "NZD", amount: "430.00" }] },
    recent: [
      {
        kind: "invoices",
        document: {
          xeroId: "inv-9",
          docType: "ACCPAY",
          number: "BILL-0042",
          reference: null,
          contactId: "c-1",
          contactName: "Harbour Supplies",
          date: "2026-06-30",
          status: "AUTHORISED",
          currencyCode: "NZD",
          total: "430.00",
          currencyRate: null,
          baseCurrency: "NZD",
          baseTotal: null,
          account: null,
          updatedUtc: "2026-06-30T21:04:11.000Z",
        },
      },
    ],
    alerts: { reauthorisationNeeded: false, lastSyncFailed: null, anomalies: 0, closesDue: [], ...over },
    ...more,
  } as DashboardView;
}

function backend(answer: DashboardView) {
  const calls: { cmd: string; args: unknown }[] = [];
  mockIPC((cmd, args) => {
    if (!cmd.startsWith("plugin:")) calls.push({ cmd, args });
    if (cmd === "dashboard_look") return { previousUtc: "2026-06-30T08:00:00Z", currentUtc: "2026-07-01T10:00:00Z" };
    if (cmd === "dashboard") return answer;
    throw { code: "internal", message: `unexpected ${cmd}` };
  });
  return calls;
}

const show = (props: Partial<Parameters<typeof DashboardFigures>[0]> = {}) => renderInRouter(<DashboardFigures tenantId="t-1" {...props} />, "/dashboard");

describe("the dashboard's figures", () => {
  it("records the look, then asks for today's figures of the organisation", async () => {
    const calls = backend(view());
    await show();
    await screen.findByTestId("dashboard-banks");
    expect(calls.map((c) => c.cmd)).toEqual(["dashboard_look", "dashboard"]);
    expect(calls[0]?.args).toEqual({ request: { tenantId: "t-1" } });
    expect(calls[1]?.args).toEqual({ request: { tenantId: "t-1", asAt: today(), recentLimit: 10 } });
  });

  it("shows each bank account as a tile with its exact balance and when it synced", async () => {
    backend(view());
    await show();
    const tiles = within(await screen.findByTestId("dashboard-banks")).getAllByTestId("bank-tile");
    expect(tiles).toHaveLength(2);
    expect(tiles[0]).toHaveTextContent("Business Cheque");
    expect(tiles[0]).toHaveTextContent("NZD 98,765,432,109,876.54");
    expect(tiles[0]).toHaveTextContent("synced");
    expect(tiles[1]).toHaveTextContent("NZD -12.50");
    expect(tiles[1]).toHaveTextContent("not synced yet");
  });

  it("gives both month charts their exact figures as a table", async () => {
    backend(view());
    await show();
    const money = await screen.findByTestId("dashboard-money-table");
    const rows = within(money).getAllByRole("row");
    expect(rows).toHaveLength(13);
    expect(rows[1]).toHaveTextContent(`${monthLabel("2025-08")}1,000.10500.05`);
    expect(rows[12]).toHaveTextContent(`${monthLabel("2026-07")}98,765,432,109,876.54511.05`);
    const profit = screen.getByTestId("dashboard-profit-table");
    expect(within(profit).getAllByRole("row")[4]).toHaveTextContent(`${monthLabel("2025-11")}2,003.00-12.50`);
    // The chart itself is named, and points at the table.
    expect(within(screen.getByTestId("dashboard-money")).getByRole("img", { name: /Money in and out by month, NZD/ })).toBeInTheDocument();
  });

  it("ages receivables and payables in bars labelled exactly, adding up to what is outstanding", async () => {
    backend(view());
    await show();
    const owed = await screen.findByTestId("dashboard-receivables");
    expect(within(owed).getByTestId("dashboard-receivables-total")).toHaveTextContent("Outstanding: NZD 1,734.56, of which past due NZD 734.56");
    const bars = within(owed).getAllByRole("link");
    expect(bars.map((b) => b.getAttribute("aria-label"))).toEqual([
      "Current: NZD 1,000.00, 1 document. List them.",
      "1-30 days: NZD 500.06, 2 documents. List them.",
      "31-60 days: NZD -65.50, 3 documents. List them.",
      "61-90 days: NZD 0.00, 4 documents. List them.",
      "Older: NZD 300.00, 5 documents. List them.",
    ]);
  });

  it("opens the aged list of a bar's bucket", async () => {
    backend(view());
    const user = userEvent.setup();
    const { router } = await show();
    await user.click(await screen.findByTestId("dashboard-receivables-31-60"));
    await waitFor(() => expect(router.state.location.pathname).toBe("/invoices-and-bills"));
    expect(router.state.location.search).toEqual({ side: "ACCREC", asAt: "2026-07-01", bucket: "31-60" });
    await user.click(screen.getByTestId("dashboard-payables-older"));
    await waitFor(() => expect(router.state.location.search).toEqual({ side: "ACCPAY", asAt: "2026-07-01", bucket: "older" }));
  });

  it("counts what came in since the last look, and the bills due this week", async () => {
    backend(view());
    await show();
    const since = await screen.findByTestId("dashboard-since");
    expect(within(since).getByTestId("since-invoices")).toHaveTextContent("3");
    expect(within(since).getByTestId("since-payments")).toHaveTextContent("2");
    expect(within(since).getByTestId("since-bills")).toHaveTextContent("1");
    expect(within(since).getByTestId("since-changed")).toHaveTextContent("17");
    expect(within(since).getByTestId("bills-due-soon")).toHaveTextContent("2 bills due by");
    expect(within(since).getByTestId("bills-due-soon")).toHaveTextContent("NZD 430.00");
  });

  it("says so on the first look", async () => {
    backend(view({}, { sinceLastLook: null, billsDueSoon: { from: "2026-07-01", to: "2026-07-08", count: 0, totals: [] } }));
    await show();
    const since = await screen.findByTestId("dashboard-since");
    expect(since).toHaveTextContent("This is your first look");
    expect(since).toHaveTextContent("None due from");
  });

  it("lists what needs attention: re-authorisation, a failed sync, a close due, anomalies", async () => {
    backend(view({ reauthorisationNeeded: true, lastSyncFailed: "Xero could not be reached.", anomalies: 2, closesDue: [{ title: "June 2026 close", due: "2026-06-30", overdue: true }] }));
    await show();
    const alerts = await screen.findByTestId("dashboard-alerts");
    const items = within(alerts).getAllByRole("listitem");
    expect(items.map((li) => li.textContent)).toEqual([
      "Xero refused this organisation's sign-in: re-authorise it in Settings to resume syncing.",
      "The last sync failed: Xero could not be reached.",
      `June 2026 close was due ${formatDate("2026-06-30")}: open the checklists.`,
      "2 things to check, listed below.",
    ]);
    expect(within(items[2] as HTMLElement).getByRole("link", { name: "open the checklists" })).toHaveAttribute("href", "/checklists");
  });

  it("says when nothing needs attention", async () => {
    backend(view());
    await show();
    expect(await screen.findByTestId("no-alerts")).toBeInTheDocument();
  });

  it("shows the figures per currency only when a document is in another currency, labelled as they are made", async () => {
    backend(view());
    await show();
    await screen.findByTestId("dashboard-banks");
    expect(screen.queryByTestId("dashboard-receivables-currencies")).toBeNull();
    backend(view({}, { receivables: [{ currencyCode: "AUD", due: "-5.00", dueCount: 2, overdue: "100", overdueCount: 1 }] }));
    await show();
    const table = (await screen.findAllByTestId("dashboard-receivables-currencies"))[0] as HTMLElement;
    expect(within(table).getByRole("columnheader", { name: "Outstanding, net of credits" })).toBeInTheDocument();
    expect(within(table).getByRole("columnheader", { name: "Invoices past due, before credits" })).toBeInTheDocument();
    expect(within(table).getByText("AUD").closest("tr")).toHaveTextContent("-5.00 (2)100.00 (1)");
  });

  it("opens a recently changed document", async () => {
    backend(view());
    const open = vi.fn();
    const user = userEvent.setup();
    await show({ onOpenRecord: open });
    await user.click(await screen.findByRole("button", { name: "Bill BILL-0042" }));
    expect(open).toHaveBeenCalledWith({ entity: "invoice", xeroId: "inv-9", label: "BILL-0042" });
  });

  it("shows the ledger's error", async () => {
    mockIPC((cmd) => {
      if (cmd === "dashboard_look") return { previousUtc: null, currentUtc: "2026-07-01T10:00:00Z" };
      throw { code: "invalid", message: "The date must be YYYY-MM-DD." };
    });
    await show();
    expect(await screen.findByRole("alert")).toHaveTextContent("The date must be YYYY-MM-DD.");
  });

  it("reads today's date on this computer's calendar", () => {
    expect(today(new Date(2026, 0, 5, 23, 59))).toBe("2026-01-05");
  });

  it("reads the figures again when a sync of the organisation ends, without a new look", async () => {
    let balance = "10.00";
    const calls: string[] = [];
    mockIPC(
      (cmd) => {
        calls.push(cmd);
        if (cmd === "dashboard_look") return { previousUtc: null, currentUtc: "2026-07-01T10:00:00Z" };
        if (cmd === "dashboard") {
          const v = view();
          return { ...v, banks: [{ ...v.banks[0], balance }] };
        }
        throw { code: "internal", message: `unexpected ${cmd}` };
      },
      { shouldMockEvents: true },
    );
    await show();
    expect(await screen.findByTestId("dashboard-banks")).toHaveTextContent("NZD 10.00");
    balance = "25.50";
    await emit("ledger-changed", { tenantId: "t-other" });
    await emit("ledger-changed", { tenantId: "t-1" });
    await waitFor(() => expect(screen.getByTestId("dashboard-banks")).toHaveTextContent("NZD 25.50"));
    expect(calls.filter((c) => c === "dashboard_look")).toHaveLength(1);
  });
});

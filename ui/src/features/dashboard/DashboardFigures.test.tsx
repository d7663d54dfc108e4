import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { screen, waitFor, within } from "@testing-library/react";
import { render } from "../../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { DashboardView } from "../../bindings";
import { DashboardFigures, today } from "./DashboardFigures";

const drill = { ledger: { account: "a-1", from: null, to: "2026-07-01", sign: null, negate: false } };

function view(over: Partial<DashboardView["alerts"]> = {}): DashboardView {
  return {
    asAt: "2026-07-01",
    baseCurrency: "NZD",
    cash: [
      { xeroId: "a-1", code: "090", name: "Business Cheque", accountType: "BANK", class: "asset", status: "ACTIVE", balance: "98765432109876.54", drill },
      { xeroId: "a-2", code: "091", name: "Savings", accountType: "BANK", class: "asset", status: "ACTIVE", balance: "-12.5", drill },
    ],
    receivables: [{ currencyCode: "NZD", due: "1500.10", dueCount: 3, overdue: "200", overdueCount: 1 }],
    payables: [],
    receivablesTotal: "1734.56",
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
    alerts: { reauthorisationNeeded: false, lastSyncFailed: null, anomalies: 0, ...over },
  } as DashboardView;
}

function backend(answer: DashboardView) {
  const requests: unknown[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "dashboard") {
      requests.push(args);
      return answer;
    }
    throw { code: "internal", message: `unexpected ${cmd}` };
  });
  return requests;
}

describe("the dashboard's figures", () => {
  it("asks for today's figures of the organisation and shows every amount exactly", async () => {
    const requests = backend(view());
    render(<DashboardFigures tenantId="t-1" />);
    const cash = await screen.findByTestId("dashboard-cash");
    expect(requests).toEqual([{ request: { tenantId: "t-1", asAt: today(), recentLimit: 10 } }]);
    expect(within(cash).getByText("Business Cheque").closest("tr")).toHaveTextContent("NZD 98,765,432,109,876.54");
    expect(within(cash).getByText("Savings").closest("tr")).toHaveTextContent("NZD -12.50");
    const owed = screen.getByTestId("dashboard-receivables");
    expect(within(owed).getByText("NZD").closest("tr")).toHaveTextContent("1,500.10 (3)200.00 (1)");
    // The one figure in the base currency, equal to the receivable account; none sent, none shown.
    expect(screen.getByTestId("dashboard-receivables-total")).toHaveTextContent("In all: NZD 1,734.56");
    expect(screen.getByTestId("dashboard-payables")).toHaveTextContent("Nothing outstanding.");
    expect(screen.queryByTestId("dashboard-payables-total")).toBeNull();
    expect(screen.getByTestId("no-alerts")).toBeInTheDocument();
  });

  it("lists the alerts: re-authorisation, a failed sync, anomalies", async () => {
    backend(view({ reauthorisationNeeded: true, lastSyncFailed: "Xero could not be reached.", anomalies: 2 }));
    render(<DashboardFigures tenantId="t-1" />);
    const alerts = await screen.findByTestId("dashboard-alerts");
    const items = within(alerts).getAllByRole("listitem").map((li) => li.textContent);
    expect(items).toEqual([
      "Xero refused this organisation's sign-in: re-authorise it in Settings to resume syncing.",
      "The last sync failed: Xero could not be reached.",
      "2 things to check, listed below.",
    ]);
  });

  it("opens a recently changed document in the Transactions drawer", async () => {
    backend(view());
    const open = vi.fn();
    const user = userEvent.setup();
    render(<DashboardFigures tenantId="t-1" onOpenRecord={open} />);
    await user.click(await screen.findByRole("button", { name: "Bill BILL-0042" }));
    expect(open).toHaveBeenCalledWith({ entity: "invoice", xeroId: "inv-9", label: "BILL-0042" });
  });

  it("shows the ledger's error", async () => {
    mockIPC(() => {
      throw { code: "invalid", message: "The date must be YYYY-MM-DD." };
    });
    render(<DashboardFigures tenantId="t-1" />);
    expect(await screen.findByRole("alert")).toHaveTextContent("The date must be YYYY-MM-DD.");
  });

  it("reads today's date on this computer's calendar", () => {
    expect(today(new Date(2026, 0, 5, 23, 59))).toBe("2026-01-05");
  });

  it("reads the figures again when a sync of the organisation ends", async () => {
    let balance = "10.00";
    mockIPC(
      (cmd) => {
        if (cmd === "dashboard") {
          const v = view();
          return { ...v, cash: [{ ...v.cash[0], balance }] };
        }
        throw { code: "internal", message: `unexpected ${cmd}` };
      },
      { shouldMockEvents: true },
    );
    render(<DashboardFigures tenantId="t-1" />);
    expect(await screen.findByTestId("dashboard-cash")).toHaveTextContent("NZD 10.00");
    balance = "25.50";
    await emit("ledger-changed", { tenantId: "t-other" });
    await emit("ledger-changed", { tenantId: "t-1" });
    await waitFor(() => expect(screen.getByTestId("dashboard-cash")).toHaveTextContent("NZD 25.50"));
  });
});

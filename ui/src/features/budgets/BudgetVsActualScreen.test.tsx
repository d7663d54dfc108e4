import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { BudgetCellView, BudgetVsActualRequest, BudgetVsActualView, LedgerOrganisation } from "../../bindings";
import { OrganisationProvider } from "../../app/organisation";
import { setFormatLocale } from "../../lib/format";
import { renderInRouter } from "../../test/render";
import { BudgetVsActualScreen, monthLabel } from "./BudgetVsActualScreen";

const ORG: LedgerOrganisation = {
  tenantId: "t-1",
  name: "Kōwhai Design",
  baseCurrency: "NZD",
  timezone: "NEWZEALANDSTANDARDTIME",
  ianaTimezone: "Pacific/Auckland",
  periodLockDate: null,
  lastSyncedUtc: "2026-11-26T09:00:00.000Z",
};

const cell = (budget: string, actual: string, variance: string, variancePercent: string | null, direction: BudgetCellView["direction"]): BudgetCellView => ({
  budget,
  actual,
  variance,
  variancePercent,
  direction,
});

function view(req: BudgetVsActualRequest): BudgetVsActualView {
  const tracking = req.budgetId === "b-track";
  return {
    budgets: [
      { budgetId: "b-all", budgetType: "OVERALL", description: "Overall Budget", fetchedAt: "2026-11-26T09:00:00Z" },
      { budgetId: "b-track", budgetType: "TRACKING", description: "North budget", fetchedAt: "2026-11-26T09:00:00Z" },
    ],
    budgetId: tracking ? "b-track" : "b-all",
    currency: "NZD",
    months: ["2026-01", "2026-02"],
    rows: [
      {
        account: "acc-sales",
        code: "200",
        name: "Sales",
        class: "revenue",
        months: [cell("1000.00", "98765432109876.54", "98765432108876.54", "9876543210887.7", "favourable"), cell("1000.00", "900.00", "-100.00", "-10.0", "unfavourable")],
        total: cell("2000.00", "98765432110776.54", "98765432108776.54", "4938271605438.8", "favourable"),
      },
      {
        account: "acc-rent",
        code: "469",
        name: "Rent",
        class: "expense",
        months: [cell("0.00", "50.00", "50.00", null, "unfavourable"), cell("500.00", "500.00", "0.00", "0.0", "even")],
        total: cell("500.00", "550.00", "50.00", "10.0", "unfavourable"),
      },
    ],
  };
}

describe("the budget vs actual screen", () => {
  it("shows each account's exact budget, actual and variance per month, split into income and expenses, and switches budget", async () => {
    setFormatLocale("en-NZ");
    const asked: BudgetVsActualRequest[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "organisations") return [ORG];
      if (cmd === "budget_vs_actual") {
        const req = (args as { request: BudgetVsActualRequest }).request;
        asked.push(req);
        return view(req);
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    await renderInRouter(
      <OrganisationProvider>
        <BudgetVsActualScreen />
      </OrganisationProvider>,
      "/?from=2026-01&to=2026-02",
    );
    const income = await screen.findByTestId("budget-income");
    const sales = within(income).getAllByTestId("budget-row");
    expect(sales).toHaveLength(1);
    expect(sales[0]).toHaveTextContent("Sales");
    expect(sales[0]).toHaveTextContent("98,765,432,109,876.54");
    expect(within(income).getByText(monthLabel("2026-01"))).toBeInTheDocument();
    const expenses = screen.getByTestId("budget-expenses");
    const rent = within(expenses).getAllByTestId("budget-row");
    expect(rent).toHaveLength(1);
    // A zero budget shows no percentage; an even month reads as neither.
    const marks = Array.from(within(expenses).getByText("Rent").closest("tr")?.querySelectorAll("[data-direction]") ?? []).map((e) => [e.getAttribute("data-direction"), e.textContent]);
    expect(marks).toEqual([
      ["unfavourable", "50.00"],
      ["even", "0.00 (0.0%)"],
      ["unfavourable", "50.00 (10.0%)"],
    ]);
    expect(asked[0]).toEqual({ tenantId: "t-1", from: "2026-01", to: "2026-02", budgetId: null });

    await user.selectOptions(screen.getByLabelText("Budget"), "b-track");
    await waitFor(() => expect(asked.at(-1)).toEqual({ tenantId: "t-1", from: "2026-01", to: "2026-02", budgetId: "b-track" }));
  });

  it("says when the ledger keeps no budget", async () => {
    mockIPC((cmd) => {
      if (cmd === "organisations") return [ORG];
      if (cmd === "budget_vs_actual") return { budgets: [], budgetId: null, currency: "NZD", months: ["2026-01"], rows: [] } satisfies BudgetVsActualView;
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    await renderInRouter(
      <OrganisationProvider>
        <BudgetVsActualScreen />
      </OrganisationProvider>,
      "/?from=2026-01&to=2026-01",
    );
    expect(await screen.findByText("No budget in the ledger")).toBeInTheDocument();
  });
});

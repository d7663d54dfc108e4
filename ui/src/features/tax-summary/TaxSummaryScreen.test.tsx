import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { LedgerOrganisation, TaxSummaryRequest, TaxSummaryView } from "../../bindings";
import { OrganisationProvider } from "../../app/organisation";
import { setFormatLocale } from "../../lib/format";
import { renderInRouter } from "../../test/render";
import { TaxSummaryScreen } from "./TaxSummaryScreen";

const ORG: LedgerOrganisation = {
  tenantId: "t-1",
  name: "Kōwhai Design",
  baseCurrency: "NZD",
  timezone: "NEWZEALANDSTANDARDTIME",
  ianaTimezone: "Pacific/Auckland",
  periodLockDate: null,
  lastSyncedUtc: "2026-11-26T09:00:00.000Z",
};

const nt = (net: string, tax: string) => ({ net, tax });

function summary(req: TaxSummaryRequest): TaxSummaryView {
  return {
    from: req.from,
    to: req.to,
    currency: "NZD",
    rates: [
      { taxType: "OUTPUT2", name: "15% GST on Income", rate: "15.0000", sales: nt("98765432109876.54", "14814814816481.48"), purchases: nt("0.00", "0.00"), lines: 3 },
      { taxType: "INPUT2", name: "15% GST on Expenses", rate: "15.0000", sales: nt("0.00", "0.00"), purchases: nt("200.00", "30.00"), lines: 1 },
    ],
    sales: nt("98765432109876.54", "14814814816481.48"),
    purchases: nt("200.00", "30.00"),
    netTax: "14814814816451.48",
    skipped: [{ entity: "invoice", xeroId: "inv-9", reason: "A line marked as no tax carries a tax amount." }],
    form: {
      name: "GST return (GST101A)",
      notes: ["Check the return in Xero before you file it."],
      boxes: [
        { label: "5", title: "Total sales and income, including GST and zero-rated supplies", amount: "113580246926358.02", rates: ["15% GST on Income"], onLines: null },
        { label: "8", title: "Box 7 × 3 ÷ 23", amount: "14814814816481.48", rates: [], onLines: "14814814816481.47" },
        { label: "9", title: "Adjustments from your calculation sheet", amount: null, rates: [], onLines: null },
      ],
      chargedSales: "14814814816481.47",
      chargedPurchases: "30.00",
      unplaced: [{ taxType: "GSTONIMPORTS", name: "GST on Imports", side: "purchases", net: "90.00", tax: "0.00", reason: "Enter it as the form's guide says." }],
    },
  };
}

describe("the tax summary screen", () => {
  it("shows each rate's exact sums, the net tax, and the lines left out, for the period in the URL", async () => {
    setFormatLocale("en-NZ");
    const asked: TaxSummaryRequest[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "organisations") return [ORG];
      if (cmd === "list_tax_returns") return [];
      if (cmd === "tax_summary") {
        const req = (args as { request: TaxSummaryRequest }).request;
        asked.push(req);
        return summary(req);
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const open = vi.fn();
    const user = userEvent.setup();
    await renderInRouter(
      <OrganisationProvider>
        <TaxSummaryScreen onOpenRecord={open} />
      </OrganisationProvider>,
      "/?from=2026-01-01&to=2026-03-31",
    );
    const table = await screen.findByTestId("tax-table");
    const rows = within(table).getAllByTestId("tax-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("15% GST on Income");
    expect(rows[0]).toHaveTextContent("98,765,432,109,876.54");
    expect(rows[1]).toHaveTextContent("30.00");
    expect(screen.getByTestId("tax-net")).toHaveTextContent("14,814,814,816,451.48");
    expect(asked[0]).toEqual({ tenantId: "t-1", from: "2026-01-01", to: "2026-03-31" });
    await user.click(within(screen.getByTestId("tax-skipped")).getByRole("button", { name: "inv-9" }));
    expect(open).toHaveBeenCalledWith({ entity: "invoice", xeroId: "inv-9", label: "inv-9" });
    await waitFor(() => expect(asked).toHaveLength(1));
    // The same figures laid out as the GST101A, box by box.
    const boxes = within(screen.getByTestId("tax-form")).getAllByTestId("tax-form-box");
    expect(boxes.map((b) => b.getAttribute("data-box"))).toEqual(["5", "8", "9"]);
    expect(boxes[0]).toHaveTextContent("113,580,246,926,358.02");
    expect(boxes[0]).toHaveTextContent("15% GST on Income");
    expect(boxes[1]).toHaveTextContent("14,814,814,816,481.48 · on the lines 14,814,814,816,481.47");
    expect(boxes[2]).toHaveTextContent("Yours to add");
    expect(screen.getByTestId("tax-form-unplaced")).toHaveTextContent("GST on Imports (purchases: net 90.00, tax 0.00). Enter it as the form's guide says.");
    expect(screen.getByTestId("tax-form")).toHaveTextContent("Check the return in Xero before you file it.");
    // No published return of Xero's is kept: nothing is offered.
    expect(screen.queryByTestId("published-return")).toBeNull();
  });
});

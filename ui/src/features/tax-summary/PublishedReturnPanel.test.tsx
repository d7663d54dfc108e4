import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type {
  LedgerOrganisation,
  PublishedTaxReturnView,
  TaxReturnComparisonRequest,
  TaxReturnComparisonView,
  TaxSummaryRequest,
  TaxSummaryView,
} from "../../bindings";
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

const RETURNS: PublishedTaxReturnView[] = [
  { reportId: "r-q2", name: "GST Return", reportType: "GSTReturn", from: "2026-04-01", to: "2026-06-30", fetchedUtc: "2026-07-01T00:00:00Z" },
  { reportId: "r-q1", name: "GST Return", reportType: "GSTReturn", from: "2026-01-01", to: "2026-03-31", fetchedUtc: "2026-07-01T00:00:00Z" },
];

function summary(req: TaxSummaryRequest): TaxSummaryView {
  return { from: req.from, to: req.to, currency: "NZD", rates: [], sales: nt("0", "0"), purchases: nt("0", "0"), netTax: "0", skipped: [], form: null };
}

function comparison(req: TaxReturnComparisonRequest): TaxReturnComparisonView {
  const taxReturn = RETURNS.find((r) => r.reportId === req.reportId);
  if (!taxReturn) throw { code: "invalid", message: "no such return" };
  const same = req.reportId === "r-q2";
  const salesTax = same ? "14814814816481.48" : "150.01";
  return {
    taxReturn,
    currency: "NZD",
    rates: [
      {
        taxType: "OUTPUT2",
        name: "GST on Income",
        sales: nt("98765432109876.54", same ? salesTax : "150.00"),
        purchases: nt("0.00", "0.00"),
        publishedSales: nt("98765432109876.54", salesTax),
        publishedPurchases: nt("0.00", "0.00"),
        salesDifference: nt("0.00", same ? "0.00" : "-0.01"),
        purchasesDifference: nt("0.00", "0.00"),
        matches: same,
      },
    ],
    outside: ["NONE"],
    sales: nt("98765432109876.54", same ? salesTax : "150.00"),
    purchases: nt("0.00", "0.00"),
    publishedSales: nt("98765432109876.54", salesTax),
    publishedPurchases: nt("0.00", "0.00"),
    netTax: same ? salesTax : "150.00",
    publishedNetTax: salesTax,
    differences: same ? [] : [{ taxType: "OUTPUT2", figure: "salesTax", local: "150.00", published: "150.01", difference: "-0.01" }],
    matches: same,
    skippedLines: 0,
    form: {
      name: "GST return (GST101A)",
      matches: same,
      boxes: [
        { label: "5", title: "Total sales and income", local: same ? "1150.00" : "1150.00", published: same ? "1150.00" : "1150.01", difference: same ? null : "-0.01" },
        { label: "9", title: "Adjustments from your calculation sheet", local: null, published: null, difference: null },
      ],
    },
  };
}

describe("Xero's published return on the tax summary screen", () => {
  it("sets the period's return beside the ledger with a check when it matches, and names a difference of a cent", async () => {
    setFormatLocale("en-NZ");
    const summaries: TaxSummaryRequest[] = [];
    const compared: TaxReturnComparisonRequest[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "organisations") return [ORG];
      if (cmd === "list_tax_returns") return RETURNS;
      if (cmd === "tax_summary") {
        const req = (args as { request: TaxSummaryRequest }).request;
        summaries.push(req);
        return summary(req);
      }
      if (cmd === "compare_tax_return") {
        const req = (args as { request: TaxReturnComparisonRequest }).request;
        compared.push(req);
        return comparison(req);
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    await renderInRouter(
      <OrganisationProvider>
        <TaxSummaryScreen onOpenRecord={vi.fn()} />
      </OrganisationProvider>,
      "/?from=2026-04-01&to=2026-06-30",
    );
    const verdict = await screen.findByTestId("return-verdict");
    expect(verdict).toHaveTextContent("matches Xero's GST Return to the cent");
    expect(within(verdict).getByTestId("return-mark")).toHaveAttribute("data-matches", "true");
    const row = within(screen.getByTestId("return-table")).getByTestId("return-row");
    expect(row).toHaveTextContent("98,765,432,109,876.54");
    expect(row).toHaveTextContent("Xero 14,814,814,816,481.48");
    expect(within(row).getByTestId("return-mark")).toHaveAttribute("data-matches", "true");
    expect(compared).toEqual([{ tenantId: "t-1", reportId: "r-q2" }]);
    expect(screen.queryByTestId("return-differences")).toBeNull();
    const form = screen.getByTestId("return-form");
    expect(form).toHaveTextContent("GST return (GST101A), box by box: every box matches Xero's");
    expect(within(form).getAllByTestId("return-form-box").map((r) => r.getAttribute("data-matches"))).toEqual(["true", "true"]);

    // Picking the earlier return shows its period and its difference.
    await user.selectOptions(screen.getByRole("combobox", { name: "Xero's published return" }), "r-q1");
    await waitFor(() => expect(screen.getByTestId("return-verdict")).toHaveTextContent("differs from Xero's GST Return in 1 figure"));
    expect(summaries[summaries.length - 1]).toEqual({ tenantId: "t-1", from: "2026-01-01", to: "2026-03-31" });
    expect(compared[compared.length - 1]).toEqual({ tenantId: "t-1", reportId: "r-q1" });
    expect(screen.getByTestId("return-differences")).toHaveTextContent(/GST on Income: tax on sales — ledger 150\.00, Xero 150\.01, difference \D0\.01/);
    expect(within(screen.getByTestId("return-verdict")).getByTestId("return-mark")).toHaveAttribute("data-matches", "false");
    const box5 = within(screen.getByTestId("return-form")).getAllByTestId("return-form-box")[0];
    expect(box5).toHaveAttribute("data-matches", "false");
    expect(box5).toHaveTextContent(/1,150\.00.*1,150\.01.*\D0\.01/);
    expect(screen.getByTestId("return-form")).toHaveTextContent("some boxes differ from Xero's");
  });

  it("offers the returns to pick when none is for the period shown", async () => {
    mockIPC((cmd, args) => {
      if (cmd === "organisations") return [ORG];
      if (cmd === "list_tax_returns") return RETURNS;
      if (cmd === "tax_summary") return summary((args as { request: TaxSummaryRequest }).request);
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    await renderInRouter(
      <OrganisationProvider>
        <TaxSummaryScreen onOpenRecord={vi.fn()} />
      </OrganisationProvider>,
      "/?from=2026-02-01&to=2026-02-28",
    );
    const picker = await screen.findByRole("combobox", { name: "Xero's published return" });
    expect(within(picker).getAllByRole("option")).toHaveLength(3);
    expect(screen.queryByTestId("return-verdict")).toBeNull();
  });
});

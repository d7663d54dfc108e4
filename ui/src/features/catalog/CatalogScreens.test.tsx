import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ItemListView, LedgerOrganisation, ListItemsRequest, TaxRateView } from "../../bindings";
import { renderApp } from "../../test/render";
import { formatRate } from "./TaxRatesScreen";

const ORG: LedgerOrganisation = {
  tenantId: "t-1",
  name: "Kōwhai Design",
  baseCurrency: "NZD",
  timezone: "NEWZEALANDSTANDARDTIME",
  ianaTimezone: "Pacific/Auckland",
  periodLockDate: null,
  lastSyncedUtc: "2026-11-26T09:00:00.000Z",
};

const ITEMS: ItemListView = {
  items: [
    { xeroId: "i-1", code: "GAD", name: "Gadget", description: "A gadget", isSold: true, isPurchased: false, quantityOnHand: null, salesUnitPrice: "98765432109876.54", purchaseUnitPrice: null },
    { xeroId: "i-2", code: "WID", name: "Widget", description: null, isSold: false, isPurchased: true, quantityOnHand: "3.5", salesUnitPrice: null, purchaseUnitPrice: "12.3456" },
  ],
  truncated: false,
};

const RATES: TaxRateView[] = [
  { taxType: "OUTPUT2", name: "GST on Income", status: "ACTIVE", reportTaxType: "OUTPUT", effectiveRate: "15.0000", displayTaxRate: "15.0000" },
  { taxType: "NONE", name: "No GST", status: "ACTIVE", reportTaxType: "NONE", effectiveRate: "0", displayTaxRate: "0" },
];

function backend(orgs: LedgerOrganisation[] = [ORG]) {
  const itemRequests: ListItemsRequest[] = [];
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "organisations":
        return orgs;
      case "list_items": {
        const req = a.request as ListItemsRequest;
        itemRequests.push(req);
        return req.text ? { items: ITEMS.items.filter((i) => i.name?.toLowerCase().includes(req.text?.toLowerCase() ?? "")), truncated: false } : ITEMS;
      }
      case "list_tax_rates":
        return RATES;
      default:
        throw { code: "internal", message: `unexpected ${cmd}` };
    }
  });
  return itemRequests;
}

describe("the items and tax rates lists", () => {
  it("lists the items with exact prices, and searches them", async () => {
    const user = userEvent.setup();
    const requests = backend();
    renderApp("/items");
    const rows = await screen.findAllByTestId("item-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("98,765,432,109,876.54");
    expect(within(rows[1] as HTMLElement).getByText("12.3456")).toBeInTheDocument();
    expect(requests[0]).toEqual({ tenantId: "t-1", text: null });
    await user.type(screen.getByTestId("items-search"), "widg");
    await waitFor(() => expect(screen.getAllByTestId("item-row")).toHaveLength(1));
    expect(requests.at(-1)).toEqual({ tenantId: "t-1", text: "widg" });
    expect(screen.getByTestId("item-row")).toHaveTextContent("WID");
  });

  it("lists the tax rates with their codes and rates", async () => {
    backend();
    renderApp("/tax-rates");
    const rows = await screen.findAllByTestId("tax-rate-row");
    expect(rows.map((r) => r.textContent)).toEqual(["GST on IncomeOUTPUT215%OUTPUTACTIVE", "No GSTNONE0%NONEACTIVE"]);
  });

  it("says what will appear before an organisation has synced", async () => {
    backend([]);
    renderApp("/tax-rates");
    expect(await screen.findByText("No tax rates yet")).toBeInTheDocument();
  });

  it("shows a rate as a percentage without Xero's trailing zeros", () => {
    expect(formatRate("15.0000")).toBe("15%");
    expect(formatRate("12.5000")).toBe("12.5%");
    expect(formatRate("0")).toBe("0%");
    expect(formatRate(null)).toBe("—");
  });
});

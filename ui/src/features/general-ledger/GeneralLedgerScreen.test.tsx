import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { AccountView, GeneralLedgerPageView, GeneralLedgerRequest, GeneralLedgerRowView, LedgerOrganisation } from "../../bindings";
import { OrganisationProvider } from "../../app/organisation";
import { setFormatLocale } from "../../lib/format";
import { renderApp, renderInRouter } from "../../test/render";
import { GeneralLedgerScreen } from "./GeneralLedgerScreen";

const ORG: LedgerOrganisation = {
  tenantId: "t-1",
  name: "Kōwhai Design",
  baseCurrency: "NZD",
  timezone: "NEWZEALANDSTANDARDTIME",
  ianaTimezone: "Pacific/Auckland",
  periodLockDate: null,
  lastSyncedUtc: "2026-11-26T09:00:00.000Z",
};

const account = (xeroId: string, code: string, name: string): AccountView => ({
  xeroId,
  code,
  name,
  accountType: "BANK",
  class: "asset",
  status: "ACTIVE",
  balance: "0.00",
  drill: { ledger: { account: xeroId, from: null, to: "2026-03-31", sign: null, negate: false } },
});

const row = (n: number, debit: string | null, credit: string | null, balance: string): GeneralLedgerRowView => ({
  date: `2026-02-0${n}`,
  sourceType: n === 3 ? "PAYRUN" : "ACCREC",
  entity: n === 3 ? null : "invoice",
  xeroId: `inv-${n}`,
  reference: `INV-${n}`,
  description: `Line ${n}`,
  debit,
  credit,
  balance,
  yearStart: false,
  currencyCode: null,
  foreignAmount: null,
});

function page(req: GeneralLedgerRequest): GeneralLedgerPageView {
  const base = {
    account: req.account,
    code: "090",
    name: "Business Bank",
    accountType: "BANK",
    currency: "NZD",
    openingBalance: "98765432109876.54",
    balanceNegated: false,
  };
  if (req.after === "next") return { ...base, rows: [row(3, null, "0.54", "98765432109886.00")], nextCursor: null, closingBalance: "98765432109886.00" };
  return { ...base, rows: [row(1, "10.00", null, "98765432109886.54"), row(2, "0.00", null, "98765432109886.54")], nextCursor: "next", closingBalance: null };
}

function backend() {
  const asked: GeneralLedgerRequest[] = [];
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "organisations":
        return [ORG];
      case "list_accounts":
        return [account("acc-bank", "090", "Business Bank"), account("acc-sav", "091", "Savings")];
      case "general_ledger": {
        const req = a.request as GeneralLedgerRequest;
        asked.push(req);
        return page(req);
      }
      default:
        throw { code: "internal", message: `unexpected ${cmd}` };
    }
  });
  return { asked };
}

/** The `i`th element, or the test fails. */
function nth(els: HTMLElement[], i: number): HTMLElement {
  const el = els[i];
  if (!el) throw new Error(`no element ${i}`);
  return el;
}

const renderScreen = (onOpenRecord = vi.fn(), path = "/") =>
  renderInRouter(
    <OrganisationProvider>
      <GeneralLedgerScreen onOpenRecord={onOpenRecord} />
    </OrganisationProvider>,
    path,
  );

describe("the general ledger screen", () => {
  it("lists an account's lines with the running balance, page by page, and opens a line's document", async () => {
    setFormatLocale("en-NZ");
    const { asked } = backend();
    const open = vi.fn();
    const user = userEvent.setup();
    await renderScreen(open, "/?account=acc-bank&from=2026-01-01&to=2026-03-31");
    expect(await screen.findByTestId("gl-opening")).toHaveTextContent("98,765,432,109,876.54");
    const table = screen.getByTestId("gl-table");
    await waitFor(() => expect(within(table).getAllByTestId("gl-row")).toHaveLength(2));
    expect(asked[0]).toMatchObject({ tenantId: "t-1", account: "acc-bank", from: "2026-01-01", to: "2026-03-31", after: null });
    const first = nth(within(table).getAllByTestId("gl-row"), 0);
    expect(first).toHaveTextContent("INV-1");
    expect(first).toHaveTextContent("10.00");
    expect(within(first).getByTestId("gl-balance")).toHaveTextContent("98,765,432,109,886.54");
    expect(screen.queryByTestId("gl-closing")).toBeNull();

    await user.click(screen.getByRole("button", { name: "More" }));
    await waitFor(() => expect(within(table).getAllByTestId("gl-row")).toHaveLength(3));
    expect(asked[1]?.after).toBe("next");
    expect(screen.getByTestId("gl-closing")).toHaveTextContent("98,765,432,109,886.00");
    // A line kept from Xero's reports (a pay run) names no document to open.
    expect(within(nth(within(table).getAllByTestId("gl-row"), 2)).queryByTestId("gl-open")).toBeNull();

    await user.click(within(first).getByTestId("gl-open"));
    expect(open).toHaveBeenCalledWith({ entity: "invoice", xeroId: "inv-1", label: "INV-1" });
  });

  it("asks for nothing until an account is picked, then for that account", async () => {
    const { asked } = backend();
    const user = userEvent.setup();
    await renderScreen(vi.fn(), "/?from=2026-01-01&to=2026-03-31");
    expect(await screen.findByText("Choose an account to list its lines.")).toBeInTheDocument();
    const picker = screen.getByTestId("gl-account");
    await waitFor(() => expect(within(picker).getAllByRole("option")).toHaveLength(3));
    expect(asked).toHaveLength(0);
    await user.selectOptions(picker, "acc-sav");
    await waitFor(() => expect(asked[0]?.account).toBe("acc-sav"));
    expect(await screen.findByTestId("gl-opening")).toBeInTheDocument();
  });

  it("shows a refusal through the error notice", async () => {
    mockIPC((cmd) => {
      if (cmd === "organisations") return [ORG];
      if (cmd === "list_accounts") return [account("acc-bank", "090", "Business Bank")];
      throw { code: "invalid", message: "The start date is after the end date." };
    });
    await renderScreen(vi.fn(), "/?account=acc-bank&from=2026-04-01&to=2026-03-31");
    expect(await screen.findByText("The start date is after the end date.")).toBeInTheDocument();
  });

  it("is a screen of the app, and a line opens its document's own page", async () => {
    mockIPC((cmd, args) => {
      const a = args as Record<string, unknown> | undefined;
      if (cmd === "organisations") return [ORG];
      if (cmd === "list_accounts") return [account("acc-bank", "090", "Business Bank")];
      if (cmd === "general_ledger") return page(a?.request as GeneralLedgerRequest);
      return null;
    });
    const user = userEvent.setup();
    const { router } = renderApp("/general-ledger?account=acc-bank&from=2026-01-01&to=2026-03-31");
    expect(await screen.findByRole("heading", { level: 1, name: "General ledger" }, { timeout: 5000 })).toBeInTheDocument();
    const rows = await screen.findAllByTestId("gl-row", {}, { timeout: 5000 });
    await user.click(within(nth(rows, 1)).getByTestId("gl-open"));
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/invoice/inv-2"));
  });
});

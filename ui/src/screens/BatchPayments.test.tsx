import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AccountView, DocumentKindInfo, DocumentRowView, LedgerOrganisation, ListDocumentsRequest, RecordDetailView } from "../bindings";
import { DOCUMENT_KINDS, isRecordEntity } from "../app/records";
import { renderApp } from "../test/render";

const ORG: LedgerOrganisation = {
  tenantId: "t-1",
  name: "Kōwhai Plumbing Ltd",
  baseCurrency: "NZD",
  timezone: "NEWZEALANDSTANDARDTIME",
  ianaTimezone: "Pacific/Auckland",
  periodLockDate: null,
  lastSyncedUtc: "2026-11-26T09:00:00.000Z",
};

function batch(i: number, account: string): DocumentRowView {
  return {
    xeroId: `bp-${i}`,
    docType: "PAYBATCH",
    number: null,
    reference: `Batch 00${i}`,
    contactId: null,
    contactName: null,
    date: "2026-11-0" + String(i),
    status: "AUTHORISED",
    currencyCode: "NZD",
    total: "200.55",
    currencyRate: null,
    baseCurrency: "NZD",
    baseTotal: null,
    account,
    accountName: account === "acc-090" ? "Business Bank Account" : "Savings",
    toAccount: null,
    toAccountName: null,
    updatedUtc: "2026-11-02T00:00:00.000Z",
  };
}

const ACCOUNTS = [
  { xeroId: "acc-090", code: "090", name: "Business Bank Account", accountType: "BANK" },
  { xeroId: "acc-091", code: "091", name: "Savings", accountType: "BANK" },
  { xeroId: "acc-200", code: "200", name: "Sales", accountType: "REVENUE" },
] as unknown as AccountView[];

const INFO: DocumentKindInfo[] = DOCUMENT_KINDS.map((kind) => ({
  kind,
  entity: kind === "batchPayments" ? "batchPayment" : "invoice",
  label: kind,
  statuses: kind === "batchPayments" ? ["AUTHORISED", "DELETED"] : ["AUTHORISED"],
  docTypes: kind === "batchPayments" ? ["PAYBATCH", "RECBATCH"] : ["A"],
  hasContact: kind !== "batchPayments",
  hasNumber: true,
}));

function batchPage(id: string): RecordDetailView {
  return {
    entity: "batchPayment",
    xeroId: id,
    title: "Batch payment Batch 001",
    status: "AUTHORISED",
    currencyCode: "NZD",
    header: [
      { label: "Type", value: { kind: "text", text: "Bills paid together (PAYBATCH)" } },
      { label: "Bank account", value: { kind: "text", text: "090 Business Bank Account" } },
      { label: "Total", value: { kind: "money", amount: "200.55", currency: "NZD" } },
    ],
    lines: [
      { description: "Payment on BILL-00012, Müller & Söhne GmbH", quantity: null, unitAmount: null, itemCode: null, accountCode: "090", accountName: "Business Bank Account", taxType: null, taxName: null, taxAmount: null, tracking: [], lineAmount: "120.05" },
      { description: "Payment on BILL-00015, Ōtaki Supplies Ltd", quantity: null, unitAmount: null, itemCode: null, accountCode: "090", accountName: "Business Bank Account", taxType: null, taxName: null, taxAmount: null, tracking: [], lineAmount: "80.50" },
    ],
    links: [
      { relation: "Payment in this batch", entity: "payment", xeroId: "pay-1", label: "Payment Payment BILL-00012", amount: "120.05", currencyCode: "NZD", date: "2026-11-01", held: true },
      { relation: "Payment in this batch", entity: "payment", xeroId: "pay-2", label: "Payment Payment BILL-00015", amount: "80.50", currencyCode: "NZD", date: "2026-11-01", held: true },
    ],
    attachments: [],
    history: [],
    openInXeroUrl: null,
  };
}

function paymentPage(id: string): RecordDetailView {
  return {
    ...batchPage("bp-1"),
    entity: "payment",
    xeroId: id,
    title: "Payment Payment BILL-00012",
    lines: [],
    links: [{ relation: "Made in batch", entity: "batchPayment", xeroId: "bp-1", label: "Batch payment Batch 001", amount: "200.55", currencyCode: "NZD", date: "2026-11-01", held: true }],
  };
}

function backend() {
  const lists: ListDocumentsRequest[] = [];
  const details: Record<string, unknown>[] = [];
  mockIPC((cmd, args) => {
    const request = (args as { request?: Record<string, unknown> } | undefined)?.request;
    switch (cmd) {
      case "organisations":
        return [ORG];
      case "document_kinds":
        return INFO;
      case "list_accounts":
        return ACCOUNTS;
      case "list_documents": {
        const req = request as unknown as ListDocumentsRequest;
        lists.push(req);
        const rows = [batch(1, "acc-090"), batch(2, "acc-091")].filter((r) => !req.filter.account || r.account === req.filter.account);
        return { rows, nextCursor: null };
      }
      case "document_totals":
        return [{ currencyCode: "NZD", count: 2, total: "401.10" }];
      case "saved_views":
        return [];
      case "record_detail":
        details.push(request ?? {});
        return request?.entity === "batchPayment" ? batchPage(String(request.xeroId)) : paymentPage(String(request?.xeroId));
      case "list_payments":
      case "payment_accounts":
        return [];
      default:
        throw { code: "internal", message: `unexpected ${cmd}` };
    }
  });
  return { lists, details };
}

const headers = () => screen.getAllByRole("columnheader").map((h) => h.textContent);

describe("batch payments", () => {
  beforeEach(() => {
    vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(600);
    vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(1000);
  });

  it("are a kind of the explorer and a record with a page of its own", () => {
    expect(DOCUMENT_KINDS).toContain("batchPayments");
    expect(isRecordEntity("batchPayment")).toBe(true);
  });

  it("are listed with their bank account, filtered by it, and open as their own page", async () => {
    const user = userEvent.setup();
    const { lists } = backend();
    const { router } = renderApp("/transactions?kind=batchPayments");
    expect(await screen.findByText("Batch 001")).toBeInTheDocument();
    expect(lists.at(-1)?.filter).toMatchObject({ kind: "batchPayments", tenantId: "t-1", account: null });
    expect(headers()).toEqual(["Date", "Type", "Reference", "Bank account", "Status", "Total", "In base currency"]);
    expect(within(screen.getByTestId("filter-kind")).getByRole("option", { name: "Batch payments" })).toBeInTheDocument();
    // Its own types; no contact and no tracking to filter by.
    const type = await screen.findByTestId("filter-type");
    expect(within(type).getAllByRole("option").map((o) => o.textContent)).toEqual(["Any type", "PAYBATCH", "RECBATCH"]);
    expect(screen.queryByTestId("filter-tracking")).toBeNull();
    // The bank accounts of the chart, and only those.
    const picker = screen.getByTestId("filter-account");
    await waitFor(() => expect(within(picker).getAllByRole("option").map((o) => o.textContent)).toEqual(["Any bank account", "090 Business Bank Account", "091 Savings"]));
    await user.selectOptions(picker, "acc-091");
    await waitFor(() => expect(lists.at(-1)?.filter).toMatchObject({ kind: "batchPayments", account: "acc-091" }));
    await waitFor(() => expect(router.state.location.search).toMatchObject({ kind: "batchPayments", account: "acc-091" }));
    await waitFor(() => expect(screen.queryByText("Batch 001")).toBeNull());
    await user.click(screen.getAllByTestId("grid-row")[0] as HTMLElement);
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/batchPayment/bp-2"));
  });

  it("show their payments as lines and link to each, and a payment links back to its batch", async () => {
    const user = userEvent.setup();
    const { details } = backend();
    const { router } = renderApp("/records/batchPayment/bp-1");
    expect(await screen.findByRole("heading", { level: 1, name: "Batch payment Batch 001" }, { timeout: 5000 })).toBeInTheDocument();
    await waitFor(() => expect(details).toContainEqual({ entity: "batchPayment", tenantId: "t-1", xeroId: "bp-1" }));
    const lines = screen.getAllByTestId("record-line");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toHaveTextContent("BILL-00012");
    expect(lines[1]).toHaveTextContent("80.50");
    expect(screen.getAllByTestId("record-link")).toHaveLength(2);
    await user.click(screen.getByRole("link", { name: "Payment Payment BILL-00012" }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/payment/pay-1"));
    await user.click(await screen.findByRole("link", { name: "Batch payment Batch 001" }, { timeout: 5000 }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/batchPayment/bp-1"));
  });
});

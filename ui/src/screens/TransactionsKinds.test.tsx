import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { DocumentHitView, DocumentKindDto, DocumentKindInfo, DocumentRowView, LedgerOrganisation, ListDocumentsRequest, SearchDocumentsRequest } from "../bindings";
import { DOCUMENT_KINDS, validateTransactionsSearch } from "../app/records";
import { renderApp } from "../test/render";

const ORG: LedgerOrganisation = {
  tenantId: "t-1",
  name: "Kōwhai Design",
  baseCurrency: "NZD",
  timezone: "NEWZEALANDSTANDARDTIME",
  ianaTimezone: "Pacific/Auckland",
  periodLockDate: null,
  lastSyncedUtc: "2026-11-26T09:00:00.000Z",
};

function doc(kind: DocumentKindDto, i: number): DocumentRowView {
  const transfer = kind === "bankTransfers";
  return {
    xeroId: `${kind}-${i}`,
    docType: transfer ? null : `TYPE-${kind}`,
    number: transfer ? null : `N-${kind}-${i}`,
    reference: `REF-${i}`,
    contactId: transfer ? null : "c-1",
    contactName: transfer ? null : "Café Ōtautahi",
    date: "2026-11-01",
    status: "AUTHORISED",
    currencyCode: "NZD",
    total: "12.34",
    currencyRate: null,
    baseCurrency: "NZD",
    baseTotal: null,
    account: transfer ? "acc-from" : null,
    accountName: transfer ? "Business Cheque" : null,
    toAccount: transfer ? "acc-to" : null,
    toAccountName: transfer ? "Savings" : null,
    updatedUtc: "2026-11-01T00:00:00.000Z",
  };
}

const INFO: DocumentKindInfo[] = DOCUMENT_KINDS.map((kind) => ({
  kind,
  entity: "invoice",
  label: kind,
  statuses: kind === "quotes" ? ["DRAFT", "SENT", "ACCEPTED"] : ["DRAFT", "AUTHORISED", "PAID"],
  docTypes: kind === "creditNotes" ? ["ACCRECCREDIT", "ACCPAYCREDIT"] : kind === "bankTransfers" ? [] : ["A", "B"],
  hasContact: kind !== "bankTransfers" && kind !== "manualJournals",
  hasNumber: true,
}));

function backend() {
  const lists: ListDocumentsRequest[] = [];
  const searches: SearchDocumentsRequest[] = [];
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "organisations":
        return [ORG];
      case "document_kinds":
        return INFO;
      case "list_documents": {
        const req = a.request as ListDocumentsRequest;
        lists.push(req);
        const kind = req.filter.kind ?? "bankTransactions";
        return { rows: [doc(kind, 1), doc(kind, 2)], nextCursor: null };
      }
      case "document_totals":
        return [{ currencyCode: "NZD", count: 2, total: "24.68" }];
      case "search_documents": {
        const req = a.request as SearchDocumentsRequest;
        searches.push(req);
        const hits: DocumentHitView[] = [
          { kind: "quotes", entity: "quote", row: doc("quotes", 7) },
          { kind: "invoices", entity: "invoice", row: doc("invoices", 8) },
        ];
        return hits;
      }
      case "saved_views":
        return [];
      default:
        throw { code: "internal", message: `unexpected ${cmd}` };
    }
  });
  return { lists, searches };
}

const headers = () => screen.getAllByRole("columnheader").map((h) => h.textContent);

describe("the explorer's kinds", () => {
  beforeEach(() => {
    vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(600);
    vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(1000);
  });

  it("keeps every kind a URL names, and the search across them all", () => {
    for (const kind of DOCUMENT_KINDS) {
      expect(validateTransactionsSearch({ kind }).kind).toBe(kind === "bankTransactions" ? undefined : kind);
    }
    expect(validateTransactionsSearch({ kind: "all", text: "acme" })).toEqual({ kind: "all", text: "acme" });
    expect(validateTransactionsSearch({ kind: "expenseClaims", type: "ACCREC" })).toEqual({ type: "ACCREC" });
  });

  it("offers every kind, and lists one with its own columns and filters", async () => {
    const user = userEvent.setup();
    const { lists } = backend();
    const { router } = renderApp("/transactions");
    await screen.findAllByTestId("grid-row");
    const picker = screen.getByTestId("filter-kind");
    const offered = within(picker)
      .getAllByRole("option")
      .map((o) => o.getAttribute("value"));
    expect(offered).toEqual(["all", ...DOCUMENT_KINDS]);

    await user.selectOptions(picker, "creditNotes");
    await waitFor(() => expect(lists.at(-1)?.filter.kind).toBe("creditNotes"));
    await waitFor(() => expect(router.state.location.search).toMatchObject({ kind: "creditNotes" }));
    expect(await screen.findByText("N-creditNotes-1")).toBeInTheDocument();
    expect(headers()).toEqual(["Date", "Type", "Number", "Contact", "Status", "Total", "In base currency"]);
    // The kind's types and statuses, as the ledger knows them.
    const type = await screen.findByTestId("filter-type");
    expect(within(type).getAllByRole("option").map((o) => o.textContent)).toEqual(["Any type", "ACCRECCREDIT", "ACCPAYCREDIT"]);
    await user.selectOptions(type, "ACCPAYCREDIT");
    await waitFor(() => expect(lists.at(-1)?.filter).toMatchObject({ kind: "creditNotes", docType: "ACCPAYCREDIT" }));
    expect(router.state.location.search).toMatchObject({ kind: "creditNotes", type: "ACCPAYCREDIT" });

    // A transfer has two bank accounts and no contact or type; a new kind drops the old type.
    await user.selectOptions(screen.getByTestId("filter-kind"), "bankTransfers");
    await waitFor(() => expect(lists.at(-1)?.filter.kind).toBe("bankTransfers"));
    expect(lists.at(-1)?.filter.docType ?? null).toBeNull();
    expect(await screen.findAllByText("Business Cheque")).toHaveLength(2);
    expect(headers()).toEqual(["Date", "Reference", "From", "To", "Status", "Total", "In base currency"]);
    expect(screen.queryByTestId("filter-type")).toBeNull();

    // Quotes offer their own statuses.
    await user.selectOptions(screen.getByTestId("filter-kind"), "quotes");
    await waitFor(() => expect(lists.at(-1)?.filter.kind).toBe("quotes"));
    await waitFor(() =>
      expect(
        Array.from(screen.getByTestId("filter-statuses").querySelectorAll("option")).map((o) => o.getAttribute("value")),
      ).toEqual(["DRAFT", "SENT", "ACCEPTED"]),
    );
  });

  it("opens a row of any other kind as the record's own page", async () => {
    const user = userEvent.setup();
    backend();
    const { router } = renderApp("/transactions?kind=manualJournals");
    await screen.findByText("N-manualJournals-1");
    expect(headers()).toContain("Narration");
    expect(headers()).toContain("Debits");
    expect(headers()).not.toContain("Contact");
    await user.click(screen.getAllByTestId("grid-row")[1] as HTMLElement);
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/manualJournal/manualJournals-2"));
  });

  it("searches every kind at once, and opens what it finds", async () => {
    const user = userEvent.setup();
    const { searches, lists } = backend();
    const { router } = renderApp("/transactions?kind=all");
    expect(await screen.findByTestId("totals")).toHaveTextContent(/Type to search every kind of document/);
    expect(searches).toHaveLength(0);
    await user.type(screen.getByTestId("filter-text"), "acme");
    await waitFor(() => expect(searches.at(-1)).toMatchObject({ tenantId: "t-1", text: "acme" }));
    const rows = await screen.findAllByTestId("grid-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("Quotes");
    expect(rows[1]).toHaveTextContent("Invoices and bills");
    expect(screen.getByTestId("totals")).toHaveTextContent("2 matching documents.");
    // Only the search: no listing, no dates or amounts to filter by.
    expect(lists.every((l) => l.filter.kind !== undefined)).toBe(true);
    expect(screen.queryByLabelText("Smallest amount")).toBeNull();
    await user.click(rows[1] as HTMLElement);
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/invoice/invoices-8"));
  });
});

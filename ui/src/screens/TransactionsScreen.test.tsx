import { mockIPC } from "@tauri-apps/api/mocks";
import { act, screen, waitFor, within } from "@testing-library/react";
import { renderApp } from "../test/render";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { DocumentRowView, ListDocumentsRequest, LedgerOrganisation, RecordDetailRequest, RecordDetailView, SavedView } from "../bindings";

const ORG: LedgerOrganisation = {
  tenantId: "t-1",
  name: "Kōwhai Design",
  baseCurrency: "NZD",
  timezone: "NEWZEALANDSTANDARDTIME",
  ianaTimezone: "Pacific/Auckland",
  periodLockDate: null,
  lastSyncedUtc: "2026-11-26T09:00:00.000Z",
};

function row(i: number): DocumentRowView {
  return {
    xeroId: `bt-${i}`,
    docType: "SPEND",
    number: null,
    reference: `REF-${i}`,
    contactId: "c-1",
    contactName: "Café Ōtautahi",
    date: "2026-11-01",
    status: "AUTHORISED",
    currencyCode: i === 1 ? "USD" : "NZD",
    total: i === 0 ? "98765432109876.54" : "10.50",
    currencyRate: i === 1 ? "0.600000" : null,
    baseCurrency: "NZD",
    baseTotal: i === 1 ? "17.50" : null,
    account: "acc-1",
    updatedUtc: "2026-11-01T00:00:00.000Z",
  };
}

let lastExports: unknown[] = [];
const saved: SavedView[] = [];
const details: RecordDetailRequest[] = [];
let savedViews: SavedView[] = [];

type Totals = { currencyCode: string; count: number; total: string }[];

function backend(opts: { orgs?: LedgerOrganisation[]; totals?: (text: string | null) => Promise<Totals> } = {}) {
  const lists: ListDocumentsRequest[] = [];
  const exported: unknown[] = [];
  lastExports = exported;
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "organisations":
        return opts.orgs ?? [ORG];
      case "list_documents": {
        const req = a.request as ListDocumentsRequest;
        lists.push(req);
        if (req.filter.amountMin === "abc") throw { code: "invalid", message: "abc is not an amount." };
        if (req.after === "page-2") return { rows: [row(200)], nextCursor: null };
        return { rows: Array.from({ length: 200 }, (_, i) => row(i)), nextCursor: "page-2" };
      }
      case "saved_views":
        return savedViews;
      case "save_view": {
        const v = a.view as SavedView;
        saved.push(v);
        if (v.name.trim() === "") throw { code: "invalid", message: "1 field", fields: [{ field: "name", message: "Give the view a name." }] };
        savedViews = [...savedViews.filter((x) => x.name !== v.name), v];
        return savedViews;
      }
      case "export_view":
        exported.push(a.request);
        return { path: "/data/exports/bank-transactions.xlsx", rows: 201 };
      case "document_totals":
        if (opts.totals) return opts.totals((a.filter as ListDocumentsRequest["filter"]).text ?? null);
        return [{ currencyCode: "NZD", count: 201, total: "98765432111976.04" }];
      case "record_detail": {
        const req = a.request as RecordDetailRequest;
        details.push(req);
        const r = row(Number(req.xeroId.slice(3)));
        const view: RecordDetailView = {
          entity: req.entity,
          xeroId: req.xeroId,
          title: `Record ${r.reference ?? ""}`,
          status: r.status,
          currencyCode: r.currencyCode,
          header: [{ label: "Total", value: { kind: "money", amount: r.total ?? "0", currency: r.currencyCode } }],
          lines: [],
          links: [],
          attachments: [],
          history: [
            { seq: 7, action: "update", actor: "sync:run-9", at: "2026-11-02T00:00:00.000Z", changes: [{ field: "Status", old: '"DRAFT"', new: '"AUTHORISED"' }], hash: "ab" },
          ],
          openInXeroUrl: null,
        };
        return view;
      }
      case "list_payments":
      case "payment_accounts":
        return [];
      case "list_contacts":
        return { rows: [{ xeroId: "c-1", name: "Café Ōtautahi", email: null, status: "ACTIVE", isCustomer: true, isSupplier: false, balances: [] }], nextCursor: null };
      default:
        throw { code: "internal", message: `unexpected ${cmd}` };
    }
  });
  return lists;
}

const renderScreen = (path = "/transactions") => renderApp(path);

describe("the transactions explorer", () => {
  beforeEach(() => {
    // jsdom has no layout: give the scrolling area a window's size so rows are drawn.
    vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(600);
    vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(1000);
  });

  it("lists the organisation's documents with exact amounts and totals", async () => {
    const lists = backend();
    renderScreen();
    expect(await screen.findByText(/201 in NZD/)).toHaveTextContent("201 in NZD: 98,765,432,111,976.04");
    const rows = await screen.findAllByTestId("grid-row");
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(200); // virtualised: only what is on screen
    expect(rows[0]).toHaveTextContent("NZD 98,765,432,109,876.54");
    // A document date in the locale's format, as given; a foreign amount with its base-currency amount beside it.
    expect(rows[1]).toHaveTextContent("Nov 1, 2026");
    expect(rows[1]).toHaveTextContent("USD 10.50NZD 17.50");
    expect(rows[0]).not.toHaveTextContent("NZD 98,765,432,109,876.54NZD");
    expect(lists[0]?.filter.tenantId).toBe("t-1");
  });

  it("hides columns from the grid's chooser and draws compact rows, kept per kind of document", async () => {
    backend();
    const user = userEvent.setup();
    renderScreen("/transactions?kind=bankTransactions");
    const grid = await screen.findByRole("table", { name: "Transactions" });
    await screen.findAllByTestId("grid-row");
    await user.click(screen.getByRole("button", { name: "Columns of Transactions" }));
    const menu = screen.getByRole("group", { name: "Columns shown in Transactions" });
    // The row's name (its number or reference) is no choice.
    expect(within(menu).queryByRole("checkbox", { name: "Reference" })).toBeNull();
    expect(within(grid).getByRole("columnheader", { name: "Contact" })).toBeInTheDocument();
    await user.click(within(menu).getByRole("checkbox", { name: "Contact" }));
    expect(within(grid).queryByRole("columnheader", { name: "Contact" })).toBeNull();
    const first = (await screen.findAllByTestId("grid-row"))[0] as HTMLElement;
    expect(first).not.toHaveTextContent("Café Ōtautahi");
    expect(within(first).getByRole("rowheader")).toHaveTextContent("REF-0");
    expect(JSON.parse(localStorage.getItem("ledgerkeep.table.transactions-bankTransactions") ?? "{}")).toMatchObject({ hidden: ["contactName"] });

    // Compact: shorter rows, on and off.
    expect(first.style.height).toBe("36px");
    await user.click(screen.getByRole("button", { name: "Compact rows in Transactions" }));
    expect(grid).toHaveClass("compact");
    await waitFor(() => expect((screen.getAllByTestId("grid-row")[0] as HTMLElement).style.height).toBe("28px"));
    expect((screen.getAllByTestId("grid-row")[1] as HTMLElement).style.transform).toBe("translateY(28px)");

    // Another kind has its own choice: its contacts are shown.
    await user.selectOptions(screen.getByTestId("filter-kind"), "invoices");
    await waitFor(() => expect(within(grid).getByRole("columnheader", { name: "Contact" })).toBeInTheDocument());
    expect(grid).not.toHaveClass("compact");
  });

  it("shows the totals being counted, and never the totals of filters changed since", async () => {
    // The unfiltered totals answer only after those of the search typed meanwhile.
    let release: (t: Totals) => void = () => {};
    const slow = new Promise<Totals>((r) => (release = r));
    backend({
      totals: (text) => (text ? Promise.resolve([{ currencyCode: "NZD", count: 3, total: "31.50" }]) : slow),
    });
    const user = userEvent.setup();
    renderScreen();
    expect(await screen.findByTestId("totals")).toHaveTextContent("Totalling…");
    await user.type(screen.getByTestId("filter-text"), "café");
    await waitFor(() => expect(screen.getByTestId("totals")).toHaveTextContent("3 in NZD: 31.50"));
    release([{ currencyCode: "NZD", count: 201, total: "98765432111976.04" }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getByTestId("totals")).toHaveTextContent("3 in NZD: 31.50");
  });

  it("searches as you type, with one query once typing pauses", async () => {
    const lists = backend();
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("grid-row");
    const before = lists.length;
    await user.type(screen.getByTestId("filter-text"), "café");
    await screen.findAllByTestId("grid-row");
    await new Promise((r) => setTimeout(r, 300));
    const searches = lists.slice(before).filter((l) => l.filter.text);
    expect(searches.map((l) => l.filter.text)).toEqual(["café"]);
  });

  it("exports the view as it is filtered, every row written by Rust", async () => {
    const lists = backend();
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("grid-row");
    await user.click(screen.getByTestId("export-xlsx"));
    expect(await screen.findByTestId("export-result")).toHaveTextContent("201 rows saved to /data/exports/bank-transactions.xlsx");
    expect(lastExports).toEqual([{ filter: lists[lists.length - 1]?.filter, sort: "date", descending: true, format: "xlsx" }]);
  });

  it("applies a saved view, and saves the filters on screen under a name", async () => {
    savedViews = [{ name: "Big from Acme", filter: { kind: "invoices", tenantId: "", text: "acme", amountMin: "100.25" }, sort: "date", descending: true }];
    saved.length = 0;
    const lists = backend();
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("grid-row");
    await waitFor(() => expect(screen.getByRole("option", { name: "Big from Acme" })).toBeInTheDocument());
    await user.selectOptions(screen.getByTestId("saved-views"), "Big from Acme");
    expect(screen.getByTestId("filter-kind")).toHaveValue("invoices");
    expect(screen.getByTestId("filter-text")).toHaveValue("acme");
    await waitFor(() => expect(lists.some((l) => l.filter.text === "acme" && l.filter.amountMin === "100.25" && l.filter.tenantId === "t-1")).toBe(true));
    await user.click(screen.getByTestId("save-view"));
    expect(await screen.findByRole("alert")).toHaveTextContent("Give the view a name.");
    await user.type(screen.getByTestId("view-name"), "Acme again");
    await user.click(screen.getByTestId("save-view"));
    await waitFor(() => expect(screen.getByRole("option", { name: "Acme again" })).toBeInTheDocument());
    expect(saved[saved.length - 1]).toEqual({ name: "Acme again", filter: expect.objectContaining({ kind: "invoices", tenantId: "", text: "acme", amountMin: "100.25" }), sort: "date", descending: true });
    savedViews = [];
  });

  it("shows a refused filter's message", async () => {
    backend();
    const user = userEvent.setup();
    renderScreen();
    await screen.findAllByTestId("grid-row");
    await user.type(screen.getByTestId("filter-min"), "abc");
    expect(await screen.findByTestId("explorer-error")).toHaveTextContent("abc is not an amount.");
  });

  it("opens a row as its record's own page, with its audit history", async () => {
    backend();
    details.length = 0;
    const user = userEvent.setup();
    const { router } = renderScreen();
    const rows = await screen.findAllByTestId("grid-row");
    await user.click(rows[1] as HTMLElement);
    const page = await screen.findByTestId("record-page");
    expect(router.state.location.pathname).toBe("/records/bankTransaction/bt-1");
    expect(page).toHaveAttribute("data-entity", "bankTransaction");
    expect(await screen.findByTestId("record-title")).toHaveTextContent("Record REF-1");
    expect(screen.getByTestId("record-header")).toHaveTextContent("TotalUSD 10.50");
    // The audit time in the organisation's zone: Auckland is on daylight time (UTC+13) in November.
    const history = screen.getByTestId("history");
    expect(history).toHaveTextContent("Nov 2, 2026, 1:00 PM GMT+13");
    expect(history).toHaveTextContent('"DRAFT" → "AUTHORISED"');
    expect(details).toEqual([{ entity: "bankTransaction", tenantId: "t-1", xeroId: "bt-1" }]);
    // A bank transaction takes no payment: that is an invoice's or a bill's.
    expect(screen.queryByTestId("payments")).toBeNull();
  });

  it("opens a row as the kind of list it was picked from, even just after the kind changed", async () => {
    backend();
    details.length = 0;
    const user = userEvent.setup();
    const { router } = renderScreen();
    const rows = await screen.findAllByTestId("grid-row");
    // The form says invoices at once; the bank transactions stay on screen
    // until the debounced listing replaces them.
    await user.selectOptions(screen.getByTestId("filter-kind"), "invoices");
    await user.click(rows[1] as HTMLElement);
    await screen.findByTestId("record-page");
    expect(router.state.location.pathname).toBe("/records/bankTransaction/bt-1");
    await waitFor(() => expect(details.length).toBeGreaterThan(0));
    expect(details[0]?.entity).toBe("bankTransaction");
  });

  it("opens the drawer's old address as the record's page, an invoice with its payments", async () => {
    backend();
    details.length = 0;
    const { router } = renderScreen("/transactions/invoice/bt-3?kind=invoices&text=BILL-00012");
    const page = await screen.findByTestId("record-page");
    expect(page).toHaveAttribute("data-entity", "invoice");
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/invoice/bt-3"));
    expect(details[0]).toEqual({ entity: "invoice", xeroId: "bt-3", tenantId: "t-1" });
    // An authorised invoice takes a payment on its page, as it did in the drawer.
    const payments = await screen.findByTestId("payments");
    expect(within(payments).getByTestId("payment-form")).toBeInTheDocument();
    // The old address replaced: it is not a step of its own to go back to.
    expect(router.history.length).toBe(1);
  });

  it("opens a record another screen links to at its address", async () => {
    backend();
    const user = userEvent.setup();
    const { router } = renderScreen("/contacts");
    await user.click(await screen.findByRole("button", { name: "Café Ōtautahi" }));
    const docs = await screen.findAllByTestId("contact-document");
    await user.click(within(docs[3] as HTMLElement).getByRole("button"));
    // It opens as a page of its own, which back leaves.
    expect(await screen.findByTestId("record-page")).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/records/invoice/bt-3");
  });

  it("keeps the filters in the address, and follows it back", async () => {
    const lists = backend();
    const user = userEvent.setup();
    const { router } = renderScreen();
    await screen.findAllByTestId("grid-row");
    await user.selectOptions(screen.getByTestId("filter-kind"), "invoices");
    await user.type(screen.getByTestId("filter-text"), "café");
    await waitFor(() => expect(router.state.location.search).toEqual({ kind: "invoices", text: "café" }));
    // A row opens its page; back returns to the listing with its filters.
    await user.click((await screen.findAllByTestId("grid-row"))[2] as HTMLElement);
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/invoice/bt-2"));
    act(() => router.history.back());
    await waitFor(() => expect(router.state.location.pathname).toBe("/transactions"));
    expect(router.state.location.search).toEqual({ kind: "invoices", text: "café" });
    expect(await screen.findByTestId("filter-text")).toHaveValue("café");
    await user.clear(screen.getByTestId("filter-text"));
    await waitFor(() => expect(router.state.location.search).toEqual({ kind: "invoices" }));
    // Another address (a link, or back and forward) sets the form and the listing.
    await act(() => router.navigate({ to: "/transactions", search: { text: "acme", min: "5" } }));
    await waitFor(() => expect(screen.getByTestId("filter-text")).toHaveValue("acme"));
    expect(screen.getByTestId("filter-kind")).toHaveValue("bankTransactions");
    expect(screen.getByTestId("filter-min")).toHaveValue("5");
    await waitFor(() => expect(lists.at(-1)?.filter).toMatchObject({ kind: "bankTransactions", text: "acme", amountMin: "5" }));
  });

  it("says what will appear when there is no organisation yet", async () => {
    backend({ orgs: [] });
    renderScreen();
    expect(await screen.findByText("No transactions yet")).toBeInTheDocument();
  });
});

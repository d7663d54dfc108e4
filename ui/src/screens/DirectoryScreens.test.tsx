import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import { renderInRouter } from "../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { DrillRequest, LedgerOrganisation, ListContactsRequest, ListDocumentsRequest, ReportRequest } from "../bindings";
import { OrganisationProvider } from "../app/organisation";
import { AccountsScreen } from "./AccountsScreen";
import { ContactsScreen } from "./ContactsScreen";
import { InvoicesScreen } from "./InvoicesScreen";

const ORG: LedgerOrganisation = { tenantId: "t-1", name: "Kōwhai Design", baseCurrency: "NZD", timezone: "NEWZEALANDSTANDARDTIME", ianaTimezone: "Pacific/Auckland", periodLockDate: null, lastSyncedUtc: null };

function backend() {
  const calls: { cmd: string; request: unknown }[] = [];
  mockIPC((cmd, args) => {
    const request = (args as { request?: unknown }).request;
    calls.push({ cmd, request });
    switch (cmd) {
      case "organisations":
        return [ORG];
      case "run_report": {
        const req = request as ReportRequest;
        const drill = (dueFrom: string | null) => ({ outstanding: { docType: req.kind === "agedReceivables" ? "ACCREC" : "ACCPAY", asAt: req.period.to, contact: null, currency: "NZD", dueFrom, dueTo: null } });
        return {
          kind: req.kind,
          basis: "accrual",
          title: "Aged receivables",
          organisation: null,
          currency: null,
          columns: ["Current", "1-30 days", "31-60 days", "61-90 days", "Older", "Total"].map((label) => ({ label, heading: "named", from: null, to: req.period.to })),
          sections: [
            {
              title: "NZD",
              rows: [{ label: "Café Ōtautahi", code: null, cells: [0, 1, 2, 3, 4, 5].map((i) => ({ amount: i === 1 ? "98765432109876.54" : "0.00", drill: drill(String(i)) })) }],
              total: { label: "Total", code: null, cells: [0, 1, 2, 3, 4, 5].map((i) => ({ amount: i === 1 ? "98765432109876.54" : "0.00", drill: drill(String(i)) })) },
            },
          ],
          // The base-currency total, whose cells list every currency's documents of a bucket.
          summary: [{ label: "Total in NZD", code: null, cells: [0, 1, 2, 3, 4, 5].map((i) => ({ amount: "1.00", drill: { outstanding: { ...drill(String(i)).outstanding, currency: null } } })) }],
          notes: [],
        };
      }
      case "report_drill":
        return {
          rows: [
            { date: "2026-03-02", label: "INV-7", contactName: "Café Ōtautahi", description: null, sourceType: "ACCREC", entity: "invoice", xeroId: "inv-7", amount: "98765432109876.54", currencyCode: "NZD", baseCurrency: "NZD", baseAmount: null },
            { date: "2026-03-03", label: "INV-8", contactName: "Acme Inc", description: null, sourceType: "ACCREC", entity: "invoice", xeroId: "inv-8", amount: "100.00", currencyCode: "USD", baseCurrency: "NZD", baseAmount: "166.67" },
          ],
          nextCursor: null,
        };
      case "list_contacts": {
        const req = request as ListContactsRequest;
        const c = (n: number) => ({ xeroId: `c-${n}`, name: `Contact ${n}`, email: null, status: "ACTIVE", isCustomer: true, isSupplier: n === 1, balances: [{ currencyCode: "NZD", receivable: "1234.50", payable: n === 1 ? "10.00" : "0.00" }] });
        if (req.after === "p2") return { rows: [c(3)], nextCursor: null };
        return { rows: [c(1), c(2)], nextCursor: "p2" };
      }
      case "list_documents": {
        const req = request as ListDocumentsRequest;
        return { rows: [{ xeroId: `doc-of-${req.filter.contact ?? ""}`, docType: "ACCREC", number: "INV-9", reference: null, contactId: req.filter.contact, contactName: null, date: "2026-03-01", status: "AUTHORISED", currencyCode: "NZD", total: "5.00", account: null, updatedUtc: null }], nextCursor: null };
      }
      case "document_attachments": {
        const req = request as { entity: string; xeroId: string };
        // The contact's and the account's files, by the record they belong to.
        if (req.xeroId === "c-2" || req.xeroId === "a-sales")
          return [{ attachmentId: `file-of-${req.entity}`, fileName: `${req.entity} agreement.pdf`, mimeType: "application/pdf", size: 2048, show: "pdf" }];
        return [];
      }
      case "list_accounts":
        return [
          { xeroId: "a-bank", code: "090", name: "Business Bank Account", accountType: "BANK", class: "asset", status: "ACTIVE", balance: "98765432109876.54", drill: { ledger: { account: "a-bank", from: null, to: "2026-03-31", sign: null, negate: false } } },
          { xeroId: "a-sales", code: "200", name: "Sales", accountType: "REVENUE", class: "revenue", status: "ACTIVE", balance: "10.00", drill: { ledger: { account: "a-sales", from: "2025-04-01", to: "2026-03-31", sign: null, negate: true } } },
        ];
      default:
        throw { code: "internal", message: `unexpected ${cmd}` };
    }
  });
  return calls;
}

const wrap = (ui: React.ReactNode, path = "/") => renderInRouter(<OrganisationProvider>{ui}</OrganisationProvider>, path);

describe("invoices and bills", () => {
  it("ages what is due and lists a bucket's documents, opening one", async () => {
    const calls = backend();
    const open = vi.fn();
    const user = userEvent.setup();
    await wrap(<InvoicesScreen onOpenRecord={open} />);
    const buckets = await screen.findAllByTestId("ageing-bucket");
    expect(buckets[1]).toHaveTextContent("98,765,432,109,876.54");
    await user.click(buckets[1] as HTMLElement);
    const panel = await screen.findByTestId("drill-panel");
    // A document in the base currency shows its amount; a foreign one its amount in the base currency too, exact as Rust sent it.
    await within(panel).findAllByTestId("drill-row");
    expect(within(panel).getAllByTestId("drill-amount").map((c) => c.textContent)).toEqual(["NZD 98,765,432,109,876.54", "USD 100.00 (NZD 166.67)"]);
    await user.click(await within(panel).findByRole("button", { name: "INV-7" }));
    expect(open).toHaveBeenCalledWith({ entity: "invoice", xeroId: "inv-7", label: "INV-7" });
    expect((calls.find((c) => c.cmd === "report_drill")?.request as DrillRequest).drill.outstanding?.dueFrom).toBe("1");
    await user.selectOptions(screen.getByTestId("invoices-side"), "ACCPAY");
    await waitFor(() => expect(calls.some((c) => c.cmd === "run_report" && (c.request as ReportRequest).kind === "agedPayables")).toBe(true));
  });

  it("lists the documents of the bucket a link names (the Dashboard's ageing bars), in every currency", async () => {
    const calls = backend();
    const user = userEvent.setup();
    const { router } = await wrap(<InvoicesScreen onOpenRecord={vi.fn()} />, "/?side=ACCPAY&asAt=2026-03-31&bucket=31-60");
    const panel = await screen.findByTestId("drill-panel");
    expect(panel).toHaveTextContent("You owe · 31-60 days");
    await within(panel).findAllByTestId("drill-row");
    const drill = (calls.find((c) => c.cmd === "report_drill")?.request as DrillRequest).drill.outstanding;
    expect(drill).toEqual({ docType: "ACCPAY", asAt: "2026-03-31", contact: null, currency: null, dueFrom: "2", dueTo: null });
    // Closing the list drops the bucket from the address, keeping the side and the day.
    await user.click(within(panel).getByRole("button", { name: /close/i }));
    await waitFor(() => expect(router.state.location.search).toEqual({ side: "ACCPAY", asAt: "2026-03-31" }));
    expect(screen.queryByTestId("drill-panel")).toBeNull();
  });

  it("keeps the side and the day in the address, and ages what a link names", async () => {
    const calls = backend();
    const user = userEvent.setup();
    const { router } = await wrap(<InvoicesScreen onOpenRecord={vi.fn()} />, "/?side=ACCPAY&asAt=2026-03-31");
    await screen.findAllByTestId("ageing-bucket");
    const asked = () => calls.filter((c) => c.cmd === "run_report").map((c) => c.request as ReportRequest);
    expect(asked()[0]).toMatchObject({ kind: "agedPayables", period: { from: null, to: "2026-03-31" } });
    expect(screen.getByTestId("invoices-side")).toHaveValue("ACCPAY");
    await user.selectOptions(screen.getByTestId("invoices-side"), "ACCREC");
    await waitFor(() => expect(router.state.location.search).toEqual({ side: "ACCREC", asAt: "2026-03-31" }));
    await waitFor(() => expect(asked().at(-1)).toMatchObject({ kind: "agedReceivables", period: { to: "2026-03-31" } }));
  });
});

describe("contacts", () => {
  it("lists contacts in pages with their balances, and a contact's documents", async () => {
    const calls = backend();
    const open = vi.fn();
    const user = userEvent.setup();
    await wrap(<ContactsScreen onOpenRecord={open} />);
    const rows = await screen.findAllByTestId("contact-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent("NZD 1,234.50");
    expect(rows[0]).toHaveTextContent("NZD 10.00");
    await user.click(screen.getByRole("button", { name: "More contacts" }));
    await waitFor(() => expect(screen.getAllByTestId("contact-row")).toHaveLength(3));
    await user.click(screen.getByRole("button", { name: "Contact 2" }));
    const history = await screen.findByTestId("contact-history");
    await user.click(await within(history).findByRole("button", { name: "INV-9" }));
    expect(open).toHaveBeenCalledWith({ entity: "invoice", xeroId: "doc-of-c-2", label: "INV-9" });
    // The contact's own files, kept by the attachments job.
    expect(await within(history).findByTestId("attachment-file-of-contact")).toHaveTextContent("contact agreement.pdf");
    expect(calls.find((c) => c.cmd === "document_attachments")?.request).toEqual({ tenantId: "t-1", entity: "contact", xeroId: "c-2" });
    await user.type(screen.getByTestId("contacts-search"), "café");
    await waitFor(() => expect(calls.some((c) => c.cmd === "list_contacts" && (c.request as ListContactsRequest).text === "café")).toBe(true));
  });
});

describe("accounts", () => {
  it("shows the chart by class with exact balances, each listing its lines", async () => {
    const calls = backend();
    const user = userEvent.setup();
    await wrap(<AccountsScreen onOpenRecord={vi.fn()} />);
    const rows = await screen.findAllByTestId("account-row");
    expect(rows[0]).toHaveTextContent("98,765,432,109,876.54");
    expect(screen.getByTestId("accounts-table")).toHaveTextContent("Revenue (financial year to date)");
    await user.click(within(rows[1] as HTMLElement).getByRole("button"));
    await screen.findByTestId("drill-panel");
    const drill = calls.find((c) => c.cmd === "report_drill")?.request as DrillRequest;
    expect(drill.drill.ledger?.account).toBe("a-sales");
    // The account's own files, below its lines.
    const panel = screen.getByTestId("drill-panel");
    expect(await within(panel).findByTestId("attachment-file-of-account")).toHaveTextContent("account agreement.pdf");
  });

  it("hides a column from the chart's chooser and draws it compact, the name always kept", async () => {
    backend();
    const user = userEvent.setup();
    await wrap(<AccountsScreen onOpenRecord={vi.fn()} />);
    const table = await screen.findByRole("table", { name: "Accounts" });
    await user.click(screen.getByRole("button", { name: "Columns of Accounts" }));
    const menu = screen.getByRole("group", { name: "Columns shown in Accounts" });
    expect(within(menu).queryByRole("checkbox", { name: "Name" })).toBeNull();
    await user.click(within(menu).getByRole("checkbox", { name: "Type" }));
    expect(within(table).queryByRole("columnheader", { name: "Type" })).toBeNull();
    expect(table).not.toHaveTextContent("REVENUE");
    expect(within(table).getByRole("rowheader", { name: "Sales" })).toBeInTheDocument();
    expect(within(table).getByRole("rowheader", { name: "Assets" })).toHaveAttribute("colspan", "3");
    await user.click(screen.getByRole("button", { name: "Compact rows in Accounts" }));
    expect(table).toHaveClass("compact");
    expect(JSON.parse(localStorage.getItem("ledgerkeep.table.accounts-table") ?? "{}")).toEqual({ hidden: ["type"], density: "compact" });
  });
});

import { mockIPC } from "@tauri-apps/api/mocks";
import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { RecordDetailView } from "../../bindings";
import { setFormatLocale } from "../../lib/format";
import { renderApp, renderInRouter } from "../../test/render";
import { OrganisationProvider } from "../../app/organisation";
import { RecordPage } from "./RecordPage";

const ORG = { tenantId: "t-1", name: "Kōwhai Plumbing Ltd", baseCurrency: "NZD", timezone: null, ianaTimezone: null, periodLockDate: null, lastSyncedUtc: null };

function creditNote(id: string): RecordDetailView {
  return {
    entity: "creditNote",
    xeroId: id,
    title: "Credit note CN-0007",
    status: "AUTHORISED",
    currencyCode: "NZD",
    header: [
      { label: "Contact", value: { kind: "text", text: "Café Ōtautahi" } },
      { label: "Date", value: { kind: "date", date: "2026-03-31" } },
      { label: "Total", value: { kind: "money", amount: "98765432109876.54", currency: "NZD" } },
    ],
    lines: [
      {
        description: "Copper pipe",
        quantity: "3.5",
        unitAmount: "12.3456",
        itemCode: null,
        accountCode: "200",
        accountName: "Sales",
        taxType: "OUTPUT2",
        taxName: "GST on Income",
        taxAmount: "6.48",
        tracking: [{ category: "Region", option: "North" }],
        lineAmount: "43.21",
      },
    ],
    links: [
      { relation: "Allocated to", entity: "invoice", xeroId: "inv-1", label: "Invoice INV-0001", amount: "10.00", currencyCode: "NZD", date: "2026-04-01", held: true },
      { relation: "Paid by", entity: "payment", xeroId: "pay-9", label: "Payment pay-9 (not in this ledger)", amount: "5.00", currencyCode: "NZD", date: null, held: false },
    ],
    attachments: [{ attachmentId: "a-1", fileName: "cn-0007.pdf", mimeType: "application/pdf", size: 2048, held: true }],
    history: [{ seq: 1, action: "insert", actor: "sync:run-1", at: "2026-07-01T10:00:00.000Z", changes: [{ field: "Total", old: "null", new: '"43.21"' }], hash: "h" }],
    openInXeroUrl: "https://go.xero.com/organisationlogin/default.aspx?shortcode=!k1&redirecturl=/AccountsPayable/ViewCreditNote.aspx?creditNoteID=cn-7",
  };
}

function backend() {
  const asked: Record<string, unknown>[] = [];
  const opened: Record<string, unknown>[] = [];
  mockIPC((cmd, args) => {
    const request = (args as { request?: Record<string, unknown> } | undefined)?.request;
    if (cmd === "organisations") return [ORG];
    if (cmd === "record_detail" && request) {
      asked.push(request);
      if (request.xeroId === "missing") throw { code: "invalid", message: "This ledger holds no credit note with the id missing in this organisation." };
      return request.entity === "invoice" ? { ...creditNote(String(request.xeroId)), entity: "invoice", title: "Invoice INV-0001", links: [] } : creditNote(String(request.xeroId));
    }
    if (cmd === "open_record_in_xero" && request) {
      opened.push(request);
      return "https://go.xero.com/";
    }
    // Xero's own history, not loaded yet.
    if (cmd === "record_xero_history") return { available: true, scope: "accounting.invoices.read", fetchedAt: null, entries: [] };
    // An invoice's page lists its payments and offers the bank accounts to pay from.
    if (cmd === "list_payments" || cmd === "payment_accounts") return [];
    return null;
  });
  return { asked, opened };
}

describe("a record's own page", () => {
  it("opens at /records/<entity>/<id> and shows the header, the lines to 4 places, links, files and history", async () => {
    setFormatLocale("en-US");
    const { asked } = backend();
    renderApp("/records/creditNote/cn-7");
    const page = await screen.findByTestId("record-page", {}, { timeout: 5000 });
    expect(await within(page).findByRole("heading", { level: 1, name: "Credit note CN-0007" }, { timeout: 5000 })).toBeInTheDocument();
    await waitFor(() => expect(asked).toContainEqual({ entity: "creditNote", tenantId: "t-1", xeroId: "cn-7" }));
    const header = screen.getByTestId("record-header");
    expect(header).toHaveTextContent("Café Ōtautahi");
    expect(header).toHaveTextContent("NZD 98,765,432,109,876.54");
    expect(header).toHaveTextContent("Mar 31, 2026");
    const line = screen.getByTestId("record-line");
    expect(within(line).getByTestId("unit-amount")).toHaveTextContent(/^12\.3456$/);
    expect(line).toHaveTextContent("Copper pipe");
    expect(line).toHaveTextContent("200 Sales");
    expect(line).toHaveTextContent("GST on Income");
    expect(line).toHaveTextContent("Region: North");
    expect(line).toHaveTextContent("43.21");
    // The app hands the files to the offline attachment viewer.
    expect(screen.getByTestId("attachment-list")).toHaveTextContent("cn-0007.pdf");
    expect(screen.getByTestId("attachment-a-1")).toHaveTextContent("cn-0007.pdf");
    expect(screen.getByTestId("history")).toHaveTextContent("insert by sync:run-1");
    expect(screen.getByTestId("history")).toHaveTextContent('Total: null → "43.21"');
    // Xero's history sits beside the ledger's audit, loaded only on request.
    expect(await screen.findByRole("button", { name: "Load from Xero" })).toBeInTheDocument();
    // A linked record the ledger does not hold is named, not linked.
    const links = screen.getAllByTestId("record-link");
    expect(links).toHaveLength(2);
    expect(within(links[1] as HTMLElement).queryByRole("link")).toBeNull();
  });

  it("opens a linked record as its own page, and back returns", async () => {
    backend();
    const user = userEvent.setup();
    const { router } = renderApp("/records/creditNote/cn-7");
    await user.click(await screen.findByRole("link", { name: "Invoice INV-0001" }, { timeout: 5000 }));
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/invoice/inv-1"));
    expect(await screen.findByRole("heading", { level: 1, name: "Invoice INV-0001" }, { timeout: 5000 })).toBeInTheDocument();
    await user.click(screen.getByTestId("record-back"));
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/creditNote/cn-7"));
    expect(await screen.findByRole("heading", { level: 1, name: "Credit note CN-0007" })).toBeInTheDocument();
    act(() => router.history.forward());
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/invoice/inv-1"));
  });

  it("opens the record in Xero through the command", async () => {
    const { opened } = backend();
    const user = userEvent.setup();
    renderApp("/records/creditNote/cn-7");
    await user.click(await screen.findByTestId("open-in-xero", {}, { timeout: 5000 }));
    await waitFor(() => expect(opened).toEqual([{ entity: "creditNote", tenantId: "t-1", xeroId: "cn-7" }]));
  });

  it("lists the files by name, size and type without a viewer", async () => {
    backend();
    await renderInRouter(
      <OrganisationProvider>
        <RecordPage entity="creditNote" xeroId="cn-7" />
      </OrganisationProvider>,
    );
    expect(await screen.findByTestId("record-attachments")).toHaveTextContent("cn-0007.pdf (2 KB, application/pdf)");
  });

  it("hands the files to the attachment viewer when one is plugged in", async () => {
    backend();
    await renderInRouter(
      <OrganisationProvider>
        <RecordPage
          entity="creditNote"
          xeroId="cn-7"
          renderAttachments={({ attachments, entity, xeroId }) => (
            <p data-testid="viewer">
              {entity}/{xeroId}: {attachments.map((a) => a.fileName).join(", ")}
            </p>
          )}
        />
      </OrganisationProvider>,
    );
    expect(await screen.findByTestId("viewer")).toHaveTextContent("creditNote/cn-7: cn-0007.pdf");
    expect(screen.queryByTestId("record-attachments")).toBeNull();
  });

  it("says clearly when the ledger holds no such record", async () => {
    backend();
    renderApp("/records/creditNote/missing");
    expect(await screen.findByTestId("record-error")).toHaveTextContent("holds no credit note with the id missing");
  });

  it("is not found for a kind that has no page", async () => {
    backend();
    renderApp("/records/account/a-1");
    expect(await screen.findByRole("heading", { level: 1, name: "Not found" })).toBeInTheDocument();
    expect(screen.queryByTestId("record-page")).toBeNull();
  });
});

import { mockIPC } from "@tauri-apps/api/mocks";
import { act, screen, waitFor, within } from "@testing-library/react";
import { renderInRouter } from "../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { AuditLogRowView } from "../bindings";
import { OrganisationProvider } from "../app/organisation";
import { formatInstant } from "../lib/format";
import { AuditLogScreen } from "./AuditLogScreen";

const ORG = { tenantId: "t-1", name: "Kōwhai Plumbing Ltd", baseCurrency: "NZD", timezone: null, ianaTimezone: null, periodLockDate: null, lastSyncedUtc: null };

function row(seq: number, actor = "sync:run-1"): AuditLogRowView {
  return {
    table: "invoices",
    tenantId: "t-1",
    recordId: `inv-${seq}`,
    entity: "invoice",
    words: {
      title: `Invoice INV-00${seq} to Café Plumbing`,
      action: "changed",
      by: actor.startsWith("user") ? "you" : "sync",
      changes: [{ field: "Reference", label: "Reference", old: { kind: "text", text: "a" }, new: { kind: "text", text: "b" } }],
      contactId: "c-9",
      contactName: "Café Plumbing",
    },
    entry: { seq, action: "update", actor, at: "2026-07-01T10:00:00.000Z", changes: [{ field: "Reference", old: '"a"', new: '"b"' }], hash: "h" },
  };
}

/** A paid invoice, as the api words it. */
const PAID: AuditLogRowView = {
  table: "invoices",
  tenantId: "t-1",
  recordId: "8f2c-inv",
  entity: "invoice",
  words: {
    title: "Invoice INV-0042 to Café Plumbing",
    action: "changed",
    by: "sync",
    changes: [
      { field: "Status", label: "Status", old: { kind: "text", text: "Authorised" }, new: { kind: "text", text: "Paid" } },
      { field: "FullyPaidOnDate", label: "Fully paid on", old: { kind: "none" }, new: { kind: "date", date: "2026-12-05" } },
      { field: "AmountDue", label: "Amount due", old: { kind: "money", amount: "1120.00" }, new: { kind: "money", amount: "0.00" } },
      { field: "Payments", label: "Payments", old: { kind: "many" }, new: { kind: "many" } },
    ],
    contactId: "c-9",
    contactName: "Café Plumbing",
  },
  entry: {
    seq: 12,
    action: "update",
    actor: "sync:run-4",
    at: "2026-12-05T14:02:00.000Z",
    changes: [
      { field: "AmountDue", old: "1120.00", new: "0.00" },
      { field: "Status", old: '"AUTHORISED"', new: '"PAID"' },
    ],
    hash: "abc123",
  },
};

/** A contact added by a sync: it has no page of its own. */
const CONTACT: AuditLogRowView = {
  table: "contacts",
  tenantId: "t-1",
  recordId: "c-9",
  entity: null,
  words: {
    title: "Contact Café Plumbing",
    action: "added",
    by: "sync",
    changes: [{ field: "ContactStatus", label: "Status", old: { kind: "none" }, new: { kind: "text", text: "Active" } }],
    contactId: "c-9",
    contactName: "Café Plumbing",
  },
  entry: { seq: 3, action: "insert", actor: "sync:run-1", at: "2026-07-01T10:00:00.000Z", changes: [{ field: "ContactStatus", old: "null", new: '"ACTIVE"' }], hash: "h3" },
};

function backend(opts: { broken?: boolean; tampered?: boolean; zone?: string; rows?: AuditLogRowView[] } = {}) {
  const requests: Record<string, unknown>[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "organisations") return [opts.zone ? { ...ORG, timezone: "NEWZEALANDSTANDARDTIME", ianaTimezone: opts.zone } : ORG];
    if (cmd === "list_contacts") {
      const r = (args as { request: { text: string | null } }).request;
      const all = [
        { xeroId: "c-9", name: "Café Plumbing", email: null, status: "ACTIVE", isCustomer: true, isSupplier: false, balances: [] },
        { xeroId: "c-4", name: "Café Supplies", email: null, status: "ACTIVE", isCustomer: false, isSupplier: true, balances: [] },
      ];
      return { rows: all.filter((c) => c.name.toLowerCase().includes((r.text ?? "").toLowerCase())), nextCursor: null };
    }
    if (cmd === "audit_log") {
      const r = (args as { request: Record<string, unknown> }).request;
      requests.push(r);
      if (opts.rows) return { rows: opts.rows, nextCursor: null };
      if (r.dateFrom === "2026-07-02" && r.dateTo === "2026-07-01")
        throw { code: "invalid", message: "On or after the first date.", fields: [{ field: "dateTo", message: "On or after the first date." }] };
      if (r.after === "5") return { rows: [row(4), row(3)], nextCursor: null };
      return { rows: [row(7), row(6), row(5)], nextCursor: "5" };
    }
    if (cmd === "verify_audit" && opts.tampered)
      return {
        intact: false,
        rowsChecked: 50,
        firstBreak: null,
        filesChecked: 2,
        fileProblems: [
          { tenantId: "t", attachmentId: "a1", fileName: "bill-7.pdf", missing: false },
          { tenantId: "t", attachmentId: "a2", fileName: "receipt.png", missing: true },
        ],
      };
    if (cmd === "verify_audit")
      return opts.broken
        ? { intact: false, rowsChecked: 41, firstBreak: { seq: 42, kind: "hash_mismatch", detail: "row 42 was edited" }, filesChecked: 0, fileProblems: [] }
        : { intact: true, rowsChecked: 1234, firstBreak: null, filesChecked: 3, fileProblems: [] };
    throw { code: "internal", message: `unexpected ${cmd}` };
  });
  return requests;
}

const renderScreen = (path = "/") =>
  renderInRouter(
    <OrganisationProvider>
      <AuditLogScreen />
    </OrganisationProvider>,
    path,
  );

describe("the audit log screen", () => {
  it("lists the organisation's changes newest first and pages on by the cursor", async () => {
    const requests = backend();
    const user = userEvent.setup();
    await renderScreen();
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(3));
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ tenantId: "t-1", after: null, limit: 100, recordId: null, table: null, actor: null, contactId: null });
    await user.click(screen.getByTestId("audit-more"));
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(5));
    expect(requests.at(-1)).toMatchObject({ after: "5" });
    expect(screen.getAllByTestId("audit-record-link").map((a) => a.textContent)).toEqual(["INV-007", "INV-006", "INV-005", "INV-004", "INV-003"].map((n) => `Invoice ${n} to Café Plumbing`));
    expect(screen.queryByTestId("audit-more")).toBeNull();
  });

  it("sends the filters when asked, and shows a refused date beside its field", async () => {
    const requests = backend();
    const user = userEvent.setup();
    await renderScreen();
    await screen.findAllByTestId("audit-row");
    await user.type(screen.getByLabelText("Record (Xero id)"), "inv-9");
    await user.selectOptions(screen.getByLabelText("Record type"), "Invoices and bills");
    await user.selectOptions(screen.getByLabelText("Changed by"), "You");
    await user.type(screen.getByLabelText("From"), "2026-07-02");
    await user.type(screen.getByLabelText("To"), "2026-07-01");
    await user.click(screen.getByLabelText(/Only Kōwhai/));
    await user.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() =>
      expect(requests.at(-1)).toEqual({
        tenantId: null,
        recordId: "inv-9",
        table: "invoices",
        actor: "user",
        contactId: null,
        dateFrom: "2026-07-02",
        dateTo: "2026-07-01",
        daysOf: "t-1",
        after: null,
        limit: 100,
      }),
    );
    expect(await screen.findByText("On or after the first date.")).toBeInTheDocument();
    expect(screen.getByLabelText("To")).toHaveAttribute("aria-invalid", "true");
  });

  it("reads the dates as days where the organisation is, also over every organisation's rows", async () => {
    const requests = backend({ zone: "Pacific/Auckland" });
    const user = userEvent.setup();
    await renderScreen();
    await screen.findAllByTestId("audit-row");
    expect(screen.getByTestId("audit-days-zone")).toHaveTextContent("Days in Pacific/Auckland");
    await user.type(screen.getByLabelText("From"), "2026-04-01");
    await user.type(screen.getByLabelText("To"), "2026-04-01");
    await user.click(screen.getByLabelText(/Only Kōwhai/));
    await user.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => expect(requests.at(-1)).toMatchObject({ tenantId: null, daysOf: "t-1", dateFrom: "2026-04-01", dateTo: "2026-04-01" }));
  });

  it("says the days are UTC days when the organisation's timezone is not known", async () => {
    backend();
    await renderScreen();
    await screen.findAllByTestId("audit-row");
    expect(screen.getByTestId("audit-days-zone")).toHaveTextContent("Days in UTC");
  });

  it("shows the chain check's result: intact, or where it broke", async () => {
    backend();
    const user = userEvent.setup();
    const { unmount } = await renderScreen();
    await user.click(screen.getByTestId("verify-audit"));
    expect(await screen.findByTestId("audit-intact")).toHaveTextContent("1,234 rows checked");
    unmount();
    backend({ broken: true });
    await renderScreen();
    await user.click(screen.getByTestId("verify-audit"));
    expect(await screen.findByTestId("audit-broken")).toHaveTextContent("row 42 (hash_mismatch): row 42 was edited");
    expect(screen.queryByTestId("audit-file-problems")).toBeNull();
  });

  it("names each attachment file that no longer matches the audit trail", async () => {
    backend({ tampered: true });
    const user = userEvent.setup();
    await renderScreen();
    await user.click(screen.getByTestId("verify-audit"));
    const problems = await screen.findByTestId("audit-file-problems");
    expect(problems).toHaveTextContent("2 attachment files do not match");
    const items = Array.from(problems.querySelectorAll("li")).map((li) => li.textContent);
    expect(items).toEqual(["bill-7.pdf: its contents were changed", "receipt.png: missing from the attachments folder"]);
    expect(screen.queryByTestId("audit-intact")).toBeNull();
    expect(screen.queryByTestId("audit-broken")).toBeNull();
  });

  it("keeps the filters shown in the address, and shows those a link names", async () => {
    const requests = backend();
    const user = userEvent.setup();
    const { router } = await renderScreen("/?table=contacts&all=1");
    await waitFor(() => expect(requests.at(-1)).toMatchObject({ table: "contacts", tenantId: null, daysOf: "t-1" }));
    expect(screen.getByLabelText("Record type")).toHaveValue("contacts");
    expect(screen.getByLabelText(/Only Kōwhai/)).not.toBeChecked();
    await user.selectOptions(screen.getByLabelText("Changed by"), "You");
    await user.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => expect(router.state.location.search).toEqual({ table: "contacts", actor: "user", all: "1" }));
    await waitFor(() => expect(requests.at(-1)).toMatchObject({ table: "contacts", actor: "user" }));
    act(() => router.history.back());
    await waitFor(() => expect(screen.getByLabelText("Changed by")).toHaveValue(""));
  });

  it("reads each entry in words: the record, its contact, old and new values, who and when", async () => {
    backend({ rows: [PAID, CONTACT], zone: "Pacific/Auckland" });
    await renderScreen();
    const entries = await screen.findAllByTestId("audit-words");
    expect(entries).toHaveLength(2);
    const [paid, contact] = entries as [HTMLElement, HTMLElement];
    expect(paid.querySelector("p")).toHaveTextContent(
      `Invoice INV-0042 to Café Plumbing: Status Authorised → Paid; Fully paid on — → Dec 5, 2026; Amount due 1,120.00 → 0.00; Payments changed (sync, ${formatInstant(PAID.entry.at, "Pacific/Auckland")})`,
    );
    // The instant is the organisation's time: 14:02 UTC is the next morning in Auckland.
    expect(paid).toHaveTextContent("Dec 6, 2026");
    expect(contact.querySelector("p")).toHaveTextContent("Contact Café Plumbing: added: Status Active (sync,");
    // No raw id or stored field name in the words.
    expect(paid.querySelector("p")).not.toHaveTextContent("8f2c-inv");
    expect(paid.querySelector("p")).not.toHaveTextContent("AmountDue");
  });

  it("links each record that has a page to it, and keeps the raw ids and fields behind Details", async () => {
    backend({ rows: [PAID, CONTACT, { ...PAID, tenantId: "t-2", entry: { ...PAID.entry, seq: 2 } }] });
    const user = userEvent.setup();
    await renderScreen();
    const entries = await screen.findAllByTestId("audit-words");
    expect(entries).toHaveLength(3);
    const [paid, contact, elsewhere] = entries as [HTMLElement, HTMLElement, HTMLElement];
    // Another organisation's record is not the one the record page would show: not linked.
    expect(within(elsewhere).queryByRole("link")).toBeNull();
    expect(elsewhere).toHaveTextContent("Invoice INV-0042 to Café Plumbing");
    const link = within(paid).getByRole("link", { name: "Invoice INV-0042 to Café Plumbing" });
    expect(link).toHaveAttribute("href", "/records/invoice/8f2c-inv");
    // A contact has no page of its own: its title is not a link.
    expect(within(contact).queryByRole("link")).toBeNull();
    const details = within(paid).getByTestId("audit-details");
    expect(details).not.toHaveAttribute("open");
    await user.click(within(details).getByText("Details"));
    expect(details).toHaveAttribute("open");
    expect(details).toHaveTextContent("8f2c-inv");
    expect(details).toHaveTextContent("sync:run-4");
    expect(within(details).getByRole("list", { name: "Stored fields" })).toHaveTextContent('AmountDue: 1120.00 → 0.00Status: "AUTHORISED" → "PAID"');
  });

  it("filters by a contact chosen by name, or by an entry's contact", async () => {
    const requests = backend({ rows: [PAID] });
    const user = userEvent.setup();
    const { router } = await renderScreen();
    await screen.findAllByTestId("audit-words");
    // A name that is no contact of the organisation is refused, and nothing is asked.
    await user.type(screen.getByLabelText("Contact"), "Nobody");
    await user.click(screen.getByRole("button", { name: "Show" }));
    expect(await screen.findByText("Choose a contact of Kōwhai Plumbing Ltd from the list.")).toBeInTheDocument();
    expect(screen.getByLabelText("Contact")).toHaveAttribute("aria-invalid", "true");
    expect(requests).toHaveLength(1);
    await user.clear(screen.getByLabelText("Contact"));
    await user.type(screen.getByLabelText("Contact"), "café supplies");
    await waitFor(() => expect(document.querySelectorAll("#audit-contacts option")).toHaveLength(1));
    await user.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => expect(requests.at(-1)).toMatchObject({ contactId: "c-4", tenantId: "t-1" }));
    expect(router.state.location.search).toMatchObject({ contact: "c-4", contactName: "Café Supplies" });
    expect(screen.getByLabelText("Contact")).toHaveValue("Café Supplies");
    // An entry's Details narrow the log to its contact.
    await user.click(screen.getByText("Details"));
    await user.click(screen.getByRole("button", { name: "Only changes for Café Plumbing" }));
    await waitFor(() => expect(requests.at(-1)).toMatchObject({ contactId: "c-9" }));
    expect(screen.getByLabelText("Contact")).toHaveValue("Café Plumbing");
    // Emptied, the filter goes.
    await user.clear(screen.getByLabelText("Contact"));
    await user.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => expect(requests.at(-1)).toMatchObject({ contactId: null }));
  });
});

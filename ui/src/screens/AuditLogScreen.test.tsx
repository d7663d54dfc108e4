import { mockIPC } from "@tauri-apps/api/mocks";
import { act, screen, waitFor } from "@testing-library/react";
import { renderInRouter } from "../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { AuditLogRowView } from "../bindings";
import { OrganisationProvider } from "../app/organisation";
import { AuditLogScreen } from "./AuditLogScreen";

const ORG = { tenantId: "t-1", name: "Kōwhai Plumbing Ltd", baseCurrency: "NZD", timezone: null, ianaTimezone: null, periodLockDate: null, lastSyncedUtc: null };

function row(seq: number, actor = "sync:run-1"): AuditLogRowView {
  return {
    table: "invoices",
    tenantId: "t-1",
    recordId: `inv-${seq}`,
    entry: { seq, action: "update", actor, at: "2026-07-01T10:00:00.000Z", changes: [{ field: "Reference", old: '"a"', new: '"b"' }], hash: "h" },
  };
}

function backend(opts: { broken?: boolean; tampered?: boolean; zone?: string } = {}) {
  const requests: Record<string, unknown>[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "organisations") return [opts.zone ? { ...ORG, timezone: "NEWZEALANDSTANDARDTIME", ianaTimezone: opts.zone } : ORG];
    if (cmd === "audit_log") {
      const r = (args as { request: Record<string, unknown> }).request;
      requests.push(r);
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
    expect(requests[0]).toMatchObject({ tenantId: "t-1", after: null, limit: 100, recordId: null });
    await user.click(screen.getByTestId("audit-more"));
    await waitFor(() => expect(screen.getAllByTestId("audit-row")).toHaveLength(5));
    expect(requests.at(-1)).toMatchObject({ after: "5" });
    expect(screen.getAllByTestId("audit-row").map((r) => r.firstChild?.textContent)).toEqual(["7", "6", "5", "4", "3"]);
    expect(screen.queryByTestId("audit-more")).toBeNull();
  });

  it("sends the filters when asked, and shows a refused date beside its field", async () => {
    const requests = backend();
    const user = userEvent.setup();
    await renderScreen();
    await screen.findAllByTestId("audit-row");
    await user.type(screen.getByLabelText("Record (Xero id)"), "inv-9");
    await user.type(screen.getByLabelText("Table"), "invoices");
    await user.type(screen.getByLabelText("Actor"), "user");
    await user.type(screen.getByLabelText("From"), "2026-07-02");
    await user.type(screen.getByLabelText("To"), "2026-07-01");
    await user.click(screen.getByLabelText(/Only Kōwhai/));
    await user.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() =>
      expect(requests.at(-1)).toEqual({ tenantId: null, recordId: "inv-9", table: "invoices", actor: "user", dateFrom: "2026-07-02", dateTo: "2026-07-01", daysOf: "t-1", after: null, limit: 100 }),
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
    expect(screen.getByLabelText("Table")).toHaveValue("contacts");
    expect(screen.getByLabelText(/Only Kōwhai/)).not.toBeChecked();
    await user.type(screen.getByLabelText("Actor"), "user");
    await user.click(screen.getByRole("button", { name: "Show" }));
    await waitFor(() => expect(router.state.location.search).toEqual({ table: "contacts", actor: "user", all: "1" }));
    await waitFor(() => expect(requests.at(-1)).toMatchObject({ table: "contacts", actor: "user" }));
    act(() => router.history.back());
    await waitFor(() => expect(screen.getByLabelText("Actor")).toHaveValue(""));
  });
});

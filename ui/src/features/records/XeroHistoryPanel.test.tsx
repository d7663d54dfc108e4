import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ApiError, XeroHistoryView } from "../../bindings";
import { setFormatLocale } from "../../lib/format";
import { render } from "../../test/render";
import { XeroHistoryPanel } from "./XeroHistoryPanel";

const KEPT: XeroHistoryView = {
  available: true,
  scope: "accounting.invoices.read",
  fetchedAt: "2026-07-01T10:00:00.000Z",
  entries: [
    { at: "2026-03-02T10:00:00.000Z", user: "System Generated", change: "Paid", details: "Payment received in full on 2 Mar 2026." },
    { at: "2026-03-01T09:30:00.000Z", user: "Mia Chen", change: "Approved", details: "INV-0007 to Café Ōtautahi for NZD 43.21." },
    { at: null, user: null, change: "Note", details: null },
  ],
};

const FRESH: XeroHistoryView = {
  ...KEPT,
  fetchedAt: "2026-07-02T08:15:00.000Z",
  entries: [{ at: "2026-07-02T08:00:00.000Z", user: "Noah Patel", change: "Note", details: "Agreed by email." }, ...KEPT.entries],
};

/** The backend: the kept history (or none yet), and a refresh that answers once released. */
function backend(kept: XeroHistoryView | null, refresh: { answer: XeroHistoryView | ApiError }) {
  const calls: { cmd: string; request: unknown }[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  mockIPC(async (cmd, args) => {
    const request = (args as { request?: unknown } | undefined)?.request;
    calls.push({ cmd, request });
    if (cmd === "record_xero_history") return kept ?? { available: true, scope: "accounting.invoices.read", fetchedAt: null, entries: [] };
    if (cmd === "refresh_record_xero_history") {
      await gate;
      if ("code" in refresh.answer) throw refresh.answer;
      return refresh.answer;
    }
    return null;
  });
  return { calls, release: () => release() };
}

describe("Xero's history and notes on a record's page", () => {
  it("shows what was kept, as of when, with each entry's date, user, change and details", async () => {
    setFormatLocale("en-US");
    const { calls } = backend(KEPT, { answer: FRESH });
    render(<XeroHistoryPanel tenantId="t-1" entity="invoice" xeroId="inv-7" />);
    const section = await screen.findByRole("region", { name: "Xero history and notes" });
    const rows = await within(section).findAllByTestId("xero-history-entry");
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent("System Generated");
    expect(rows[0]).toHaveTextContent("Paid");
    expect(rows[1]).toHaveTextContent("Mia Chen");
    expect(rows[1]).toHaveTextContent("INV-0007 to Café Ōtautahi for NZD 43.21.");
    expect(rows[2]).toHaveTextContent("No date given");
    expect(within(section).getByTestId("xero-history-as-of")).toHaveTextContent(/^As of .*2026/);
    expect(within(section).getByRole("button", { name: "Refresh from Xero" })).toBeEnabled();
    // Reading the kept history asks Xero nothing.
    const asked = calls.filter((c) => c.cmd.endsWith("xero_history"));
    expect(asked).toEqual([{ cmd: "record_xero_history", request: { tenantId: "t-1", entity: "invoice", xeroId: "inv-7" } }]);
  });

  it("loads from Xero on request, with progress, and shows the new entries", async () => {
    const { calls, release } = backend(null, { answer: FRESH });
    const user = userEvent.setup();
    render(<XeroHistoryPanel tenantId="t-1" entity="invoice" xeroId="inv-7" />);
    expect(await screen.findByTestId("xero-history-as-of")).toHaveTextContent("Not loaded from Xero yet");
    expect(screen.queryByTestId("xero-history-entry")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Load from Xero" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Asking Xero for this record's history");
    expect(screen.getByTestId("xero-history-load")).toBeDisabled();
    release();
    await waitFor(() => expect(screen.getAllByTestId("xero-history-entry")).toHaveLength(4));
    expect(screen.getAllByTestId("xero-history-entry")[0]).toHaveTextContent("Agreed by email.");
    expect(screen.queryByTestId("xero-history-progress")).toBeNull();
    expect(screen.getByRole("button", { name: "Refresh from Xero" })).toBeEnabled();
    expect(calls.filter((c) => c.cmd === "refresh_record_xero_history")).toHaveLength(1);
  });

  it("keeps showing what was kept when the refresh fails, and says why", async () => {
    const refused: ApiError = { code: "invalid", message: "Xero's history needs the accounting.payments.read scope; reconnect to Xero to grant it." };
    const { release } = backend(KEPT, { answer: refused });
    const user = userEvent.setup();
    render(<XeroHistoryPanel tenantId="t-1" entity="payment" xeroId="pay-1" />);
    await user.click(await screen.findByRole("button", { name: "Refresh from Xero" }));
    release();
    expect(await screen.findByTestId("xero-history-error")).toHaveTextContent("needs the accounting.payments.read scope; reconnect");
    expect(screen.getAllByTestId("xero-history-entry")).toHaveLength(3);
  });

  it("says so for a kind of record Xero keeps no history for", async () => {
    mockIPC(() => ({ available: false, scope: null, fetchedAt: null, entries: [] }));
    render(<XeroHistoryPanel tenantId="t-1" entity="invoice" xeroId="x" />);
    expect(await screen.findByText("Xero keeps no history for this kind of record.")).toBeInTheDocument();
    expect(screen.queryByRole("button")).toBeNull();
  });
});

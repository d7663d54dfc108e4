import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { LedgerOrganisation, QuickFindRequest, QuickFindView } from "../../bindings";
import { renderApp } from "../../test/render";
import { isPaletteKey } from "./CommandPalette";

const ORG: LedgerOrganisation = {
  tenantId: "t-1",
  name: "Kōwhai Design",
  baseCurrency: "NZD",
  timezone: "NEWZEALANDSTANDARDTIME",
  ianaTimezone: "Pacific/Auckland",
  periodLockDate: null,
  lastSyncedUtc: "2026-11-26T09:00:00.000Z",
};

const FOUND: QuickFindView = {
  documents: [
    {
      kind: "invoices",
      entity: "invoice",
      row: {
        xeroId: "inv-42",
        docType: "ACCREC",
        number: "INV-0042",
        reference: null,
        contactId: "c-1",
        contactName: "Müller & Söhne",
        date: "2026-11-02",
        status: "AUTHORISED",
        currencyCode: "NZD",
        total: "1200.50",
        currencyRate: null,
        baseCurrency: "NZD",
        baseTotal: null,
        account: null,
        updatedUtc: null,
      },
    },
  ],
  contacts: [{ xeroId: "c-1", name: "Müller & Söhne", email: "info@soehne.example" }],
  accounts: [{ xeroId: "acc-1", code: "200", name: "Söhne sales", accountType: "REVENUE" }],
  attachments: [{ attachmentId: "f-1", fileName: "söhne-receipt.pdf", entity: "bankTransaction", recordId: "bt-9" }],
};

function backend() {
  const asked: QuickFindRequest[] = [];
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    if (cmd === "organisations") return [ORG];
    if (cmd === "quick_find") {
      const req = a.request as QuickFindRequest;
      asked.push(req);
      return req.text.toLowerCase().includes("söhne") ? FOUND : { documents: [], contacts: [], accounts: [], attachments: [] };
    }
    throw { code: "internal", message: `unexpected ${cmd}` };
  });
  return { asked };
}

describe("the Ctrl-K palette", () => {
  it("opens on Ctrl+K or ⌘K only", () => {
    const key = (k: Partial<KeyboardEvent>) => ({ key: "k", ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...k });
    expect(isPaletteKey(key({ ctrlKey: true }))).toBe(true);
    expect(isPaletteKey(key({ metaKey: true, key: "K" }))).toBe(true);
    expect(isPaletteKey(key({}))).toBe(false);
    expect(isPaletteKey(key({ ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(isPaletteKey(key({ ctrlKey: true, key: "j" }))).toBe(false);
  });

  it("finds documents, contacts, accounts, files and screens, and opens the one chosen with the keyboard", async () => {
    const { asked } = backend();
    const user = userEvent.setup();
    const { router } = renderApp("/dashboard");
    await user.keyboard("{Control>}k{/Control}");
    const input = await screen.findByTestId("palette-input");
    expect(input).toHaveFocus();
    await user.type(input, "söhne");
    const list = screen.getByTestId("palette-results");
    await waitFor(() => expect(within(list).getAllByTestId("palette-choice")).toHaveLength(4));
    expect(asked.at(-1)).toEqual({ tenantId: "t-1", text: "söhne", limit: 6 });
    // Typing paused once: the ledger was asked for the whole word, not for each letter.
    expect(asked.filter((r) => r.text !== "söhne")).toHaveLength(0);
    const labels = within(list).getAllByTestId("palette-choice").map((li) => li.textContent);
    expect(labels[0]).toContain("INV-0042 · Müller & Söhne");
    expect(labels[0]).toContain("1200.50");
    expect(labels[1]).toContain("info@soehne.example");
    expect(labels[2]).toContain("200 Söhne sales");
    expect(labels[3]).toContain("söhne-receipt.pdf");
    expect(within(list).getAllByRole("presentation").map((h) => h.textContent)).toEqual(["Documents", "Contacts", "Accounts", "Files"]);

    // Down three times: the file; Enter opens the record it belongs to, and the palette closes.
    await user.keyboard("{ArrowDown}{ArrowDown}{ArrowDown}");
    expect(within(list).getAllByRole("option")[3]).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{Enter}");
    await waitFor(() => expect(router.state.location.pathname).toBe("/records/bankTransaction/bt-9"));
    expect(screen.queryByTestId("palette")).toBeNull();
  });

  it("finds screens by name, opens an account's general ledger, and says when nothing holds the words", async () => {
    backend();
    const user = userEvent.setup();
    const { router } = renderApp("/dashboard");
    await user.keyboard("{Control>}k{/Control}");
    const input = await screen.findByTestId("palette-input");
    await user.type(input, "zzqx");
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Nothing holds “zzqx”."));
    await user.clear(input);
    await user.type(input, "general");
    const list = screen.getByTestId("palette-results");
    await waitFor(() => expect(within(list).getAllByTestId("palette-choice")[0]).toHaveTextContent("General ledger"));
    await user.clear(input);
    await user.type(input, "söhne");
    await waitFor(() => expect(within(list).getAllByTestId("palette-choice")).toHaveLength(4));
    await user.click(within(list).getAllByTestId("palette-choice")[2] as HTMLElement);
    await waitFor(() => expect(router.state.location.pathname).toBe("/general-ledger"));
    expect(router.state.location.search).toMatchObject({ account: "acc-1" });
  });

  it("closes on Escape and gives the focus back", async () => {
    backend();
    const user = userEvent.setup();
    renderApp("/dashboard");
    const toggle = await screen.findByTestId("theme-toggle");
    toggle.focus();
    await user.keyboard("{Control>}k{/Control}");
    await screen.findByTestId("palette-input");
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("palette")).toBeNull();
    expect(toggle).toHaveFocus();
  });
});

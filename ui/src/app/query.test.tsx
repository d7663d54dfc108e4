import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { commands, type LedgerOrganisation, type ListContactsRequest } from "../bindings";
import { ContactsScreen } from "../screens/ContactsScreen";
import { render, renderInRouter } from "../test/render";
import { OrganisationProvider } from "./organisation";
import { useCommandQuery } from "./query";

const ORG: LedgerOrganisation = { tenantId: "t-1", name: "Kōwhai Design", baseCurrency: "NZD", timezone: null, ianaTimezone: null, periodLockDate: null, lastSyncedUtc: null };

function Info() {
  const { result, reload } = useCommandQuery(["appInfo"], commands.appInfo);
  return (
    <>
      <p data-testid="state">{result.state === "error" ? `${result.error.code}: ${result.error.message} (${result.error.fields?.map((f) => f.field).join(",") ?? ""})` : result.state}</p>
      <button type="button" onClick={reload}>
        Again
      </button>
    </>
  );
}

describe("commands through the query cache", () => {
  it("keeps a refused command's code, message and fields, and asks again on reload", async () => {
    let calls = 0;
    mockIPC((cmd) => {
      if (cmd === "app_info") calls += 1;
      throw { code: "invalid", message: "No.", fields: [{ field: "asAt", message: "No." }] };
    });
    const user = userEvent.setup();
    render(<Info />);
    await waitFor(() => expect(screen.getByTestId("state")).toHaveTextContent("invalid: No. (asAt)"));
    expect(calls).toBe(1); // a refusal is an answer: not retried
    await user.click(screen.getByRole("button", { name: "Again" }));
    await waitFor(() => expect(calls).toBe(2));
    await waitFor(() => expect(screen.getByTestId("state")).toHaveTextContent("invalid: No. (asAt)"));
  });

  it("reads a screen's listing again, every page of it, when the ledger changes", async () => {
    let suffix = "before";
    const asked: { cmd: string; after: string | null }[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "organisations") {
          asked.push({ cmd, after: null });
          return [ORG];
        }
        if (cmd === "list_contacts") {
          const req = (args as { request: ListContactsRequest }).request;
          asked.push({ cmd, after: req.after ?? null });
          const c = (n: number) => ({ xeroId: `c-${n}`, name: `Contact ${n} ${suffix}`, email: null, status: "ACTIVE", isCustomer: true, isSupplier: false, balances: [] });
          return req.after === "p2" ? { rows: [c(3)], nextCursor: null } : { rows: [c(1), c(2)], nextCursor: "p2" };
        }
        throw { code: "internal", message: `unexpected ${cmd}` };
      },
      { shouldMockEvents: true },
    );
    const user = userEvent.setup();
    await renderInRouter(
      <OrganisationProvider>
        <ContactsScreen onOpenRecord={() => undefined} />
      </OrganisationProvider>,
    );
    await user.click(await screen.findByRole("button", { name: "More contacts" }));
    await waitFor(() => expect(screen.getAllByTestId("contact-row")).toHaveLength(3));
    expect(screen.getAllByTestId("contact-row")[2]).toHaveTextContent("Contact 3 before");
    const before = asked.length;

    suffix = "after";
    await emit("ledger-changed", { tenantId: "t-1" });
    await waitFor(() => expect(screen.getAllByTestId("contact-row")[2]).toHaveTextContent("Contact 3 after"));
    expect(screen.getAllByTestId("contact-row")[0]).toHaveTextContent("Contact 1 after");
    // The organisations and both pages of contacts were read again, the pages in order.
    const again = asked.slice(before);
    expect(again.filter((a) => a.cmd === "organisations")).toHaveLength(1);
    expect(again.filter((a) => a.cmd === "list_contacts").map((a) => a.after)).toEqual([null, "p2"]);
  });
});

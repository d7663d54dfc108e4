import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, within } from "@testing-library/react";
import { render } from "../../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ScopeGrantView, XeroAppSettings, XeroAppView } from "../../bindings";
import { XeroAppSection } from "./XeroAppSection";

const NOTHING_SAVED: XeroAppSettings = {
  clientId: null,
  oauthPort: null,
  scopes: null,
  loginUrl: null,
  identityUrl: null,
  apiUrl: null,
};

const DEMO: XeroAppView = {
  saved: NOTHING_SAVED,
  clientId: null,
  oauthPort: 53682,
  redirectUri: "http://localhost:53682/callback",
  scopes: ["openid", "offline_access"],
  legacyScopes: false,
  recordPayments: false,
  missingScopes: [],
  scopeGrants: [],
  loginUrl: "http://127.0.0.1:1234",
  identityUrl: "http://127.0.0.1:1234",
  apiUrl: "http://127.0.0.1:1234",
  fromEnvironment: [],
  restartNeeded: false,
  demo: true,
};

describe("the Xero app settings", () => {
  it("saves the client id and port, and says they apply at the next start", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "xero_app") return DEMO;
      if (cmd === "set_xero_app") {
        sent.push(args);
        const request = (args as { request: XeroAppSettings }).request;
        return { ...DEMO, saved: request, restartNeeded: true };
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<XeroAppSection />);
    expect(await screen.findByTestId("xero-app-in-use")).toHaveTextContent("demo company");
    await user.type(screen.getByTestId("xero-client-id"), "0123ABCD");
    // Checked as it is typed, by the first-run guide's rule.
    expect(screen.getByTestId("xero-client-id-check")).toHaveTextContent("this has 8");
    expect(screen.getByTestId("xero-client-id")).toHaveAttribute("aria-invalid", "true");
    await user.type(screen.getByTestId("xero-client-id"), "0123456789ABCDEF01234567");
    expect(screen.queryByTestId("xero-client-id-check")).toBeNull();
    expect(screen.getByTestId("xero-client-id")).toHaveAttribute("aria-invalid", "false");
    await user.type(screen.getByTestId("xero-port"), "8123");
    await user.click(screen.getByTestId("save-xero-app"));
    const id = "0123ABCD0123456789ABCDEF01234567";
    expect(sent).toEqual([{ request: { ...NOTHING_SAVED, clientId: id, oauthPort: 8123, recordPayments: false, legacyScopes: false } }]);
    expect(await screen.findByTestId("xero-app-saved")).toHaveTextContent("Restart Ledgerkeep");
  });

  it("saves recording payments turned on, to ask for write access at the next sign-in", async () => {
    const sent: XeroAppSettings[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "xero_app") return { ...DEMO, saved: { ...NOTHING_SAVED, legacyScopes: true } };
      if (cmd === "set_xero_app") {
        const request = (args as { request: XeroAppSettings }).request;
        sent.push(request);
        return { ...DEMO, saved: request, restartNeeded: true };
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<XeroAppSection />);
    const legacy = await screen.findByRole("checkbox", { name: /made before March 2026/ });
    await screen.findByTestId("xero-app-in-use");
    expect(legacy).toBeChecked();
    const record = screen.getByRole("checkbox", { name: "Record payments in Xero from Ledgerkeep" });
    expect(record).not.toBeChecked();
    await user.click(record);
    await user.click(screen.getByTestId("save-xero-app"));
    expect(sent).toEqual([{ ...NOTHING_SAVED, legacyScopes: true, recordPayments: true }]);
  });

  it("shows the field-by-field refusal, and what the environment sets cannot be edited", async () => {
    mockIPC((cmd) => {
      if (cmd === "xero_app") return { ...DEMO, fromEnvironment: ["oauthPort"] };
      if (cmd === "set_xero_app") throw { code: "invalid", message: "Client id: copy it from your app at developer.xero.com (letters and digits only)." };
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<XeroAppSection />);
    await screen.findByTestId("xero-app-in-use");
    expect(screen.getByTestId("xero-port")).toBeDisabled();
    await user.type(screen.getByTestId("xero-client-id"), "not valid!");
    await user.click(screen.getByTestId("save-xero-app"));
    expect(await screen.findByTestId("xero-app-error")).toHaveTextContent("Client id:");
  });
});

/** A scope as the backend reports it. */
const grant = (scope: string, state: ScopeGrantView["grant"], opens: string[], lacking: string[] = []): ScopeGrantView => ({
  scope,
  grant: state,
  lacking,
  opens,
});

/** A granular app recording payments, whose sign-in predates that and lacks bank transactions. */
const RECORDING: XeroAppView = {
  ...DEMO,
  demo: false,
  clientId: "0123ABCD",
  scopes: ["offline_access", "accounting.invoices.read", "accounting.banktransactions.read", "accounting.reports.profitandloss.read", "accounting.payments"],
  recordPayments: true,
  missingScopes: ["accounting.banktransactions.read", "accounting.payments"],
  scopeGrants: [
    grant("offline_access", "granted", []),
    grant("accounting.invoices.read", "granted", ["Invoices", "CreditNotes"]),
    grant("accounting.banktransactions.read", "notGranted", ["BankTransactions", "BankTransfers"], ["Kōwhai Plumbing Ltd"]),
    grant("accounting.reports.profitandloss.read", "granted", ["Reports/ProfitAndLoss"]),
    grant("accounting.payments", "notGranted", ["Payments", "Overpayments", "Prepayments"], ["Kōwhai Plumbing Ltd"]),
  ],
};

const row = (scope: string) => {
  const r = screen.getAllByTestId("xero-scope").find((el) => el.dataset.scope === scope);
  if (!r) throw new Error(`no row for ${scope}`);
  return r;
};

describe("the permissions asked for at sign-in", () => {
  it("says which are granted, what each enables and what one not granted costs, and signs in again to add write access to payments", async () => {
    const calls: string[] = [];
    let signedIn = false;
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === "xero_app")
        return signedIn
          ? { ...RECORDING, missingScopes: [], scopeGrants: RECORDING.scopeGrants.map((g) => ({ ...g, grant: "granted", lacking: [] })) }
          : RECORDING;
      if (cmd === "connect_xero") {
        signedIn = true;
        return { connectionId: "c-2", organisations: [] };
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<XeroAppSection />);
    const table = await screen.findByRole("table", { name: /permissions \(scopes\) asked for/i });
    expect(within(table).getAllByRole("row")).toHaveLength(1 + RECORDING.scopeGrants.length);

    const invoices = row("accounting.invoices.read");
    expect(within(invoices).getByRole("rowheader")).toHaveTextContent("Invoices and bills");
    expect(invoices).toHaveTextContent("Granted");
    expect(invoices).toHaveTextContent("Read your invoices, bills and credit notes");
    expect(within(invoices).queryByTestId("xero-scope-cost")).toBeNull();
    expect(row("accounting.reports.profitandloss.read")).toHaveTextContent("Profit and loss report");

    const bank = row("accounting.banktransactions.read");
    expect(bank).toHaveTextContent("Not granted");
    expect(bank).toHaveTextContent("Missing for Kōwhai Plumbing Ltd");
    expect(within(bank).getByTestId("xero-scope-cost")).toHaveTextContent("Bank transactions will not sync");

    const pay = row("accounting.payments");
    expect(pay).toHaveTextContent("Not granted");
    expect(pay).toHaveTextContent("Record payments in Xero");
    expect(within(pay).getByTestId("xero-scope-cost")).toHaveTextContent("Payments cannot be recorded in Xero");

    expect(screen.getByTestId("xero-scopes-missing")).toHaveTextContent("Recording payments is on");
    await user.click(screen.getByRole("button", { name: "Sign in again to add this permission" }));
    expect(await screen.findByTestId("xero-signed-in-again")).toHaveTextContent("Signed in again");
    expect(calls.filter((c) => c === "connect_xero")).toHaveLength(1);
    expect(row("accounting.payments")).toHaveTextContent("Granted");
    expect(row("accounting.payments")).not.toHaveTextContent("Not granted");
    expect(screen.queryByTestId("xero-sign-in-again")).toBeNull();
  });

  it("offers no second sign-in when everything is granted, and says when no one has signed in yet", async () => {
    mockIPC((cmd) => {
      if (cmd === "xero_app")
        return { ...RECORDING, recordPayments: false, missingScopes: [], scopeGrants: RECORDING.scopeGrants.slice(0, 4).map((g) => ({ ...g, grant: "notSignedIn", lacking: [] })) };
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    render(<XeroAppSection />);
    await screen.findByTestId("xero-scopes");
    expect(screen.getAllByTestId("xero-scope")).toHaveLength(4);
    expect(row("accounting.banktransactions.read")).toHaveTextContent("Not signed in yet");
    expect(screen.queryByTestId("xero-scope-cost")).toBeNull();
    expect(screen.queryByTestId("xero-sign-in-again")).toBeNull();
  });

  it("asks to sign in again for a scope not granted even when payments are not recorded", async () => {
    mockIPC((cmd) => {
      if (cmd === "xero_app") return { ...RECORDING, recordPayments: false, scopeGrants: RECORDING.scopeGrants.slice(0, 4) };
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    render(<XeroAppSection />);
    expect(await screen.findByTestId("xero-scopes-missing")).not.toHaveTextContent("Recording payments");
    expect(screen.getByTestId("xero-sign-in-again")).toHaveTextContent("Sign in again to add this permission");
  });
});

import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Connected, XeroAppSettings, XeroAppView, XeroConnectionTest } from "../../bindings";
import { render } from "../../test/render";
import { ConnectXeroGuide } from "./ConnectXeroGuide";
import { clientIdProblem } from "./clientId";

const GOOD_ID = "0123456789ABCDEF0123456789ABCDEF";

function appView(over: Partial<XeroAppView> = {}): XeroAppView {
  return {
    saved: {} as XeroAppSettings,
    clientId: null,
    oauthPort: 53682,
    redirectUri: "http://localhost:53682/callback",
    scopes: ["openid", "offline_access"],
    legacyScopes: false,
    recordPayments: false,
    missingScopes: [],
    scopeGrants: [],
    loginUrl: "https://login.xero.com",
    identityUrl: "https://identity.xero.com",
    apiUrl: "https://api.xero.com",
    fromEnvironment: [],
    restartNeeded: false,
    demo: true,
    ...over,
  };
}

const CONNECTED: Connected = {
  connectionId: "conn-1",
  organisations: [{ connectionId: "conn-1", tenantId: "t-1", name: "Kōwhai Design", kept: false, status: "connected" }],
};
const TESTED: XeroConnectionTest = {
  organisations: [
    {
      tenantId: "t-1",
      name: "Kōwhai Design Ltd",
      callsADay: 1000,
      callsLeftToday: 996,
      starter: true,
      invoices: 2400,
      bankTransactions: 800,
      firstSyncCalls: 23,
      firstSyncMoreDays: 0,
    },
  ],
};

describe("Connect your own Xero", () => {
  it("checks the client id as it is typed and saves it only once it has Xero's shape", async () => {
    const saved: unknown[] = [];
    let view = appView();
    mockIPC((cmd, args) => {
      if (cmd === "xero_app") return view;
      if (cmd === "set_xero_app") {
        saved.push(args);
        view = appView({ saved: { ...view.saved, clientId: GOOD_ID }, restartNeeded: true });
        return view;
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<ConnectXeroGuide />);
    const input = await screen.findByLabelText("Client id");
    const check = screen.getByTestId("client-id-check");
    const save = screen.getByTestId("save-client-id");
    expect(check).toHaveTextContent("Paste the client id");
    // A hint before anything is typed, not an error.
    expect(check).toHaveClass("muted");
    expect(save).toBeDisabled();

    await user.type(input, "0123456789ABCDEF");
    expect(check).toHaveTextContent("has 32 characters; this has 16");
    expect(check).toHaveClass("error");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(save).toBeDisabled();

    await user.clear(input);
    await user.type(input, GOOD_ID.toLowerCase());
    expect(check).toHaveTextContent("capital letters");

    await user.clear(input);
    await user.type(input, `${GOOD_ID.slice(0, 31)}-`);
    expect(check).toHaveTextContent("remove “-”");

    await user.clear(input);
    await user.type(input, GOOD_ID);
    expect(check).toHaveTextContent("has the shape of a Xero client id");
    expect(input).toHaveAttribute("aria-invalid", "false");
    await user.click(save);
    expect(saved).toEqual([{ request: { clientId: GOOD_ID } }]);
    expect(await screen.findByTestId("guide-restart")).toHaveTextContent("Restart Ledgerkeep");
  });

  it("shows the steps and copies the exact redirect address the app uses", async () => {
    mockIPC((cmd) => {
      if (cmd === "xero_app") return appView({ oauthPort: 61234, redirectUri: "http://localhost:61234/callback" });
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const user = userEvent.setup();
    render(<ConnectXeroGuide />);
    const steps = screen.getByTestId("guide-steps");
    expect(within(steps).getAllByRole("listitem")).toHaveLength(4);
    expect(steps).toHaveTextContent("developer.xero.com");
    expect(steps).toHaveTextContent("New app");
    expect(steps).toHaveTextContent("Auth code with PKCE");
    expect(await screen.findByDisplayValue("http://localhost:61234/callback")).toBeInTheDocument();
    // userEvent installs its own clipboard: put ours back after setup.
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await user.click(screen.getByTestId("copy-redirect-uri"));
    expect(writeText).toHaveBeenCalledWith("http://localhost:61234/callback");
    expect(await screen.findByText("Copied to the clipboard.")).toBeInTheDocument();
  });

  it("says what the Starter tier allows and that Journals is not needed", async () => {
    mockIPC((cmd) => {
      if (cmd === "xero_app") return appView();
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    render(<ConnectXeroGuide />);
    const facts = screen.getByTestId("plan-facts");
    expect(facts).toHaveTextContent("Starter");
    expect(facts).toHaveTextContent("1,000 calls a day");
    expect(facts).toHaveTextContent("up to 5 organisations");
    expect(facts).toHaveTextContent("Journals are not needed");
    expect(facts).toHaveTextContent("further 1,000 documents");
  });

  it("signs in, tests the connection, shows each organisation's day and keeps them", async () => {
    const calls: string[] = [];
    const kept: unknown[] = [];
    mockIPC((cmd, args) => {
      calls.push(cmd);
      if (cmd === "xero_app") return appView({ demo: false, clientId: GOOD_ID, saved: { clientId: GOOD_ID } as XeroAppSettings });
      if (cmd === "connect_xero") return CONNECTED;
      if (cmd === "test_xero_connection") return TESTED;
      if (cmd === "keep_organisations") {
        kept.push(args);
        return [];
      }
      if (cmd === "xero_organisations") return [];
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<ConnectXeroGuide />);
    const connect = screen.getByTestId("guide-connect");
    await vi.waitFor(() => expect(connect).toBeEnabled());
    await user.click(connect);
    const tested = await screen.findByTestId("tested-organisations");
    expect(calls.indexOf("connect_xero")).toBeLessThan(calls.indexOf("test_xero_connection"));
    expect(tested).toHaveTextContent("Kōwhai Design Ltd");
    expect(tested).toHaveTextContent("1,000 calls a day (Starter)");
    expect(tested).toHaveTextContent("996 left today");
    expect(tested).toHaveTextContent("2,400 invoices and bills");
    expect(tested).toHaveTextContent("about 23 calls, within today's calls");
    await user.click(screen.getByTestId("guide-keep"));
    expect(kept).toEqual([{ request: { connectionId: "conn-1", tenantIds: ["t-1"] } }]);
    expect(await screen.findByTestId("guide-done")).toHaveTextContent("first sync has started");
  });

  it("cannot sign in while the demo company stands in, and keeps the demo one click away", async () => {
    mockIPC((cmd) => {
      if (cmd === "xero_app") return appView();
      if (cmd === "explore_demo") return [{ connectionId: "demo", tenantId: "d-1", name: "Demo Company (NZ)", kept: true, status: "connected" }];
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<ConnectXeroGuide />);
    expect(await screen.findByTestId("guide-needs-app")).toBeInTheDocument();
    expect(screen.getByTestId("guide-connect")).toBeDisabled();
    await user.click(screen.getByTestId("guide-explore-demo"));
    expect(await screen.findByTestId("guide-demo-connected")).toHaveTextContent("Demo Company (NZ)");
  });

  it("words the rule the api applies", () => {
    expect(clientIdProblem(` ${GOOD_ID} `)).toBeNull();
    expect(clientIdProblem("X".repeat(33))).toContain("this has 33");
  });
});

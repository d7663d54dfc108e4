import { mockIPC } from "@tauri-apps/api/mocks";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { XeroAppSettings, XeroAppView } from "../bindings";
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
    await user.type(screen.getByTestId("xero-port"), "8123");
    await user.click(screen.getByTestId("save-xero-app"));
    expect(sent).toEqual([{ request: { ...NOTHING_SAVED, clientId: "0123ABCD", oauthPort: 8123 } }]);
    expect(await screen.findByTestId("xero-app-saved")).toHaveTextContent("Restart Ledgerkeep");
  });

  it("shows the field-by-field refusal, and what the environment sets cannot be edited", async () => {
    mockIPC((cmd) => {
      if (cmd === "xero_app") return { ...DEMO, fromEnvironment: ["oauthPort"] };
      if (cmd === "set_xero_app") throw { code: "invalid", message: "Client id: copy it from your app at developer.xero.com (letters and digits only)." };
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<XeroAppSection />);
    expect(await screen.findByTestId("xero-port")).toBeDisabled();
    await user.type(screen.getByTestId("xero-client-id"), "not valid!");
    await user.click(screen.getByTestId("save-xero-app"));
    expect(await screen.findByTestId("xero-app-error")).toHaveTextContent("Client id:");
  });
});

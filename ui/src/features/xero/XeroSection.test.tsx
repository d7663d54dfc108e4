import { mockIPC } from "@tauri-apps/api/mocks";
import { screen } from "@testing-library/react";
import { render } from "../../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Connected, OrganisationView } from "../../bindings";
import { XeroSection } from "./XeroSection";

const KOWHAI: OrganisationView = { connectionId: "conn-1", tenantId: "t-1", name: "Kōwhai Design", kept: false, status: "connected" };
const CONNECTED: Connected = {
  connectionId: "conn-1",
  organisations: [KOWHAI, { connectionId: "conn-1", tenantId: "t-2", name: "Harbour Bikes", kept: false, status: "connected" }],
};

describe("the Xero settings", () => {
  it("connects, offers the organisations and keeps the chosen ones", async () => {
    let kept: OrganisationView[] = [];
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "xero_organisations") return kept;
      if (cmd === "connect_xero") return CONNECTED;
      if (cmd === "keep_organisations") {
        sent.push(args);
        kept = [{ ...KOWHAI, kept: true }];
        return kept;
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<XeroSection />);
    expect(await screen.findByText("No organisation is connected.")).toBeInTheDocument();
    await user.click(screen.getByTestId("connect-xero"));
    await screen.findByTestId("choose-organisations");
    await user.click(screen.getByLabelText("Harbour Bikes")); // untick one
    await user.click(screen.getByRole("button", { name: "Keep these" }));
    expect(sent).toEqual([{ request: { connectionId: "conn-1", tenantIds: ["t-1"] } }]);
    expect(await screen.findByTestId("xero-organisations")).toHaveTextContent("Kōwhai Design");
    expect(screen.getByTestId("xero-organisations")).toHaveTextContent("Kept on this computer");
  });

  it("says why a sign-in could not start", async () => {
    mockIPC((cmd) => {
      if (cmd === "xero_organisations") return [];
      throw { code: "invalid", message: "No Xero app is set up: set its client id first." };
    });
    const user = userEvent.setup();
    render(<XeroSection />);
    await user.click(await screen.findByTestId("connect-xero"));
    expect(await screen.findByTestId("xero-error")).toHaveTextContent("No Xero app is set up");
  });

  it("offers to sign in again for an organisation whose sign-in needs it", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === "xero_organisations") return [{ ...KOWHAI, kept: true, status: "needsReauthorisation" }];
      if (cmd === "connect_xero") return CONNECTED;
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<XeroSection />);
    expect(await screen.findByTestId("xero-organisations")).toHaveTextContent("Sign in again");
    await user.click(screen.getByTestId("reauthorise"));
    expect(calls).toContain("connect_xero");
    expect(await screen.findByTestId("choose-organisations")).toHaveTextContent("Harbour Bikes");
  });

  it("connects the demo company while no Xero app is set up", async () => {
    let kept: OrganisationView[] = [];
    mockIPC((cmd) => {
      if (cmd === "xero_organisations") return kept;
      if (cmd === "explore_demo") {
        kept = [{ ...KOWHAI, kept: true }];
        return kept;
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    const { rerender } = render(<XeroSection />);
    expect(screen.queryByTestId("settings-explore-demo")).toBeNull();
    rerender(<XeroSection demo />);
    await user.click(await screen.findByTestId("settings-explore-demo"));
    expect(await screen.findByTestId("settings-demo-connected")).toHaveTextContent("Kōwhai Design");
    expect(await screen.findByTestId("xero-organisations")).toHaveTextContent("Kept on this computer");
  });
});

import { mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { OrganisationProvider } from "../app/organisation";
import { DashboardScreen } from "./DashboardScreen";

function backend(demo: boolean) {
  const calls: string[] = [];
  mockIPC((cmd) => {
    calls.push(cmd);
    if (cmd === "organisations") return [];
    if (cmd === "app_info") return { appVersion: "0.1.0", schemaVersion: 2, latestSchemaVersion: 2, dataDir: "/d", ledgerFile: "/d/l", logsDir: "/d/logs", backupsDir: "/d/b", os: "linux", demo };
    if (cmd === "explore_demo")
      return [
        { connectionId: "c", tenantId: "t-1", name: "Kōwhai Plumbing Ltd", kept: true, status: "connected" },
        { connectionId: "c", tenantId: "t-2", name: "Brightside Café Pty Ltd", kept: true, status: "connected" },
      ];
    throw { code: "internal", message: `unexpected ${cmd}` };
  });
  return calls;
}

const renderDashboard = () =>
  render(
    <OrganisationProvider>
      <DashboardScreen />
    </OrganisationProvider>,
  );

describe("the dashboard", () => {
  it("offers the demo company, labelled as demo data, while no Xero app is set up", async () => {
    const calls = backend(true);
    const user = userEvent.setup();
    renderDashboard();
    expect(await screen.findByTestId("demo-banner")).toHaveTextContent("made up");
    await user.click(screen.getByTestId("explore-demo"));
    expect(await screen.findByTestId("demo-connected")).toHaveTextContent("Kōwhai Plumbing Ltd, Brightside Café Pty Ltd");
    // The organisation list is read again after connecting.
    expect(calls.filter((c) => c === "organisations").length).toBe(2);
  });

  it("offers no demo once a Xero app is set up", async () => {
    const calls = backend(false);
    renderDashboard();
    expect(await screen.findByText("No organisation yet")).toBeInTheDocument();
    await waitFor(() => expect(calls).toContain("app_info"));
    await new Promise((r) => setTimeout(r, 50)); // let its answer render
    expect(screen.queryByTestId("explore-demo")).toBeNull();
    expect(screen.queryByTestId("demo-banner")).toBeNull();
  });
});

import { mockIPC } from "@tauri-apps/api/mocks";
import { screen } from "@testing-library/react";
import { render } from "../../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { DataSettings } from "../../bindings";
import { DataSection } from "./DataSection";

const SAVED: DataSettings = { syncIntervalMinutes: 15, backupKeep: 10, backupEveryHours: 24, syncRunsKeepDays: 90 };

describe("Settings → Data and sync", () => {
  it("shows the saved values and saves the changed ones", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "data_settings") return SAVED;
      if (cmd === "set_data_settings") {
        sent.push(args);
        return (args as { request: DataSettings }).request;
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<DataSection />);
    const keep = await screen.findByLabelText("Backups to keep");
    expect(keep).toHaveValue("10");
    expect(screen.getByLabelText("Sync each organisation every (minutes)")).toHaveValue("15");
    await user.clear(keep);
    await user.type(keep, "4");
    await user.click(screen.getByTestId("save-data-settings"));
    expect(await screen.findByTestId("data-settings-saved")).toHaveTextContent("Saved.");
    expect(sent).toEqual([{ request: { ...SAVED, backupKeep: 4 } }]);
  });

  it("shows each refusal beside its input, and sends nothing that is not a whole number", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "data_settings") return SAVED;
      if (cmd === "set_data_settings") {
        sent.push(args);
        throw {
          code: "invalid",
          message: "Sync every 5 to 1,440 minutes (a day).",
          fields: [{ field: "syncIntervalMinutes", message: "Sync every 5 to 1,440 minutes (a day)." }],
        };
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<DataSection />);
    const days = await screen.findByLabelText("Days of sync log to keep");
    await user.clear(days);
    await user.type(days, "ninety");
    await user.click(screen.getByTestId("save-data-settings"));
    expect(await screen.findByTestId("error-syncRunsKeepDays")).toHaveTextContent("A whole number.");
    expect(days).toHaveAttribute("aria-invalid", "true");
    expect(sent).toEqual([]);

    await user.clear(days);
    await user.type(days, "90");
    const interval = screen.getByLabelText("Sync each organisation every (minutes)");
    await user.clear(interval);
    await user.type(interval, "1");
    await user.click(screen.getByTestId("save-data-settings"));
    expect(await screen.findByTestId("error-syncIntervalMinutes")).toHaveTextContent("5 to 1,440 minutes");
    expect(interval).toHaveAttribute("aria-describedby", "error-syncIntervalMinutes");
    expect(screen.queryByTestId("error-syncRunsKeepDays")).toBeNull();
    expect(sent).toHaveLength(1);
  });
});

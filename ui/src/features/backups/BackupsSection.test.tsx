import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, within } from "@testing-library/react";
import { render } from "../../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { BackupFileView, BackupsView } from "../../bindings";
import { BackupsSection, localTime } from "./BackupsSection";

const FOLDER = "/home/owner/.local/share/ledgerkeep/backups";
const OLD: BackupFileView = {
  path: `${FOLDER}/ledger-20260301T090000000Z-backup.sqlite`,
  fileName: "ledger-20260301T090000000Z-backup.sqlite",
  madeAtUtc: "2026-03-01T09:00:00.000Z",
  sizeKib: 2300,
  kind: "backup",
};
const EMPTY: BackupsView = { folder: FOLDER, backups: [], pendingRestore: null, lastRestore: null };

describe("Settings → Backups", () => {
  it("backs up now and lists the new backup with its time, kind and size", async () => {
    let view = EMPTY;
    mockIPC((cmd) => {
      if (cmd === "list_backups") return view;
      if (cmd === "backup_now") {
        view = { ...view, backups: [OLD] };
        return { path: OLD.path, sizeKib: 2300, schemaVersion: 7, auditRows: 1234 };
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<BackupsSection />);
    expect(await screen.findByTestId("no-backups")).toHaveTextContent(FOLDER);
    await user.click(screen.getByTestId("backup-now"));
    expect(await screen.findByTestId("backup-made")).toHaveTextContent(`Backed up and checked: ${OLD.path} (2.2 MB, 1,234 audit rows)`);
    const row = await screen.findByTestId("backup-row");
    expect(row).toHaveTextContent(localTime(OLD.madeAtUtc));
    expect(row).toHaveTextContent("Backup");
    expect(row).toHaveTextContent("2.2 MB");
  });

  it("asks first, checks the backup, and then says the restore runs when Ledgerkeep closes", async () => {
    let view: BackupsView = { ...EMPTY, backups: [OLD] };
    const chosen: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "list_backups") return view;
      if (cmd === "choose_restore") {
        chosen.push(args);
        view = { ...view, pendingRestore: { from: OLD.path, chosenAtUtc: "2026-03-02T10:00:00.000Z", schemaVersion: 7, auditRows: 99 } };
        return view;
      }
      if (cmd === "cancel_restore") {
        view = { ...view, pendingRestore: null };
        return view;
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<BackupsSection />);
    const row = await screen.findByTestId("backup-row");
    await user.click(within(row).getByRole("button", { name: /Restore the backup of/ }));
    expect(screen.getByTestId("confirm-restore")).toHaveTextContent("a damaged one is refused and nothing changes");
    expect(chosen).toEqual([]);
    await user.click(screen.getByTestId("confirm-restore-yes"));
    expect(chosen).toEqual([{ request: { from: OLD.path } }]);
    const pending = await screen.findByTestId("pending-restore");
    expect(pending).toHaveTextContent("The restore runs when Ledgerkeep closes");
    expect(screen.getByTestId("restart-to-restore")).toBeInTheDocument();
    await user.click(screen.getByTestId("cancel-restore"));
    expect(screen.queryByTestId("pending-restore")).toBeNull();
  });

  it("says why a damaged backup was refused, and what the last restore did", async () => {
    mockIPC((cmd) => {
      if (cmd === "list_backups")
        return {
          ...EMPTY,
          backups: [OLD],
          lastRestore: { atUtc: "2026-03-01T10:00:00.000Z", from: OLD.path, restored: true, message: "The ledger was restored.", previousCopy: null },
        };
      if (cmd === "choose_restore")
        throw { code: "corrupt", message: `The backup ${OLD.path} is damaged or is not a ledger. Nothing was restored; your ledger was not changed.` };
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<BackupsSection />);
    expect(await screen.findByTestId("last-restore")).toHaveTextContent("The ledger was restored.");
    await user.click(within(await screen.findByTestId("backup-row")).getByRole("button"));
    await user.click(screen.getByTestId("confirm-restore-yes"));
    expect(await screen.findByTestId("backups-error")).toHaveTextContent("Nothing was restored; your ledger was not changed.");
    expect(screen.queryByTestId("pending-restore")).toBeNull();
  });
});

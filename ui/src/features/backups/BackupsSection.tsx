import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { commands, type ApiError, type BackupFileView, type BackupKind, type BackupView, type BackupsView } from "../../bindings";
import { settle, useCommandQuery, type CommandState } from "../../app/query";
import { DataTable } from "../../components/DataTable";
import { ErrorNotice } from "../../components/ErrorNotice";

const KIND: Record<BackupKind, string> = {
  backup: "Backup",
  before_restore: "Replaced by a restore",
  before_migration: "Before an update of the ledger",
  other: "Other",
};

/** A UTC instant on the computer's calendar and clock. */
export function localTime(utc: string | null): string {
  if (!utc) return "Unknown time";
  const d = new Date(utc);
  return Number.isNaN(d.getTime()) ? utc : d.toLocaleString();
}

function size(kib: number): string {
  return kib >= 1024 ? `${(kib / 1024).toFixed(1)} MB` : `${kib.toLocaleString()} KB`;
}

/**
 * Settings → Backups: back up now, the backups in the backups folder, and a restore. A restore is
 * checked when chosen (a damaged backup is refused and nothing changes) and runs when Ledgerkeep
 * closes, since the running app holds the ledger open; the replaced ledger is kept as a backup.
 */
export function BackupsSection() {
  const client = useQueryClient();
  const { result: listed } = useCommandQuery(["listBackups"], commands.listBackups);
  const view = listed.state === "ok" ? listed.data : null;
  const [made, setMade] = useState<BackupView | null>(null);
  const [confirming, setConfirming] = useState<BackupFileView | null>(null);
  const [busy, setBusy] = useState<"backing-up" | "checking" | null>(null);
  const [actionError, setError] = useState<ApiError | null>(null);
  const error = actionError ?? (listed.state === "error" ? listed.error : null);

  // A restore chosen or cancelled answers with the whole list.
  const show = (r: CommandState<BackupsView>) => {
    if (r.state === "ok") client.setQueryData<BackupsView>(["listBackups"], r.data);
    else if (r.state === "error") setError(r.error);
  };

  const backUp = async () => {
    setError(null);
    setMade(null);
    setBusy("backing-up");
    const r = await settle(() => commands.backupNow({ to: null }));
    setBusy(null);
    if (r.state === "ok") setMade(r.data);
    else if (r.state === "error") setError(r.error);
    await client.invalidateQueries({ queryKey: ["listBackups"] });
  };

  const restore = async (b: BackupFileView) => {
    setError(null);
    setBusy("checking");
    const r = await settle(() => commands.chooseRestore({ from: b.path }));
    setBusy(null);
    setConfirming(null);
    show(r);
  };

  const cancel = async () => {
    setError(null);
    show(await settle(commands.cancelRestore));
  };

  const last = view?.lastRestore;
  const pending = view?.pendingRestore;
  return (
    <>
      <h2>Backups</h2>
      <p className="muted">
        Each backup is a checked copy of the ledger. Ledgerkeep also backs up by itself after a sync when the last backup is
        older than the interval under <em>Data and sync</em>.
      </p>
      <p>
        <button type="button" data-testid="backup-now" onClick={() => void backUp()} disabled={busy !== null}>
          {busy === "backing-up" ? "Backing up and checking…" : "Back up now"}
        </button>
      </p>
      {made && (
        <p role="status" data-testid="backup-made">
          Backed up and checked: {made.path} ({size(made.sizeKib)}, {made.auditRows.toLocaleString()} audit rows).
        </p>
      )}
      {last && (
        <p role={last.restored ? "status" : "alert"} className={last.restored ? "notice" : "error"} data-testid="last-restore">
          {localTime(last.atUtc)}: {last.message}
        </p>
      )}
      {pending && (
        <div className="notice" role="status" data-testid="pending-restore">
          <p>
            Ready to restore {pending.from} (checked: {pending.auditRows.toLocaleString()} audit rows). The restore runs when
            Ledgerkeep closes; your current ledger is kept in the backups folder first.
          </p>
          <button type="button" data-testid="restart-to-restore" onClick={() => void commands.restartApp()}>
            Restart Ledgerkeep now
          </button>{" "}
          <button type="button" data-testid="cancel-restore" onClick={() => void cancel()}>
            Cancel the restore
          </button>
        </div>
      )}
      {confirming && (
        <div className="notice" role="alertdialog" aria-labelledby="confirm-restore-text" data-testid="confirm-restore">
          <p id="confirm-restore-text">
            Restore the ledger from the backup of {localTime(confirming.madeAtUtc)}? Ledgerkeep checks the backup now; a
            damaged one is refused and nothing changes. The restore itself runs when Ledgerkeep closes or restarts, and
            whatever synced since that backup is fetched again by the next sync.
          </p>
          <button type="button" data-testid="confirm-restore-yes" onClick={() => void restore(confirming)} disabled={busy !== null}>
            {busy === "checking" ? "Checking the backup…" : "Check it and restore"}
          </button>{" "}
          <button type="button" onClick={() => setConfirming(null)}>
            Keep my ledger
          </button>
        </div>
      )}
      {error && (
        <ErrorNotice error={error} testId="backups-error" />
      )}
      {view && view.backups.length === 0 && (
        <p className="muted" data-testid="no-backups">
          No backups yet in {view.folder}.
        </p>
      )}
      {view && view.backups.length > 0 && (
        <DataTable
          data={view.backups}
          columns={[
            { header: "Made", id: "made", cell: ({ row }) => localTime(row.original.madeAtUtc) },
            { header: "Kind", id: "kind", cell: ({ row }) => KIND[row.original.kind] },
            { header: "Size", id: "size", meta: { amount: true }, cell: ({ row }) => size(row.original.sizeKib) },
            {
              header: "Restore",
              id: "restore",
              cell: ({ row: { original: b } }) => (
                <button type="button" aria-label={`Restore the backup of ${localTime(b.madeAtUtc)}`} onClick={() => setConfirming(b)}>
                  Restore…
                </button>
              ),
            },
          ]}
          caption={`In ${view.folder}, newest first`}
          testId="backups-list"
          rowKey={(b) => b.path}
          rowProps={(b) => ({ "data-testid": "backup-row", title: b.fileName })}
        />
      )}
    </>
  );
}

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { commands, events, type UpdateChannel, type UpdateProgress, type UpdateStatus } from "../../bindings";
import { call, settle, useCommandQuery, type CommandState } from "../../app/query";
import { onUpdateCheckRequest } from "../../app/updateCheck";
import { useEvent } from "../../app/useEvent";

type Phase =
  | { phase: "idle" }
  | { phase: "checking" }
  | { phase: "checked"; status: UpdateStatus }
  | { phase: "installing"; status: UpdateStatus }
  | { phase: "installed"; version: string }
  | { phase: "failed"; message: string };

/** Settings → Updates: the channel, a check, and a verified download and install. */
export function UpdatesSection() {
  const client = useQueryClient();
  const { result: channel } = useCommandQuery(["updateChannel"], commands.updateChannel);
  const choose = useMutation({
    mutationFn: (next: UpdateChannel) => call(() => commands.setUpdateChannel({ channel: next })),
    onSuccess: (c) => client.setQueryData<UpdateChannel>(["updateChannel"], c),
  });
  const [phase, setPhase] = useState<Phase>({ phase: "idle" });
  const [progress, setProgress] = useState<UpdateProgress | null>(null);
  const current: CommandState<UpdateChannel> = choose.isError ? { state: "error", error: choose.error } : channel;

  useEvent(events.updateDownloadProgress, setProgress);

  const check = useCallback(async () => {
    setPhase({ phase: "checking" });
    const r = await settle(commands.checkForUpdate);
    setPhase(r.state === "ok" ? { phase: "checked", status: r.data } : { phase: "failed", message: r.state === "error" ? r.error.message : "" });
  }, []);

  useEffect(() => onUpdateCheckRequest(() => void check()), [check]);

  const install = async (status: UpdateStatus) => {
    setProgress(null);
    setPhase({ phase: "installing", status });
    const r = await settle(commands.installUpdate);
    if (r.state === "ok") {
      setPhase({ phase: "installed", version: r.data.available?.version ?? status.available?.version ?? "" });
    } else {
      setPhase({ phase: "failed", message: r.state === "error" ? r.error.message : "" });
    }
  };

  return (
    <>
      <h2>Updates</h2>
      {current.state === "ok" && (
        <div className="field">
          <label htmlFor="update-channel">Channel</label>
          <select
            id="update-channel"
            data-testid="update-channel"
            value={current.data}
            onChange={(e) => choose.mutate(e.target.value as UpdateChannel)}
          >
            <option value="stable">Stable</option>
            <option value="beta">Beta (earlier, less tested)</option>
          </select>
        </div>
      )}
      <p>
        <button type="button" data-testid="check-update" onClick={() => void check()} disabled={phase.phase === "checking" || phase.phase === "installing"}>
          {phase.phase === "checking" ? "Checking…" : "Check for updates"}
        </button>
      </p>
      <div data-testid="update-status" role="status">
        {phase.phase === "checked" && !phase.status.available && <p>Ledgerkeep {phase.status.currentVersion} is up to date.</p>}
        {phase.phase === "checked" && phase.status.available && (
          <>
            <p>
              Version {phase.status.available.version} is available (you have {phase.status.currentVersion}).
            </p>
            {phase.status.available.notes && <p className="muted">{phase.status.available.notes}</p>}
            <p className="muted">Your ledger is backed up before the update installs. It takes effect when Ledgerkeep restarts.</p>
            <button type="button" data-testid="install-update" onClick={() => void install(phase.status)}>
              Download and install
            </button>
          </>
        )}
        {phase.phase === "installing" && (
          <>
            <p>Downloading and checking version {phase.status.available?.version}…</p>
            <progress
              data-testid="update-progress"
              max={progress?.totalBytes ?? undefined}
              value={progress?.downloadedBytes ?? undefined}
            />
          </>
        )}
        {phase.phase === "installed" && <p data-testid="update-installed">Version {phase.version} is installed. Restart Ledgerkeep to use it.</p>}
      </div>
      {phase.phase === "failed" && (
        <p role="alert" className="error" data-testid="update-error">
          {phase.message}
        </p>
      )}
    </>
  );
}

import { useState } from "react";
import { commands, events, type FirstSyncView, type SyncProgressView } from "../../bindings";
import { useEvent } from "../../app/useEvent";
import { useCommandQuery } from "../../app/query";
import { DataTable } from "../../components/DataTable";
import { useOrganisationZone } from "../../app/organisation";
import { formatInstant } from "../../lib/format";
import { ErrorNotice } from "../../components/ErrorNotice";

/**
 * The Dashboard's sync status for one organisation: the last run, each stream's
 * state, the day's Xero calls used and, while a sync runs, its progress with the
 * minute's rate-limit use (from the `sync-progressed` event). Read again as a sync moves to its next stream,
 * and when it ends (`ledger-changed`).
 */
export function SyncStatusPanel({ tenantId }: { tenantId: string }) {
  const [progress, setProgress] = useState<SyncProgressView | null>(null);
  const zone = useOrganisationZone();
  const { query, result } = useCommandQuery(["syncStatus", { tenantId }], () => commands.syncStatus({ tenantId }));
  const status = result.state === "ok" ? (result.data.tenants.find((t) => t.tenantId === tenantId) ?? null) : null;
  // A sync of this organisation ended: nothing runs now (the ledger-changed event also reads the status again).
  useEvent(events.ledgerChanged, (e) => {
    if (e.tenantId === tenantId) setProgress(null);
  });
  useEvent(events.syncProgressed, (p) => {
    if (p.tenant !== tenantId) return;
    // A new stream means the last one finished: read the streams' state again.
    if (progress?.stream !== p.stream) void query.refetch();
    setProgress(p);
  });

  return (
    <div data-testid="sync-status">
      <h2>Sync status</h2>
      {progress && (
        <div role="status" data-testid="sync-live">
          <p>
            Syncing {progress.stream}: {progress.records.toLocaleString()} records, {progress.pages} pages
            {progress.etaSeconds !== null ? `, about ${progress.etaSeconds} s left` : ""}.
          </p>
          <label>
            Xero calls used this minute: {progress.rateLimitUsedPct}%{" "}
            <progress max={100} value={progress.rateLimitUsedPct} />
          </label>
        </div>
      )}
      {result.state === "error" && (
        <ErrorNotice error={result.error} />
      )}
      {status !== null && (
        <>
          <p data-testid="sync-last-run">
            {status.lastRun
              ? `Last sync ${status.lastRun.status === "ok" ? "succeeded" : status.lastRun.status}, started ${formatInstant(status.lastRun.startedAt, zone)}: ${status.lastRun.recordsChanged.toLocaleString()} records changed.`
              : "Not synced yet."}
            {status.dayLimitUsedPct !== null && ` ${status.dayLimitUsedPct}% of the day's Xero calls used.`}
          </p>
          {status.firstSync && (
            <p role="status" data-testid="sync-first">
              {firstSyncWords(status.firstSync)}
            </p>
          )}
          {status.refused.length > 0 && (
            <ul data-testid="sync-refused">
              {status.refused.map((r) => (
                <li key={r.stream}>{r.message}</li>
              ))}
            </ul>
          )}
          {status.streams.length > 0 && (
            <DataTable
              data={status.streams}
              columns={[
                { header: "Stream", accessorKey: "stream" },
                {
                  header: "State",
                  id: "state",
                  cell: ({ row: { original: s } }) => (
                    <span className={s.lastError ? "error" : undefined}>
                      {s.status}
                      {s.lastError ? `: ${s.lastError}` : ""}
                    </span>
                  ),
                },
                { header: "Records", id: "records", meta: { amount: true }, cell: ({ row }) => row.original.records.toLocaleString() },
                { header: "Up to", id: "watermark", cell: ({ row }) => formatInstant(row.original.watermark, zone) },
              ]}
              label="Streams"
              testId="sync-streams"
              rowKey={(s) => s.stream}
            />
          )}
        </>
      )}
    </div>
  );
}

/** A first sync that needs more of Xero's calls than a day allows, in words. */
function firstSyncWords(f: FirstSyncView): string {
  const calls = `about ${f.callsLeft.toLocaleString()} Xero ${f.callsLeft === 1 ? "call" : "calls"} left`;
  if (f.moreDays === null) return `The first sync is not finished (${calls}), and Xero's daily limit leaves none for it.`;
  if (f.moreDays === 0) return `The first sync goes on today (${calls}).`;
  const days = f.moreDays === 1 ? "about 1 more day" : `about ${f.moreDays} more days`;
  return `The first sync needs more than Xero's daily limit allows: it goes on each day, the most useful records first, and takes ${days} (${calls}).`;
}

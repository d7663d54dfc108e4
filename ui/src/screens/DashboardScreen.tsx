import { useEffect, useState } from "react";
import { commands, events, type AnomalyRecordView, type SyncProgressView } from "../bindings";
import { useExploreDemo } from "../app/exploreDemo";
import { useEvent } from "../app/useEvent";
import { useOrganisation } from "../app/organisation";
import { useCommandQuery } from "../app/query";
import { EmptyState } from "../components/EmptyState";
import { MARKS, markAfterPaint } from "../lib/marks";
import { AnomaliesPanel } from "../features/anomalies/AnomaliesPanel";
import { DashboardFigures } from "../features/dashboard/DashboardFigures";
import { SyncStatusPanel } from "../features/sync/SyncStatusPanel";
import { ErrorNotice } from "../components/ErrorNotice";

/**
 * The first screen. With no organisation yet, it offers the demo company (when no Xero app is set up).
 * With one, it shows the organisation's figures (`DashboardFigures`: alerts, cash, receivables and
 * payables, recent activity), then what anomaly detection found after the last sync; `onOpenRecord`
 * opens a document or a finding's record in the Transactions drawer.
 */
export function DashboardScreen({ onOpenRecord }: { onOpenRecord?: ((r: AnomalyRecordView) => void) | undefined } = {}) {
  const { current, reload } = useOrganisation();
  const { result: info } = useCommandQuery(["appInfo"], commands.appInfo);
  const { state, explore } = useExploreDemo(reload);
  const demo = info.state === "ok" && info.data.demo;
  // The app is interactive once this first screen shows Rust's first answer.
  const answered = info.state !== "loading";
  useEffect(() => {
    if (answered) markAfterPaint(MARKS.firstScreen, true);
  }, [answered]);
  const [progress, setProgress] = useState<SyncProgressView | null>(null);
  useEvent(events.syncProgressed, setProgress);

  return (
    <section data-testid="screen-dashboard">
      <h1 tabIndex={-1}>Dashboard</h1>
      {demo && (
        <p className="notice" data-testid="demo-banner">
          Demo company: the data here is made up by Ledgerkeep&apos;s built-in Xero simulator. Set up your own Xero app
          (see the README) to hold your real books.
        </p>
      )}
      {current && <DashboardFigures key={`figures-${current.tenantId}`} tenantId={current.tenantId} onOpenRecord={onOpenRecord} />}
      {current && <SyncStatusPanel key={`sync-${current.tenantId}`} tenantId={current.tenantId} />}
      {current && <AnomaliesPanel tenantId={current.tenantId} onOpenRecord={onOpenRecord} />}
      {!current && (
        <EmptyState
          heading="No organisation yet"
          body="Connect a Xero organisation, or explore the demo company, to see cash per bank account, receivables and payables, recent activity and sync status here."
        />
      )}
      {!current && (
        <p>
          <a href="#/connect-xero" data-testid="open-connect-guide">
            Connect your own Xero, step by step
          </a>
        </p>
      )}
      {!current && demo && (
        <p>
          <button type="button" data-testid="explore-demo" onClick={() => void explore()} disabled={state.phase === "working"}>
            {state.phase === "working" ? "Connecting to the demo company and syncing it…" : "Explore the demo company"}
          </button>
        </p>
      )}
      {state.phase === "working" && progress && (
        <p className="muted" role="status" data-testid="sync-progress">
          Syncing {progress.stream}: {progress.records.toLocaleString()} records, {progress.pages} pages, {progress.rateLimitUsedPct}% of
          the minute&apos;s calls
          {progress.etaSeconds !== null ? `, about ${progress.etaSeconds} s left` : ""}.
        </p>
      )}
      {state.phase === "done" && (
        <p role="status" data-testid="demo-connected">
          Connected to the demo company: {state.names.join(", ")}.
        </p>
      )}
      {state.phase === "failed" && (
        <ErrorNotice error={state.error} />
      )}
    </section>
  );
}

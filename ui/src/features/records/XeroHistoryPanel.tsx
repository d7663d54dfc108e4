import { useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { useState } from "react";
import { commands, type ApiError, type XeroHistoryEntryView, type XeroHistoryView } from "../../bindings";
import { useOrganisationZone } from "../../app/organisation";
import { settle, useCommandQuery } from "../../app/query";
import type { RecordEntity } from "../../app/records";
import { DataTable } from "../../components/DataTable";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatInstant } from "../../lib/format";

/**
 * Xero's own history and notes of a record, beside the ledger's audit. It is not synced (each
 * load is one of the organisation's calls to Xero for the day): it shows what was last loaded,
 * with when, even offline, and loads it again only when the owner asks.
 */
export function XeroHistoryPanel({ tenantId, entity, xeroId }: { tenantId: string; entity: RecordEntity; xeroId: string }) {
  const zone = useOrganisationZone();
  const client = useQueryClient();
  const request = { tenantId, entity, xeroId } as const;
  const key = ["recordXeroHistory", request] as const;
  const { result, reload } = useCommandQuery(key, () => commands.recordXeroHistory(request));
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const load = async () => {
    setLoading(true);
    setError(null);
    const r = await settle(() => commands.refreshRecordXeroHistory(request));
    setLoading(false);
    if (r.state === "ok") client.setQueryData<XeroHistoryView>(key, r.data);
    else if (r.state === "error") setError(r.error);
  };

  return (
    <section aria-labelledby="xero-history-heading" data-testid="xero-history">
      <h2 id="xero-history-heading">Xero history and notes</h2>
      {result.state === "loading" && <p role="status">Reading Xero's history kept on this computer…</p>}
      {result.state === "error" && <ErrorNotice error={result.error} onRetry={reload} testId="xero-history-read-error" />}
      {result.state === "ok" && !result.data.available && <p className="muted">Xero keeps no history for this kind of record.</p>}
      {result.state === "ok" && result.data.available && (
        <>
          <p className="muted" data-testid="xero-history-as-of">
            {result.data.fetchedAt
              ? `As of ${formatInstant(result.data.fetchedAt, zone)}.`
              : "Not loaded from Xero yet. Loading it uses one of the organisation's calls to Xero for the day."}
            {result.data.scope ? ` Needs the ${result.data.scope} scope.` : ""}
          </p>
          <button type="button" data-testid="xero-history-load" disabled={loading} aria-busy={loading} onClick={() => void load()}>
            {loading ? "Loading from Xero…" : result.data.fetchedAt ? "Refresh from Xero" : "Load from Xero"}
          </button>
          {loading && (
            <p role="status" data-testid="xero-history-progress">
              Asking Xero for this record's history…
            </p>
          )}
          {error && <ErrorNotice error={error} onRetry={() => void load()} testId="xero-history-error" />}
          {result.data.fetchedAt &&
            (result.data.entries.length === 0 ? (
              <p className="muted" data-testid="xero-history-empty">
                Xero has no history or notes for this record.
              </p>
            ) : (
              <DataTable
                data={result.data.entries}
                columns={columns(zone)}
                label="Xero history and notes"
                testId="xero-history-entries"
                rowProps={() => ({ "data-testid": "xero-history-entry" })}
              />
            ))}
        </>
      )}
    </section>
  );
}

function columns(zone: string | null): ColumnDef<XeroHistoryEntryView, unknown>[] {
  return [
    { id: "at", header: "Date", cell: ({ row }) => (row.original.at ? formatInstant(row.original.at, zone) : "No date given") },
    { id: "user", header: "User", cell: ({ row }) => row.original.user ?? "" },
    { id: "change", header: "Change", cell: ({ row }) => row.original.change, meta: { rowHeader: true } },
    { id: "details", header: "Details", cell: ({ row }) => row.original.details ?? "" },
  ];
}

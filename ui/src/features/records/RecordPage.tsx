import { useCanGoBack, useRouter } from "@tanstack/react-router";
import { commands } from "../../bindings";
import { useOrganisation, useOrganisationZone } from "../../app/organisation";
import { useCommandQuery } from "../../app/query";
import type { RecordEntity } from "../../app/records";
import { ErrorNotice } from "../../components/ErrorNotice";
import { EmptyState } from "../../components/EmptyState";
import { formatInstant } from "../../lib/format";

/** What each kind of record is called on its page. */
export const ENTITY_NAME: Record<RecordEntity, string> = {
  invoice: "Invoice",
  creditNote: "Credit note",
  payment: "Payment",
  overpayment: "Overpayment",
  prepayment: "Prepayment",
  bankTransaction: "Bank transaction",
  bankTransfer: "Bank transfer",
  manualJournal: "Manual journal",
  purchaseOrder: "Purchase order",
  quote: "Quote",
  repeatingInvoice: "Repeating invoice",
};

/** One record at `/records/<entity>/<id>`, in the organisation being looked at. */
export function RecordPage({ entity, xeroId }: { entity: RecordEntity; xeroId: string }) {
  const { current } = useOrganisation();
  const zone = useOrganisationZone();
  const router = useRouter();
  const canGoBack = useCanGoBack();
  const tenantId = current?.tenantId ?? null;
  const request = tenantId ? ({ entity, tenantId, xeroId } as const) : null;
  const { result, reload } = useCommandQuery(["recordHistory", request], request && (() => commands.recordHistory(request)));
  return (
    <section data-testid="record-page" className="record-page">
      <div className="section-head">
        <button type="button" data-testid="record-back" disabled={!canGoBack} onClick={() => router.history.back()}>
          Back
        </button>
        <h1 tabIndex={-1}>
          {ENTITY_NAME[entity]} {xeroId}
        </h1>
      </div>
      {!tenantId && <EmptyState heading="No organisation" body="Choose an organisation to open its records." />}
      <h2>History</h2>
      {result.state === "loading" && <p role="status">Reading the audit trail…</p>}
      {result.state === "error" && <ErrorNotice error={result.error} onRetry={reload} testId="record-error" />}
      {result.state === "ok" && (
        <ol className="history" data-testid="history">
          {result.data.map((h) => (
            <li key={h.seq}>
              <strong>{h.action}</strong> by {h.actor} at {formatInstant(h.at, zone)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

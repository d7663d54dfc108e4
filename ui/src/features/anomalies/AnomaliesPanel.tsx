import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { commands, type AnomalyRecordView, type AnomalyView, type ApiError } from "../../bindings";
import { call, useCommandQuery } from "../../app/query";
import { useOrganisationZone } from "../../app/organisation";
import { formatSentence } from "../../lib/format";
import { ErrorNotice } from "../../components/ErrorNotice";

/** The records the Transactions screen can open in its drawer. */
export function opensInTransactions(r: AnomalyRecordView): boolean {
  return r.entity === "invoice" || r.entity === "bankTransaction";
}

/**
 * The dashboard's alerts: what anomaly detection found in the organisation's books after its
 * last sync, each with its explanation, links to its records and a dismiss-with-reason form.
 */
export function AnomaliesPanel({ tenantId, onOpenRecord }: { tenantId: string; onOpenRecord?: ((r: AnomalyRecordView) => void) | undefined }) {
  // Detection runs at the end of each sync: the ledger-changed event reads the findings again.
  const request = { tenantId, includeClosed: false };
  const key = ["listAnomalies", request];
  const { result: findings } = useCommandQuery(key, () => commands.listAnomalies(request));
  const client = useQueryClient();
  const dismissed = (id: number) => client.setQueryData<AnomalyView[]>(key, (f) => f?.filter((x) => x.id !== id));

  return (
    <section className="anomalies" aria-labelledby="anomalies-heading" data-testid="anomalies-panel">
      <h2 id="anomalies-heading">Things to check</h2>
      {findings.state === "loading" && <p role="status">Reading what the last sync found…</p>}
      {findings.state === "error" && (
        <ErrorNotice error={findings.error} />
      )}
      {findings.state === "ok" && findings.data.length === 0 && (
        <p className="muted" data-testid="anomalies-none">
          Nothing unusual in these books: no duplicate bills, changed bank details, backdated or locked-period edits, double
          payments, outliers or round-amount payments.
        </p>
      )}
      {findings.state === "ok" && findings.data.length > 0 && (
        <ul className="anomaly-list">
          {findings.data.map((f) => (
            <Finding key={f.id} finding={f} onOpenRecord={onOpenRecord} onDismissed={() => dismissed(f.id)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function Finding({
  finding,
  onOpenRecord,
  onDismissed,
}: {
  finding: AnomalyView;
  onOpenRecord?: ((r: AnomalyRecordView) => void) | undefined;
  onDismissed: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const zone = useOrganisationZone();
  const dismiss = useMutation({
    mutationFn: (why: string) => call(() => commands.dismissAnomaly({ id: finding.id, reason: why })),
    onSuccess: onDismissed,
    onError: setError,
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim() === "") {
      setError({ code: "invalid", message: "Say why this finding can be dismissed." });
      return;
    }
    dismiss.mutate(reason);
  };

  return (
    <li className="anomaly" data-testid="anomaly" data-rule={finding.rule}>
      <strong>{finding.title}</strong>
      <p data-testid="anomaly-explanation">{formatSentence(finding.explanation, zone)}</p>
      <p className="anomaly-records">
        {finding.records.map((r) =>
          opensInTransactions(r) && onOpenRecord ? (
            <button key={`${r.entity}:${r.xeroId}`} type="button" className="link" data-testid="anomaly-record" onClick={() => onOpenRecord(r)}>
              {r.label}
            </button>
          ) : (
            <span key={`${r.entity}:${r.xeroId}`} className="muted">
              {r.label}
            </span>
          ),
        )}
      </p>
      {!open && (
        <button type="button" data-testid="anomaly-dismiss" onClick={() => setOpen(true)}>
          Dismiss…
        </button>
      )}
      {open && (
        <form onSubmit={submit} data-testid="dismiss-form">
          <label>
            Why can it be dismissed?
            <textarea
              value={reason}
              maxLength={1000}
              aria-invalid={error !== null}
              onChange={(e) => {
                setReason(e.target.value);
                setError(null);
              }}
            />
          </label>
          {error && (
            <ErrorNotice error={error} testId="dismiss-error" />
          )}
          <button type="submit" disabled={dismiss.isPending}>
            Dismiss
          </button>
          <button
            type="button"
            onClick={() => {
              setOpen(false);
              setError(null);
            }}
          >
            Cancel
          </button>
        </form>
      )}
    </li>
  );
}

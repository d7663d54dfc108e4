import { useEffect, useState, type FormEvent } from "react";
import { commands, events, type AnomalyRecordView, type AnomalyView, type ApiError } from "../bindings";
import { useEvent } from "../app/useEvent";
import { settle, type CommandState } from "../app/useCommand";
import { useOrganisationZone } from "../app/organisation";
import { formatSentence } from "../lib/format";

/** The records the Transactions screen can open in its drawer. */
export function opensInTransactions(r: AnomalyRecordView): boolean {
  return r.entity === "invoice" || r.entity === "bankTransaction";
}

/**
 * The dashboard's alerts: what anomaly detection found in the organisation's books after its
 * last sync, each with its explanation, links to its records and a dismiss-with-reason form.
 */
export function AnomaliesPanel({ tenantId, onOpenRecord }: { tenantId: string; onOpenRecord?: ((r: AnomalyRecordView) => void) | undefined }) {
  const [findings, setFindings] = useState<CommandState<AnomalyView[]>>({ state: "loading" });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    void settle(() => commands.listAnomalies({ tenantId, includeClosed: false })).then((r) => {
      if (live) setFindings(r);
    });
    return () => {
      live = false;
    };
  }, [tenantId, round]);
  // Detection runs at the end of each sync: read the findings again when one finishes.
  useEvent(events.ledgerChanged, (e) => {
    if (e.tenantId === tenantId) setRound((n) => n + 1);
  });

  const dismissed = (id: number) =>
    setFindings((f) => (f.state === "ok" ? { state: "ok", data: f.data.filter((x) => x.id !== id) } : f));

  return (
    <section className="anomalies" aria-labelledby="anomalies-heading" data-testid="anomalies-panel">
      <h2 id="anomalies-heading">Things to check</h2>
      {findings.state === "loading" && <p role="status">Reading what the last sync found…</p>}
      {findings.state === "error" && (
        <p role="alert" className="error">
          {findings.error.message}
        </p>
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
  const [busy, setBusy] = useState(false);
  const zone = useOrganisationZone();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim() === "") {
      setError({ code: "invalid", message: "Say why this finding can be dismissed." });
      return;
    }
    setBusy(true);
    const r = await settle(() => commands.dismissAnomaly({ id: finding.id, reason }));
    setBusy(false);
    if (r.state === "ok") onDismissed();
    else if (r.state === "error") setError(r.error);
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
        <form onSubmit={(e) => void submit(e)} data-testid="dismiss-form">
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
            <p role="alert" className="error" data-testid="dismiss-error">
              {error.message}
            </p>
          )}
          <button type="submit" disabled={busy}>
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

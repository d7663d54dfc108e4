import { useCallback, useEffect, useState } from "react";
import { commands, type AnomalyRecordView, type ApiError, type DrillRowView, type DrillView } from "../bindings";
import { settle } from "../app/useCommand";
import { formatDate, formatTotalWithBase } from "../lib/format";

const PAGE = 100;

/** The lines behind a figure, a page at a time; a line's invoice or bank transaction opens in the explorer. */
export function DrillPanel({
  tenantId,
  title,
  drill,
  onClose,
  onOpenRecord,
}: {
  tenantId: string;
  title: string;
  drill: DrillView;
  onClose: () => void;
  onOpenRecord: (r: AnomalyRecordView) => void;
}) {
  const [state, setState] = useState<{ for: DrillView; rows: DrillRowView[]; cursor: string | null; error: ApiError | null; loading: boolean } | null>(null);
  const load = useCallback(
    async (after: string | null) => {
      setState((s) => (s && s.for === drill ? { ...s, loading: true } : { for: drill, rows: [], cursor: null, error: null, loading: true }));
      const r = await settle(() => commands.reportDrill({ tenantId, drill, after, limit: PAGE }));
      setState((s) => {
        if (!s || s.for !== drill) return s; // another figure was picked meanwhile
        if (r.state === "ok") return { ...s, rows: after ? [...s.rows, ...r.data.rows] : r.data.rows, cursor: r.data.nextCursor, loading: false, error: null };
        return { ...s, loading: false, error: r.state === "error" ? r.error : null };
      });
    },
    [tenantId, drill],
  );
  useEffect(() => {
    // Reading the first page is the effect's whole purpose: it sets state when the answer comes.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load(null);
  }, [load]);
  const s = state && state.for === drill ? state : null;
  return (
    <aside className="drawer" aria-label="What makes this figure" data-testid="drill-panel">
      <div className="section-head">
        <h2>{title}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {s?.error && <p role="alert" className="error">{s.error.message}</p>}
      <table className="data-table drill-table">
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">Source</th>
            <th scope="col" className="amount">
              Amount
            </th>
          </tr>
        </thead>
        <tbody>
          {s?.rows.map((r, i) => (
            <tr key={i} data-testid="drill-row">
              <td>{formatDate(r.date)}</td>
              <td>
                {r.entity && r.xeroId ? (
                  <button type="button" className="link" onClick={() => r.entity && r.xeroId && onOpenRecord({ entity: r.entity, xeroId: r.xeroId, label: r.label })}>
                    {r.label}
                  </button>
                ) : (
                  r.label
                )}
                {r.contactName ? ` · ${r.contactName}` : ""}
                {r.sourceType ? <span className="muted"> {r.sourceType}</span> : null}
              </td>
              <td className="amount" data-testid="drill-amount">
                {formatTotalWithBase({ currencyCode: r.currencyCode, total: r.amount, baseCurrency: r.baseCurrency, baseTotal: r.baseAmount })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {(!s || s.loading) && <p role="status">Reading the lines…</p>}
      {s && !s.loading && s.rows.length === 0 && !s.error && <p className="muted">No lines.</p>}
      {s?.cursor && !s.loading && (
        <button type="button" onClick={() => void load(s.cursor)}>
          More
        </button>
      )}
    </aside>
  );
}

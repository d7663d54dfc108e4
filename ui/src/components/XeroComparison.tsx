import type { ReportPeriod, XeroComparisonView } from "../bindings";
import { formatAsAt, formatPeriod } from "../lib/format";
import { formatMoney } from "../lib/money";
import { DataTable } from "./DataTable";

/** A period worded as the report's column headings word it, in the locale. */
function periodLabel(p: ReportPeriod): string {
  return p.from ? formatPeriod(p.from, p.to) : formatAsAt(p.to);
}

/**
 * The report beside Xero's own report of the same period: a "Matches Xero"
 * badge, or each figure that differs (ours and Xero's, as exact text), or
 * the periods whose Xero report is stored, to pick one.
 */
export function XeroComparison({ xero, onPick }: { xero: XeroComparisonView; onPick: (p: ReportPeriod) => void }) {
  if (xero.status === "notCompared") return null;
  return (
    <section className="xero-comparison" data-testid="xero-comparison" aria-label="Compared with Xero">
      {xero.status === "matches" && (
        <p>
          <span className="badge badge-ok" data-testid="xero-badge">
            Matches Xero
          </span>{" "}
          <span className="muted">{xero.message}</span>
        </p>
      )}
      {xero.status === "differs" && (
        <>
          <p>
            <span className="badge badge-warning" data-testid="xero-badge">
              Differs from Xero
            </span>{" "}
            <span className="muted">{xero.message}</span>
          </p>
          <DataTable
            data={xero.differences}
            columns={[
              { header: "Line", accessorKey: "label", meta: { rowHeader: true } },
              { header: "Ledgerkeep", id: "local", meta: { amount: true }, cell: ({ row: { original: d } }) => (d.local === null ? "not shown" : formatMoney(d.local)) },
              { header: "Xero", id: "xero", meta: { amount: true }, cell: ({ row: { original: d } }) => (d.xero === null ? "not shown" : formatMoney(d.xero)) },
            ]}
            caption="Figures that are not Xero's"
            testId="xero-differences"
            rowKey={(d) => `${d.account ?? ""}|${d.label}`}
            rowProps={() => ({ "data-testid": "xero-difference" })}
          />
        </>
      )}
      {xero.status === "notFetched" && (
        <p>
          <span className="badge badge-warning" data-testid="xero-badge">
            Not fetched from Xero
          </span>{" "}
          <span className="muted">{xero.message}</span>
        </p>
      )}
      {xero.status === "unreadable" && (
        <p role="alert" className="error" data-testid="xero-badge">
          {xero.message}
        </p>
      )}
      {xero.status === "notFetched" && xero.available.length > 0 && (
        <ul className="xero-available">
          {xero.available.map((p) => (
            <li key={periodLabel(p)}>
              <button type="button" className="link" onClick={() => onPick(p)}>
                Show {periodLabel(p)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

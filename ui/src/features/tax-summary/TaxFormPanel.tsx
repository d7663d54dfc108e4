import type { TaxFormComparisonView, TaxFormView } from "../../bindings";
import { formatMoney } from "../../lib/format";

/** The tax summary laid out as the tax office's form (GST101A boxes, BAS fields), with the rates behind each box. */
export function TaxFormPanel({ form, currency }: { form: TaxFormView; currency: string | null }) {
  return (
    <section aria-label={form.name} data-testid="tax-form">
      <h2>{form.name}</h2>
      <div className="table-scroll">
        <table className="data-table tax-form">
          <caption className="visually-hidden">{form.name}, box by box</caption>
          <thead>
            <tr>
              <th scope="col">Box</th>
              <th scope="col">What it holds</th>
              <th scope="col" className="amount">
                Amount{currency ? ` (${currency})` : ""}
              </th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {form.boxes.map((b) => (
              <tr key={b.label} data-testid="tax-form-box" data-box={b.label}>
                <th scope="row">{b.label}</th>
                <td>{b.title}</td>
                <td className="amount">
                  {b.amount === null ? <span className="muted">Yours to add</span> : formatMoney(b.amount)}
                  {b.onLines !== null && <span className="muted"> · on the lines {formatMoney(b.onLines)}</span>}
                </td>
                <td className="muted">{b.rates.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {form.unplaced.length > 0 && (
        <section aria-label="In no box">
          <h3>In no box</h3>
          <ul data-testid="tax-form-unplaced">
            {form.unplaced.map((u) => (
              <li key={`${u.taxType}/${u.side}`}>
                {u.name ?? u.taxType} ({u.side === "sales" ? "sales" : "purchases"}: net {formatMoney(u.net)}, tax {formatMoney(u.tax)}). {u.reason}
              </li>
            ))}
          </ul>
        </section>
      )}
      {form.notes.map((n) => (
        <p key={n} className="muted">
          {n}
        </p>
      ))}
    </section>
  );
}

/** The form filled from the ledger and from Xero's published return, box by box. */
export function TaxFormComparison({ form }: { form: TaxFormComparisonView }) {
  return (
    <div className="table-scroll">
      <table className="data-table tax-form" data-testid="return-form">
        <caption>
          {form.name}, box by box: {form.matches ? "every box matches Xero's" : "some boxes differ from Xero's"}
        </caption>
        <thead>
          <tr>
            <th scope="col">Box</th>
            <th scope="col" className="amount">
              Ledger
            </th>
            <th scope="col" className="amount">
              Xero
            </th>
            <th scope="col" className="amount">
              Difference
            </th>
          </tr>
        </thead>
        <tbody>
          {form.boxes.map((b) => (
            <tr key={b.label} data-testid="return-form-box" data-box={b.label} data-matches={b.difference === null ? "true" : "false"}>
              <th scope="row" title={b.title}>
                {b.label}
              </th>
              <td className="amount">{b.local === null ? "—" : formatMoney(b.local)}</td>
              <td className="amount">{b.published === null ? "—" : formatMoney(b.published)}</td>
              <td className="amount">{b.difference === null ? "" : formatMoney(b.difference)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  commands,
  type ApiError,
  type PaymentAccountView,
  type PaymentState,
  type RecordPaymentRequest,
} from "../../bindings";
import { settle, useCommandQuery } from "../../app/query";
import { FieldMessage, fieldErrors } from "../../components/FieldMessage";
import { formatDate, formatMoney } from "../../lib/format";
import { ErrorNotice } from "../../components/ErrorNotice";
import { appNow } from "../../lib/clock";

const STATE_LABEL: Record<PaymentState, string> = {
  queued: "Queued",
  sending: "Sending",
  recorded: "Recorded in Xero",
  failed: "Failed",
  cancelled: "Cancelled",
  unknown: "Unknown — Ledgerkeep checks the invoice in Xero on each sync",
};

/** What the list says a payment's state is. */
export function paymentStateLabel(state: PaymentState): string {
  return STATE_LABEL[state];
}

/** Today as `YYYY-MM-DD`, in the owner's time zone. */
export function today(now = appNow()): string {
  const m = String(now.getMonth() + 1).padStart(2, "0");
  const d = String(now.getDate()).padStart(2, "0");
  return `${now.getFullYear()}-${m}-${d}`;
}

function accountLabel(a: PaymentAccountView): string {
  const name = a.name ?? a.accountId;
  const code = a.code ? ` (${a.code})` : "";
  const ccy = a.currencyCode ? ` · ${a.currencyCode}` : "";
  return `${name}${code}${ccy}`;
}

/**
 * Records a payment against an open invoice or bill, and lists the payments
 * recorded here with their way to Xero: queued (cancellable), sending,
 * recorded, failed with Xero's reasons, cancelled, or unknown (Xero may hold
 * it: never shown as failed or sending, and not cancellable).
 */
export function PaymentsPanel({ tenantId, invoiceId, canPay }: { tenantId: string; invoiceId: string; canPay: boolean }) {
  // Read again after a payment is recorded or cancelled here, and when the outbox settles one (ledger-changed).
  const request = { tenantId, invoiceId };
  const client = useQueryClient();
  const { result } = useCommandQuery(["listPayments", request], () => commands.listPayments(request));
  const payments = result.state === "ok" ? result.data : result.state === "error" ? result.error : null;
  const load = () => void client.invalidateQueries({ queryKey: ["listPayments", request] });
  const [cancelError, setCancelError] = useState<string | null>(null);
  const cancel = async (id: number) => {
    const r = await settle(() => commands.cancelPayment({ id }));
    setCancelError(r.state === "error" ? r.error.message : null);
    load();
  };
  return (
    <section aria-labelledby="payments-heading" data-testid="payments">
      <h2 id="payments-heading">Payments</h2>
      {canPay && <PaymentForm tenantId={tenantId} invoiceId={invoiceId} onRecorded={load} />}
      {cancelError && (
        <p role="alert" className="error">
          {cancelError}
        </p>
      )}
      {payments === null && <p role="status">Reading the payments…</p>}
      {payments !== null && !Array.isArray(payments) && (
        <ErrorNotice error={payments} />
      )}
      {Array.isArray(payments) && payments.length === 0 && <p className="muted">No payments recorded here yet.</p>}
      {Array.isArray(payments) && payments.length > 0 && (
        <ul className="payments" data-testid="payment-list">
          {payments.map((p) => (
            <li key={p.id} data-testid={`payment-${p.id}`}>
              <strong>
                {p.currencyCode ?? ""} {formatMoney(p.amount)}
              </strong>{" "}
              on {formatDate(p.date)} from {p.accountName ?? p.accountId}
              {p.reference && <> · {p.reference}</>} — <span data-testid={`payment-state-${p.id}`}>{paymentStateLabel(p.state)}</span>
              {p.state === "failed" && p.errors.length > 0 && (
                <ul className="error" aria-label="Why Xero refused it">
                  {p.errors.map((e, i) => (
                    <li key={i}>
                      {e.field === "payment" ? "" : `${e.field}: `}
                      {e.message}
                    </li>
                  ))}
                </ul>
              )}
              {p.state === "failed" && p.errors.length === 0 && p.error && <p className="error">{p.error}</p>}
              {(p.state === "sending" || p.state === "unknown" || p.state === "queued") && p.error && <p className="muted">{p.error}</p>}
              {p.state === "queued" && (
                <button type="button" onClick={() => void cancel(p.id)}>
                  Cancel payment
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The form: amount as text, date, an eligible account, reference; errors beside each field. */
export function PaymentForm({ tenantId, invoiceId, onRecorded }: { tenantId: string; invoiceId: string; onRecorded: () => void }) {
  const { result: eligible } = useCommandQuery(["paymentAccounts", { tenantId }], () => commands.paymentAccounts({ tenantId }));
  const accounts: PaymentAccountView[] = eligible.state === "ok" ? eligible.data : [];
  const [draft, setForm] = useState<RecordPaymentRequest>({ tenantId, invoiceId, accountId: "", amount: "", date: today(), reference: "" });
  // The first eligible account until the owner picks one.
  const form = draft.accountId ? draft : { ...draft, accountId: accounts[0]?.accountId ?? "" };
  const [submitError, setError] = useState<ApiError | null>(null);
  const error = submitError ?? (eligible.state === "error" ? eligible.error : null);
  const [saving, setSaving] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const errors = fieldErrors(error);
  const described = (field: string) => (errors[field] ? { "aria-invalid": true, "aria-describedby": `error-${field}` } : {});
  const submit = async () => {
    setSaving(true);
    setDone(null);
    const r = await settle(() => commands.recordPayment({ ...form, tenantId, invoiceId }));
    setSaving(false);
    if (r.state === "ok") {
      setError(null);
      setForm((f) => ({ ...f, amount: "", reference: "" }));
      setDone(r.data.state === "queued" ? "Payment queued: it goes to Xero when Ledgerkeep is online." : "Payment recorded.");
      onRecorded();
    } else if (r.state === "error") setError(r.error);
  };
  return (
    <form
      className="payment-form"
      aria-label="Record payment"
      data-testid="payment-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>Record payment</h3>
      {error && (!error.fields || error.fields.some((f) => !["amount", "date", "accountId", "reference"].includes(f.field))) && (
        <ErrorNotice error={error} />
      )}
      <div className="field">
        <label htmlFor="payment-amount">Amount</label>
        <input
          id="payment-amount"
          inputMode="decimal"
          autoComplete="off"
          value={form.amount}
          onChange={(e) => setForm({ ...form, amount: e.target.value })}
          {...described("amount")}
        />
        <FieldMessage errors={errors} field="amount" />
      </div>
      <div className="field">
        <label htmlFor="payment-date">Date</label>
        <input id="payment-date" type="date" value={form.date} onChange={(e) => setForm({ ...form, date: e.target.value })} {...described("date")} />
        <FieldMessage errors={errors} field="date" />
      </div>
      <div className="field">
        <label htmlFor="payment-account">Paid from / into</label>
        <select id="payment-account" value={form.accountId} onChange={(e) => setForm({ ...form, accountId: e.target.value })} {...described("accountId")}>
          {accounts.length === 0 && <option value="">No bank accounts in the ledger</option>}
          {accounts.map((a) => (
            <option key={a.accountId} value={a.accountId}>
              {accountLabel(a)}
            </option>
          ))}
        </select>
        <FieldMessage errors={errors} field="accountId" />
      </div>
      <div className="field">
        <label htmlFor="payment-reference">Reference</label>
        <input id="payment-reference" value={form.reference} onChange={(e) => setForm({ ...form, reference: e.target.value })} {...described("reference")} />
        <FieldMessage errors={errors} field="reference" />
      </div>
      <button type="submit" disabled={saving}>
        {saving ? "Recording…" : "Record payment"}
      </button>
      {done && <p role="status">{done}</p>}
    </form>
  );
}

import { useCallback, useEffect, useState } from "react";
import { commands, type AnomalyRecordView, type ApiError, type ContactView, type DocumentKindDto, type DocumentRowView } from "../bindings";
import { useOrganisation } from "../app/organisation";
import { settle } from "../app/useCommand";
import { EmptyState } from "../components/EmptyState";
import { formatAmount, formatDate, formatTotalWithBase } from "../lib/format";

const PAGE = 100;

interface Paged<T> {
  for: unknown;
  rows: T[];
  cursor: string | null;
  loading: boolean;
  error: ApiError | null;
}

/** Customers and suppliers by name, with what they owe and are owed; a contact's documents below. */
export function ContactsScreen({ onOpenRecord }: { onOpenRecord: (r: AnomalyRecordView) => void }) {
  const { organisations, current } = useOrganisation();
  const [text, setText] = useState("");
  const [settled, setSettled] = useState("");
  useEffect(() => {
    const t = setTimeout(() => setSettled(text), 200);
    return () => clearTimeout(t);
  }, [text]);
  const [list, setList] = useState<Paged<ContactView> | null>(null);
  const [picked, setPicked] = useState<ContactView | null>(null);
  const key = current ? `${current.tenantId}\u0000${settled}` : null;

  const load = useCallback(
    async (after: string | null) => {
      if (!current || key === null) return;
      setList((l) => (l && l.for === key ? { ...l, loading: true } : { for: key, rows: [], cursor: null, loading: true, error: null }));
      const r = await settle(() => commands.listContacts({ tenantId: current.tenantId, text: settled || null, after, limit: PAGE }));
      setList((l) => {
        if (!l || l.for !== key) return l;
        if (r.state === "ok") return { ...l, rows: after ? [...l.rows, ...r.data.rows] : r.data.rows, cursor: r.data.nextCursor, loading: false, error: null };
        return { ...l, loading: false, error: r.state === "error" ? r.error : null };
      });
    },
    [current, key, settled],
  );
  useEffect(() => {
    // The first page of contacts for this search; the answer sets state when it comes.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load(null);
  }, [load]);

  if (organisations.state !== "loading" && !current) {
    return (
      <section data-testid="screen-contacts">
        <h1 tabIndex={-1}>Contacts</h1>
        <EmptyState heading="No contacts yet" body="Customers and suppliers will appear here with their balances and history." />
      </section>
    );
  }
  const l = list && list.for === key ? list : null;
  return (
    <section data-testid="screen-contacts" className="contacts">
      <h1 tabIndex={-1}>Contacts</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <input type="search" aria-label="Search contacts" placeholder="Part of a name" data-testid="contacts-search" value={text} onChange={(e) => setText(e.target.value)} />
      </form>
      {l?.error && <p role="alert" className="error">{l.error.message}</p>}
      <table className="data-table" data-testid="contacts-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col" className="amount">
              Owes you
            </th>
            <th scope="col" className="amount">
              You owe
            </th>
          </tr>
        </thead>
        <tbody>
          {l?.rows.map((c) => (
            <tr key={c.xeroId} data-testid="contact-row" className={picked?.xeroId === c.xeroId ? "selected" : undefined}>
              <th scope="row">
                <button type="button" className="link" onClick={() => setPicked(c)}>
                  {c.name ?? c.xeroId}
                </button>
              </th>
              <td>{[c.isCustomer ? "customer" : null, c.isSupplier ? "supplier" : null].filter(Boolean).join(", ")}</td>
              <td className="amount">{c.balances.filter((b) => !/^0(\.0+)?$/.test(b.receivable)).map((b) => formatAmount(b.currencyCode, b.receivable)).join(" · ")}</td>
              <td className="amount">{c.balances.filter((b) => !/^0(\.0+)?$/.test(b.payable)).map((b) => formatAmount(b.currencyCode, b.payable)).join(" · ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {(!l || l.loading) && <p role="status">Reading contacts…</p>}
      {l && !l.loading && l.rows.length === 0 && !l.error && <p className="muted">No contact matches.</p>}
      {l?.cursor && !l.loading && (
        <button type="button" onClick={() => void load(l.cursor)}>
          More contacts
        </button>
      )}
      {picked && current && <ContactHistory key={picked.xeroId} tenantId={current.tenantId} contact={picked} onClose={() => setPicked(null)} onOpenRecord={onOpenRecord} />}
    </section>
  );
}

function ContactHistory({ tenantId, contact, onClose, onOpenRecord }: { tenantId: string; contact: ContactView; onClose: () => void; onOpenRecord: (r: AnomalyRecordView) => void }) {
  const [kind, setKind] = useState<DocumentKindDto>("invoices");
  const [docs, setDocs] = useState<Paged<DocumentRowView> | null>(null);
  const load = useCallback(
    async (after: string | null) => {
      setDocs((d) => (d && d.for === kind ? { ...d, loading: true } : { for: kind, rows: [], cursor: null, loading: true, error: null }));
      const r = await settle(() => commands.listDocuments({ filter: { kind, tenantId, contact: contact.xeroId }, sort: "date", descending: true, after, limit: 50 }));
      setDocs((d) => {
        if (!d || d.for !== kind) return d;
        if (r.state === "ok") return { ...d, rows: after ? [...d.rows, ...r.data.rows] : r.data.rows, cursor: r.data.nextCursor, loading: false, error: null };
        return { ...d, loading: false, error: r.state === "error" ? r.error : null };
      });
    },
    [kind, tenantId, contact.xeroId],
  );
  useEffect(() => {
    // The contact's first page of documents; the answer sets state when it comes.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void load(null);
  }, [load]);
  const d = docs && docs.for === kind ? docs : null;
  return (
    <aside className="drawer" aria-label="Contact history" data-testid="contact-history">
      <div className="section-head">
        <h2>{contact.name ?? contact.xeroId}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {contact.email && <p className="muted">{contact.email}</p>}
      <select aria-label="Documents" value={kind} onChange={(e) => setKind(e.target.value as DocumentKindDto)}>
        <option value="invoices">Invoices and bills</option>
        <option value="bankTransactions">Bank transactions</option>
      </select>
      {d?.error && <p role="alert" className="error">{d.error.message}</p>}
      <table className="data-table drill-table">
        <tbody>
          {d?.rows.map((r) => (
            <tr key={r.xeroId} data-testid="contact-document">
              <td>{formatDate(r.date)}</td>
              <td>
                <button type="button" className="link" onClick={() => onOpenRecord({ entity: kind === "invoices" ? "invoice" : "bankTransaction", xeroId: r.xeroId, label: r.number ?? r.reference ?? r.xeroId })}>
                  {r.number ?? r.reference ?? r.docType ?? r.xeroId}
                </button>
                <span className="muted"> {r.status ?? ""}</span>
              </td>
              <td className="amount">{formatTotalWithBase(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {(!d || d.loading) && <p role="status">Reading the history…</p>}
      {d && !d.loading && d.rows.length === 0 && !d.error && <p className="muted">Nothing yet.</p>}
      {d?.cursor && !d.loading && (
        <button type="button" onClick={() => void load(d.cursor)}>
          More
        </button>
      )}
    </aside>
  );
}

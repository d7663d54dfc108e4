import { useState } from "react";
import { commands, type AnomalyRecordView, type ContactView, type DocumentKindDto } from "../bindings";
import { useOrganisation } from "../app/organisation";
import { useCommandPages } from "../app/query";
import { useSearchState, type RawSearch } from "../app/searchState";
import { DataTable } from "../components/DataTable";
import { EmptyState } from "../components/EmptyState";
import { formatAmount, formatDate, formatTotalWithBase } from "../lib/format";
import { AttachmentList } from "../features/attachments/AttachmentViewer";

const PAGE = 100;

/** The search typed, as the URL keeps it (`?text=acme`). */
const readText = (raw: RawSearch) => raw.text ?? "";
const writeText = (text: string): RawSearch => ({ text });

/** What a contact owes you, or you owe them, in each currency where it is not zero. */
function owing(c: ContactView, side: "receivable" | "payable"): string {
  return c.balances
    .filter((b) => !/^0(\.0+)?$/.test(b[side]))
    .map((b) => formatAmount(b.currencyCode, b[side]))
    .join(" · ");
}

/** Customers and suppliers by name, with what they owe and are owed; a contact's documents below. */
export function ContactsScreen({ onOpenRecord }: { onOpenRecord: (r: AnomalyRecordView) => void }) {
  const { organisations, current } = useOrganisation();
  // The listing follows the URL's search, written once typing pauses.
  const { draft: text, applied: settled, apply } = useSearchState(readText, writeText);
  const setText = (t: string) => apply(t, 200);
  const [picked, setPicked] = useState<ContactView | null>(null);
  const tenantId = current?.tenantId ?? null;
  const request = { tenantId, text: settled || null, limit: PAGE };
  const list = useCommandPages(["listContacts", request], tenantId ? (after) => commands.listContacts({ ...request, tenantId, after }) : null);

  if (organisations.state !== "loading" && !current) {
    return (
      <section data-testid="screen-contacts">
        <h1 tabIndex={-1}>Contacts</h1>
        <EmptyState heading="No contacts yet" body="Customers and suppliers will appear here with their balances and history." />
      </section>
    );
  }
  return (
    <section data-testid="screen-contacts" className="contacts">
      <h1 tabIndex={-1}>Contacts</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <input type="search" aria-label="Search contacts" placeholder="Part of a name" data-testid="contacts-search" value={text} onChange={(e) => setText(e.target.value)} />
      </form>
      {list.query.error && <p role="alert" className="error">{list.query.error.message}</p>}
      <DataTable
        data={list.rows}
        columns={[
          {
            header: "Name",
            id: "name",
            meta: { rowHeader: true },
            cell: ({ row: { original: c } }) => (
              <button type="button" className="link" onClick={() => setPicked(c)}>
                {c.name ?? c.xeroId}
              </button>
            ),
          },
          { header: "Role", id: "role", cell: ({ row: { original: c } }) => [c.isCustomer ? "customer" : null, c.isSupplier ? "supplier" : null].filter(Boolean).join(", ") },
          { header: "Owes you", id: "receivable", meta: { amount: true }, cell: ({ row: { original: c } }) => owing(c, "receivable") },
          { header: "You owe", id: "payable", meta: { amount: true }, cell: ({ row: { original: c } }) => owing(c, "payable") },
        ]}
        label="Contacts"
        testId="contacts-table"
        rowKey={(c) => c.xeroId}
        rowProps={(c) => ({ "data-testid": "contact-row", className: picked?.xeroId === c.xeroId ? "selected" : undefined })}
      />
      {(list.query.isPending || list.loading) && <p role="status">Reading contacts…</p>}
      {list.query.isSuccess && list.rows.length === 0 && <p className="muted">No contact matches.</p>}
      {list.query.hasNextPage && !list.loading && (
        <button type="button" onClick={() => void list.query.fetchNextPage()}>
          More contacts
        </button>
      )}
      {picked && current && <ContactHistory key={picked.xeroId} tenantId={current.tenantId} contact={picked} onClose={() => setPicked(null)} onOpenRecord={onOpenRecord} />}
    </section>
  );
}

function ContactHistory({ tenantId, contact, onClose, onOpenRecord }: { tenantId: string; contact: ContactView; onClose: () => void; onOpenRecord: (r: AnomalyRecordView) => void }) {
  const [kind, setKind] = useState<DocumentKindDto>("invoices");
  const request = { filter: { kind, tenantId, contact: contact.xeroId }, sort: "date", descending: true, limit: 50 } as const;
  const docs = useCommandPages(["listDocuments", request], (after) => commands.listDocuments({ ...request, after }));
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
      {docs.query.error && <p role="alert" className="error">{docs.query.error.message}</p>}
      <DataTable
        data={docs.rows}
        columns={[
          { header: "Date", id: "date", cell: ({ row }) => formatDate(row.original.date) },
          {
            header: "Document",
            id: "document",
            cell: ({ row: { original: r } }) => (
              <>
                <button type="button" className="link" onClick={() => onOpenRecord({ entity: kind === "invoices" ? "invoice" : "bankTransaction", xeroId: r.xeroId, label: r.number ?? r.reference ?? r.xeroId })}>
                  {r.number ?? r.reference ?? r.docType ?? r.xeroId}
                </button>
                <span className="muted"> {r.status ?? ""}</span>
              </>
            ),
          },
          { header: "Total", id: "total", meta: { amount: true }, cell: ({ row }) => formatTotalWithBase(row.original) },
        ]}
        label={`Documents of ${contact.name ?? contact.xeroId}`}
        className="drill-table"
        hideHeader
        rowKey={(r) => r.xeroId}
        rowProps={() => ({ "data-testid": "contact-document" })}
      />
      {docs.loading && <p role="status">Reading the history…</p>}
      {docs.query.isSuccess && docs.rows.length === 0 && <p className="muted">Nothing yet.</p>}
      {docs.query.hasNextPage && !docs.loading && (
        <button type="button" onClick={() => void docs.query.fetchNextPage()}>
          More
        </button>
      )}
      <h3>Files</h3>
      <AttachmentList tenantId={tenantId} entity="contact" xeroId={contact.xeroId} />
    </aside>
  );
}

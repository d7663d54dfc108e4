import { Link, useCanGoBack, useRouter } from "@tanstack/react-router";
import type { ColumnDef } from "@tanstack/react-table";
import { useState, type ReactNode } from "react";
import {
  commands,
  type ApiError,
  type AuditEntryView,
  type FieldValueView,
  type RecordAttachmentView,
  type RecordDetailView,
  type RecordLineView,
  type RecordLinkView,
} from "../../bindings";
import { useOrganisation, useOrganisationZone } from "../../app/organisation";
import { settle, useCommandQuery } from "../../app/query";
import { isRecordEntity, type RecordEntity } from "../../app/records";
import { DataTable } from "../../components/DataTable";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";
import { RecordPrintButtons } from "../../components/RecordPrintButtons";
import { PaymentsPanel } from "../payments/PaymentsPanel";
import { XeroHistoryPanel } from "./XeroHistoryPanel";
import { formatAmount, formatDate, formatInstant, formatMoney } from "../../lib/format";

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
  batchPayment: "Batch payment",
};

/**
 * Where the attachment viewer plugs in: given a record's files, it draws them (a preview, an
 * "open" button). Without one, the page lists the files' names, sizes and whether each is kept
 * on this computer.
 */
export type AttachmentsView = (props: { tenantId: string; entity: RecordEntity; xeroId: string; attachments: RecordAttachmentView[] }) => ReactNode;

/** One record at `/records/<entity>/<id>`, in the organisation being looked at. */
export function RecordPage({ entity, xeroId, renderAttachments }: { entity: RecordEntity; xeroId: string; renderAttachments?: AttachmentsView | undefined }) {
  const { current } = useOrganisation();
  const router = useRouter();
  const canGoBack = useCanGoBack();
  const tenantId = current?.tenantId ?? null;
  const request = tenantId ? ({ entity, tenantId, xeroId } as const) : null;
  const { result, reload } = useCommandQuery(["recordDetail", request], request && (() => commands.recordDetail(request)));
  const title = result.state === "ok" ? result.data.title : `${ENTITY_NAME[entity]} ${xeroId}`;
  return (
    <section data-testid="record-page" className="record-page" data-entity={entity}>
      <div className="section-head">
        <button type="button" data-testid="record-back" disabled={!canGoBack} onClick={() => router.history.back()}>
          Back
        </button>
        <h1 tabIndex={-1} data-testid="record-title">
          {title}
        </h1>
        {result.state === "ok" && result.data.status && <span className="badge" data-testid="record-status">{result.data.status}</span>}
        {result.state === "ok" && result.data.openInXeroUrl && tenantId && <OpenInXero request={{ entity, tenantId, xeroId }} />}
        {result.state === "ok" && tenantId && <RecordPrintButtons request={{ entity, tenantId, xeroId }} />}
      </div>
      {!tenantId && <EmptyState heading="No organisation" body="Choose an organisation to open its records." />}
      {result.state === "loading" && tenantId && <p role="status">Reading the record…</p>}
      {result.state === "error" && <ErrorNotice error={result.error} onRetry={reload} testId="record-error" />}
      {result.state === "ok" && tenantId && <RecordBody record={result.data} tenantId={tenantId} renderAttachments={renderAttachments} />}
    </section>
  );
}

/** Opens the record in Xero's web app, in the owner's browser. */
function OpenInXero({ request }: { request: { entity: RecordEntity; tenantId: string; xeroId: string } }) {
  const [error, setError] = useState<ApiError | null>(null);
  const open = async () => {
    const r = await settle(() => commands.openRecordInXero(request));
    setError(r.state === "error" ? r.error : null);
  };
  return (
    <>
      <button type="button" data-testid="open-in-xero" onClick={() => void open()}>
        Open in Xero
      </button>
      {error && <ErrorNotice error={error} testId="open-in-xero-error" />}
    </>
  );
}

function fieldText(v: FieldValueView, zone: string | null): string {
  switch (v.kind) {
    case "text":
      return v.text;
    case "money":
      return formatAmount(v.currency, v.amount);
    case "date":
      return formatDate(v.date);
    case "instant":
      return formatInstant(v.at, zone);
  }
}

function RecordBody({ record, tenantId, renderAttachments }: { record: RecordDetailView; tenantId: string; renderAttachments?: AttachmentsView | undefined }) {
  const zone = useOrganisationZone();
  const entity = record.entity;
  return (
    <>
      <dl className="facts" data-testid="record-header">
        {record.header.map((f) => (
          <div key={f.label}>
            <dt>{f.label}</dt>
            <dd>{fieldText(f.value, zone)}</dd>
          </div>
        ))}
      </dl>

      <h2>Lines</h2>
      {record.lines.length === 0 ? (
        <p className="muted" data-testid="record-no-lines">
          This record has no lines.
        </p>
      ) : (
        <DataTable data={record.lines} columns={lineColumns(record.currencyCode)} label="Lines" testId="record-lines" rowProps={() => ({ "data-testid": "record-line" })} />
      )}

      <h2>Linked records</h2>
      {record.links.length === 0 ? (
        <p className="muted">Nothing is allocated to or paid on this record.</p>
      ) : (
        <DataTable data={record.links} columns={LINK_COLUMNS} label="Linked records" testId="record-links" rowKey={(l, i) => `${l.entity}/${l.xeroId}/${i}`} rowProps={() => ({ "data-testid": "record-link" })} />
      )}

      {/* An invoice or bill that is still owed takes a payment here, recorded in Xero. */}
      {entity === "invoice" && <PaymentsPanel tenantId={tenantId} invoiceId={record.xeroId} canPay={record.status === "AUTHORISED"} />}

      <h2>Attachments</h2>
      {record.attachments.length === 0 ? (
        <p className="muted" data-testid="record-no-attachments">
          No files are attached in Xero.
        </p>
      ) : renderAttachments && isRecordEntity(entity) ? (
        renderAttachments({ tenantId, entity, xeroId: record.xeroId, attachments: record.attachments })
      ) : (
        <ul className="attachments" data-testid="record-attachments">
          {record.attachments.map((a) => (
            <li key={a.attachmentId} data-testid="record-attachment">
              {a.fileName} <span className="muted">({sizeText(a.size)}{a.mimeType ? `, ${a.mimeType}` : ""})</span>
              {a.held ? "" : <span className="muted"> not on this computer yet</span>}
            </li>
          ))}
        </ul>
      )}

      <h2>History</h2>
      <History entries={record.history} zone={zone} />

      {isRecordEntity(entity) && <XeroHistoryPanel tenantId={tenantId} entity={entity} xeroId={record.xeroId} />}
    </>
  );
}

function History({ entries, zone }: { entries: AuditEntryView[]; zone: string | null }) {
  if (entries.length === 0) return <p className="muted">No change to this record is in the audit trail.</p>;
  return (
    <ol className="history" data-testid="history">
      {entries.map((h) => (
        <li key={h.seq}>
          <strong>{h.action}</strong> by {h.actor} at {formatInstant(h.at, zone)}
          <ul>
            {h.changes.map((c) => (
              <li key={c.field}>
                {c.field}: {c.old} → {c.new}
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

/** A file's size in bytes, KB or MB. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A unit amount exactly as stored (up to 4 places), in the locale's separators. */
function unitText(amount: string | null): string {
  return amount === null ? "" : formatMoney(amount);
}

function lineColumns(currency: string | null): ColumnDef<RecordLineView, unknown>[] {
  return [
    { id: "description", header: "Description", cell: ({ row }) => row.original.description ?? row.original.itemCode ?? "", meta: { rowHeader: true } },
    { id: "quantity", header: "Quantity", cell: ({ row }) => row.original.quantity ?? "", meta: { amount: true } },
    { id: "unitAmount", header: "Unit amount", cell: ({ row }) => <span data-testid="unit-amount">{unitText(row.original.unitAmount)}</span>, meta: { amount: true } },
    {
      id: "account",
      header: "Account",
      cell: ({ row }) => [row.original.accountCode, row.original.accountName].filter(Boolean).join(" "),
    },
    {
      id: "tax",
      header: "Tax rate",
      cell: ({ row }) => row.original.taxName ?? row.original.taxType ?? "",
    },
    {
      id: "tracking",
      header: "Tracking",
      cell: ({ row }) => row.original.tracking.map((t) => `${t.category}: ${t.option}`).join(", "),
    },
    { id: "lineAmount", header: `Amount${currency ? ` (${currency})` : ""}`, cell: ({ row }) => formatMoney(row.original.lineAmount), meta: { amount: true } },
  ];
}

const LINK_COLUMNS: ColumnDef<RecordLinkView, unknown>[] = [
  { id: "relation", header: "Relation", cell: ({ row }) => row.original.relation },
  {
    id: "record",
    header: "Record",
    meta: { rowHeader: true },
    cell: ({ row }) => {
      const l = row.original;
      return l.held && isRecordEntity(l.entity) ? (
        <Link to="/records/$entity/$id" params={{ entity: l.entity, id: l.xeroId }} data-testid="record-link-open">
          {l.label}
        </Link>
      ) : (
        l.label
      );
    },
  },
  { id: "date", header: "Date", cell: ({ row }) => formatDate(row.original.date) },
  { id: "amount", header: "Amount", cell: ({ row }) => formatAmount(row.original.currencyCode, row.original.amount), meta: { amount: true } },
];

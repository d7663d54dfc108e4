import { useNavigate } from "@tanstack/react-router";
import { useCallback } from "react";
import type { AnomalyRecordView, DocumentKindDto, EntityKind } from "../bindings";

/** Every kind of document the Transactions screen lists, in its order. */
export const DOCUMENT_KINDS = [
  "bankTransactions",
  "invoices",
  "creditNotes",
  "payments",
  "overpayments",
  "prepayments",
  "bankTransfers",
  "manualJournals",
  "purchaseOrders",
  "quotes",
  "repeatingInvoices",
  "batchPayments",
] as const satisfies readonly DocumentKindDto[];

/** What the Transactions screen shows: one kind's listing, or one search across every kind (`all`). */
export type ExplorerKind = DocumentKindDto | "all";

export function isExplorerKind(s: unknown): s is ExplorerKind {
  return s === "all" || (DOCUMENT_KINDS as readonly unknown[]).includes(s);
}

/**
 * The Transactions screen's filters, as its URL carries them (`/transactions?kind=invoices&text=acme`):
 * a filtered listing, or a record opened from it, can be linked, and back and forward step through them.
 * Empty filters are left out, and so is the default kind (bank transactions).
 */
export interface TransactionsSearch {
  kind?: ExplorerKind;
  text?: string;
  from?: string;
  to?: string;
  status?: string;
  /** The document's type (`ACCREC`, `SPEND`...), for the kinds that have one. */
  type?: string;
  min?: string;
  max?: string;
  /** A tracking option (`categoryId/optionId`): documents with a line in it. */
  tracking?: string;
  /** A bank account (its Xero id), for the kinds listed by bank account (payments, batch payments). */
  account?: string;
}

const TEXT_KEYS = ["text", "from", "to", "status", "type", "min", "max", "tracking", "account"] as const;

/** Keeps what the Transactions screen understands of a URL's search, and drops the rest. */
export function validateTransactionsSearch(raw: Record<string, unknown>): TransactionsSearch {
  const out: TransactionsSearch = {};
  if (isExplorerKind(raw.kind) && raw.kind !== "bankTransactions") out.kind = raw.kind;
  for (const k of TEXT_KEYS) {
    const v = raw[k];
    if (typeof v === "string" && v !== "") out[k] = v;
  }
  return out;
}

/**
 * The documents that open as a page of their own at `/records/<entity>/<Xero id>`, spelled as the
 * bindings spell `EntityKind`.
 */
export const RECORD_ENTITIES = [
  "invoice",
  "creditNote",
  "payment",
  "overpayment",
  "prepayment",
  "bankTransaction",
  "bankTransfer",
  "manualJournal",
  "purchaseOrder",
  "quote",
  "repeatingInvoice",
  "batchPayment",
] as const satisfies readonly EntityKind[];

export type RecordEntity = (typeof RECORD_ENTITIES)[number];

export function isRecordEntity(s: string): s is RecordEntity {
  return (RECORD_ENTITIES as readonly string[]).includes(s);
}

/**
 * Opens a record another screen links to (an alert, a drill-down line, a contact's document, a
 * linked record) as a page of its own at `/records/<entity>/<id>`: back and forward step through
 * them, and the address can be linked. Records that have no page (an account, a contact) do nothing.
 */
export function useOpenRecord(): (r: Pick<AnomalyRecordView, "entity" | "xeroId">) => void {
  const navigate = useNavigate();
  return useCallback(
    (r: Pick<AnomalyRecordView, "entity" | "xeroId">) => {
      if (!isRecordEntity(r.entity)) return;
      void navigate({ to: "/records/$entity/$id", params: { entity: r.entity, id: r.xeroId } });
    },
    [navigate],
  );
}

import { useNavigate } from "@tanstack/react-router";
import { useCallback } from "react";
import type { AnomalyRecordView, DocumentKindDto } from "../bindings";

/**
 * The Transactions screen's filters, as its URL carries them (`/transactions?kind=invoices&text=acme`):
 * a filtered listing, or a record opened from it, can be linked, and back and forward step through them.
 * Empty filters are left out, and so is the default kind (bank transactions).
 */
export interface TransactionsSearch {
  kind?: DocumentKindDto;
  text?: string;
  from?: string;
  to?: string;
  status?: string;
  min?: string;
  max?: string;
}

const TEXT_KEYS = ["text", "from", "to", "status", "min", "max"] as const;

/** Keeps what the Transactions screen understands of a URL's search, and drops the rest. */
export function validateTransactionsSearch(raw: Record<string, unknown>): TransactionsSearch {
  const out: TransactionsSearch = {};
  if (raw.kind === "invoices") out.kind = "invoices";
  for (const k of TEXT_KEYS) {
    const v = raw[k];
    if (typeof v === "string" && v !== "") out[k] = v;
  }
  return out;
}

/** The records the Transactions screen opens at `/transactions/<entity>/<id>`. */
export type RecordEntity = "invoice" | "bankTransaction";

export function isRecordEntity(s: string): s is RecordEntity {
  return s === "invoice" || s === "bankTransaction";
}

/** The listing a record is found in. */
export function kindOf(entity: RecordEntity): DocumentKindDto {
  return entity === "invoice" ? "invoices" : "bankTransactions";
}

/**
 * Opens a record another screen links to (an alert, a drill-down line, a contact's document) at
 * its own address in the Transactions screen, listed by its number or reference.
 */
export function useOpenRecord(): (r: AnomalyRecordView) => void {
  const navigate = useNavigate();
  return useCallback(
    (r: AnomalyRecordView) => {
      if (!isRecordEntity(r.entity)) return;
      const kind = kindOf(r.entity);
      void navigate({
        to: "/transactions/$entity/$id",
        params: { entity: r.entity, id: r.xeroId },
        search: validateTransactionsSearch({ kind, text: r.label === r.xeroId ? "" : r.label }),
      });
    },
    [navigate],
  );
}

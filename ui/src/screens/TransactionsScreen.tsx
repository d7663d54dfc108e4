import { useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useEffect, useMemo, useRef, useState } from "react";
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import {
  commands,
  type DocumentFilterDto,
  type DocumentKindDto,
  type DocumentKindInfo,
  type DocumentRowView,
  type SavedView,
} from "../bindings";
import {
  DOCUMENT_KINDS,
  validateTransactionsSearch,
  type ExplorerKind,
  type RecordEntity,
  type TransactionsSearch,
} from "../app/records";
import { useSearchState, type RawSearch } from "../app/searchState";
import { useOrganisation } from "../app/organisation";
import { settle, useCommandPages, useCommandQuery, type CommandState } from "../app/query";
import { EmptyState } from "../components/EmptyState";
import { ExportButtons } from "../components/ExportButtons";
import { formatAmount, formatDate, formatMoney } from "../lib/format";
import { MARKS, markAfterPaint } from "../lib/marks";
import { ErrorNotice } from "../components/ErrorNotice";
import { amountChars, gridCellStyle } from "../components/gridLayout";
import { choosableColumns, TableTools, useTablePrefs } from "../components/TableTools";
import { visibilityOf } from "../components/tablePrefs";
import { parseTracking, TrackingPicker, trackingValue, useTrackingCategories } from "../components/TrackingPicker";
import { appNow } from "../lib/clock";

const PAGE = 200;

/** What the Transactions screen will hold, shown while there is no organisation. */
export const SCREEN_EMPTY_BODY =
  "Invoices and bills, credit notes, payments, overpayments, prepayments, bank transactions and transfers, manual journals, purchase orders, quotes and repeating invoices will appear here once an organisation has synced, each kind with its own filters, and one search across them all.";
/** A grid row's height, in the comfortable and the compact density. */
const ROW_HEIGHT = { comfortable: 36, compact: 28 } as const;

interface Filters {
  kind: ExplorerKind;
  text: string;
  dateFrom: string;
  dateTo: string;
  status: string;
  docType: string;
  amountMin: string;
  amountMax: string;
  /** A tracking option (`categoryId/optionId`), or "". */
  tracking: string;
  /** A bank account's Xero id, or "" (for the kinds in `BANK_ACCOUNT`). */
  account: string;
}

const NO_FILTERS: Filters = { kind: "bankTransactions", text: "", dateFrom: "", dateTo: "", status: "", docType: "", amountMin: "", amountMax: "", tracking: "", account: "" };

/** What each kind is called in the kind selector and the search's results. */
export const KIND_LABELS: Record<DocumentKindDto, string> = {
  bankTransactions: "Bank transactions",
  invoices: "Invoices and bills",
  creditNotes: "Credit notes",
  payments: "Payments",
  overpayments: "Overpayments",
  prepayments: "Prepayments",
  bankTransfers: "Bank transfers",
  manualJournals: "Manual journals",
  purchaseOrders: "Purchase orders",
  quotes: "Quotes",
  repeatingInvoices: "Repeating invoices",
  batchPayments: "Batch payments",
};

/** The record each kind's documents are, for their page at `/records/<entity>/<id>`. */
const ENTITY_OF: Record<DocumentKindDto, RecordEntity> = {
  bankTransactions: "bankTransaction",
  invoices: "invoice",
  creditNotes: "creditNote",
  payments: "payment",
  overpayments: "overpayment",
  prepayments: "prepayment",
  bankTransfers: "bankTransfer",
  manualJournals: "manualJournal",
  purchaseOrders: "purchaseOrder",
  quotes: "quote",
  repeatingInvoices: "repeatingInvoice",
  batchPayments: "batchPayment",
};

/** The kinds with no type, and the kinds with no contact, to filter or show. */
const UNTYPED: readonly DocumentKindDto[] = ["bankTransfers", "manualJournals", "purchaseOrders", "quotes"];
const NO_CONTACT: readonly DocumentKindDto[] = ["bankTransfers", "manualJournals", "batchPayments"];
/** The kinds without lines, so without tracking to filter by. */
const NO_LINES: readonly DocumentKindDto[] = ["payments", "bankTransfers", "batchPayments"];
/** The kinds listed with their bank account. */
const BANK_ACCOUNT: readonly DocumentKindDto[] = ["payments", "batchPayments"];

/** The listing's filter for one kind; none for the search across every kind. */
function toDto(tenantId: string, f: Filters): DocumentFilterDto | null {
  if (f.kind === "all") return null;
  const opt = (v: string) => (v.trim() === "" ? null : v.trim());
  return {
    kind: f.kind,
    tenantId,
    text: opt(f.text),
    dateFrom: opt(f.dateFrom),
    dateTo: opt(f.dateTo),
    status: opt(f.status),
    docType: UNTYPED.includes(f.kind) ? null : opt(f.docType),
    amountMin: opt(f.amountMin),
    amountMax: opt(f.amountMax),
    tracking: NO_LINES.includes(f.kind) ? null : parseTracking(f.tracking),
    account: BANK_ACCOUNT.includes(f.kind) ? opt(f.account) : null,
  };
}

function fromDto(f: DocumentFilterDto): Filters {
  return {
    kind: f.kind ?? "bankTransactions",
    text: f.text ?? "",
    dateFrom: f.dateFrom ?? "",
    dateTo: f.dateTo ?? "",
    status: f.status ?? "",
    docType: f.docType ?? "",
    amountMin: f.amountMin ?? "",
    amountMax: f.amountMax ?? "",
    tracking: trackingValue(f.tracking ?? null),
    account: f.account ?? "",
  };
}

/** Named filters kept in the ledger: pick one to apply it, or save the filters on screen under a name. */
function SavedViews({ filters, onApply }: { filters: Filters; onApply: (f: Filters) => void }) {
  const client = useQueryClient();
  const { result } = useCommandQuery(["savedViews"], commands.savedViews);
  const views = result.state === "ok" ? result.data : [];
  const [picked, setPicked] = useState("");
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  // Saving or deleting a view answers with the whole list.
  const answer = (r: CommandState<SavedView[]>) => {
    if (r.state === "ok") {
      client.setQueryData<SavedView[]>(["savedViews"], r.data);
      setError(null);
      return true;
    }
    if (r.state === "error") setError(r.error.fields?.map((f) => f.message).join(" ") || r.error.message);
    return false;
  };
  return (
    <div className="saved-views">
      <select
        aria-label="Saved views"
        data-testid="saved-views"
        value={picked}
        onChange={(e) => {
          setPicked(e.target.value);
          const v = views.find((x) => x.name === e.target.value);
          if (v) onApply(fromDto(v.filter));
        }}
      >
        <option value="">Saved views…</option>
        {views.map((v) => (
          <option key={v.name} value={v.name}>
            {v.name}
          </option>
        ))}
      </select>
      <input aria-label="View name" placeholder="Name this view" data-testid="view-name" value={name} onChange={(e) => setName(e.target.value)} />
      <button
        type="button"
        data-testid="save-view"
        onClick={() => {
          // A view is one kind's listing; the search across every kind is not saved.
          const filter = toDto("", filters);
          if (!filter) return;
          void settle(() => commands.saveView({ name, filter, sort: "date", descending: true })).then((r) => {
            if (answer(r)) {
              setPicked(name.trim());
              setName("");
            }
          });
        }}
      >
        Save view
      </button>
      {picked && (
        <button type="button" data-testid="delete-view" onClick={() => void settle(() => commands.deleteView({ name: picked })).then((r) => answer(r) && setPicked(""))}>
          Delete view
        </button>
      )}
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </div>
  );
}

/** The filters a URL's search names. */
function fromSearch(s: TransactionsSearch): Filters {
  return {
    kind: s.kind ?? "bankTransactions",
    text: s.text ?? "",
    dateFrom: s.from ?? "",
    dateTo: s.to ?? "",
    status: s.status ?? "",
    docType: s.type ?? "",
    amountMin: s.min ?? "",
    amountMax: s.max ?? "",
    tracking: trackingValue(parseTracking(s.tracking)),
    account: s.account ?? "",
  };
}

/** The search that names `f`, without what is empty. */
function toSearch(f: Filters): TransactionsSearch {
  return validateTransactionsSearch({ kind: f.kind, text: f.text, from: f.dateFrom, to: f.dateTo, status: f.status, type: f.docType, min: f.amountMin, max: f.amountMax, tracking: f.tracking, account: f.account });
}

/** The filters a URL names, and the URL's search for filters. */
const readFilters = (raw: RawSearch): Filters => fromSearch(validateTransactionsSearch(raw));
const writeFilters = (f: Filters): RawSearch => ({ ...toSearch(f) });

/** How long typing must pause before the filters apply: results follow typing without a query per key. */
const SETTLE_MS = 200;

/** A row of the grid: a listing's document, or a search's, with the kind it was found as. */
type GridRow = DocumentRowView & { kind?: DocumentKindDto };

/** The grid's columns for one kind's listing, or for the search across every kind. */
function columnsFor(kind: ExplorerKind): ColumnDef<GridRow, unknown>[] {
  const cols: ColumnDef<GridRow, unknown>[] = [
    { header: kind === "repeatingInvoices" ? "Next invoice" : "Date", id: "date", cell: ({ row }) => formatDate(row.original.date), size: 130 },
  ];
  if (kind === "all") {
    cols.push({ header: "Kind", id: "kind", cell: ({ row }) => (row.original.kind ? KIND_LABELS[row.original.kind] : ""), size: 150 });
  }
  if (kind === "all" || !UNTYPED.includes(kind)) cols.push({ header: "Type", accessorKey: "docType", size: 110 });
  cols.push({
    header: kind === "manualJournals" ? "Narration" : kind === "bankTransfers" || kind === "batchPayments" ? "Reference" : "Number",
    id: "number",
    // The row's name: it always stays in the column chooser, and is read with each figure.
    meta: { rowHeader: true },
    cell: ({ row }) => row.original.number ?? row.original.reference ?? "",
    size: kind === "manualJournals" ? 280 : 160,
  });
  if (kind === "bankTransfers") {
    cols.push(
      { header: "From", id: "from", cell: ({ row }) => row.original.accountName ?? row.original.account ?? "", size: 180 },
      { header: "To", id: "to", cell: ({ row }) => row.original.toAccountName ?? row.original.toAccount ?? "", size: 180 },
    );
  } else if (kind === "all" || !NO_CONTACT.includes(kind)) {
    cols.push({ header: "Contact", accessorKey: "contactName", size: 240 });
  }
  if (kind !== "all" && BANK_ACCOUNT.includes(kind)) {
    cols.push({ header: "Bank account", id: "account", cell: ({ row }) => row.original.accountName ?? row.original.account ?? "", size: 170 });
  }
  cols.push(
    { header: "Status", accessorKey: "status", size: 120 },
    {
      header: kind === "manualJournals" ? "Debits" : "Total",
      id: "total",
      meta: { amount: true },
      cell: ({ row }) => formatAmount(row.original.currencyCode, row.original.total),
      size: 170,
    },
    {
      header: "In base currency",
      id: "baseTotal",
      meta: { amount: true },
      cell: ({ row }) => (row.original.baseTotal ? formatAmount(row.original.baseCurrency, row.original.baseTotal) : ""),
      size: 170,
    },
  );
  return cols;
}

/** Today, `YYYY-MM-DD` by the app's clock: the chart is read as it stands now. */
function today(): string {
  const d = appNow();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The organisation's bank accounts, to list one account's payments or batch payments. */
function BankAccountPicker({ tenantId, value, onChange }: { tenantId: string | null; value: string; onChange: (account: string) => void }) {
  const request = useMemo(() => (tenantId ? { tenantId, asAt: today() } : null), [tenantId]);
  const accounts = useCommandQuery(["listAccounts", request], request && (() => commands.listAccounts(request)), { staleTime: Infinity }).result;
  const banks = accounts.state === "ok" ? accounts.data.filter((a) => a.accountType === "BANK") : [];
  return (
    <select aria-label="Bank account" data-testid="filter-account" value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Any bank account</option>
      {banks.map((a) => (
        <option key={a.xeroId} value={a.xeroId}>
          {[a.code, a.name].filter(Boolean).join(" ")}
        </option>
      ))}
    </select>
  );
}

/** The most documents the search across every kind shows (the newest). */
const SEARCH_ALL_LIMIT = 200;

/**
 * Every document of the organisation, one kind at a time (invoices and bills, credit notes,
 * payments, overpayments, prepayments, bank transactions and transfers, manual journals, purchase
 * orders, quotes, repeating invoices, batch payments), filtered, searched and scrolled; or one search
 * across them all.
 */
export function TransactionsScreen() {
  const { organisations, current } = useOrganisation();
  const navigate = useNavigate();
  // The filters applied are the URL's (the listing follows them); the form is a draft of them,
  // written to the URL (replacing the entry) once typing pauses.
  const { draft: filters, applied: settled, apply } = useSearchState(readFilters, writeFilters);
  const setFilters = (f: Filters) => apply(f, 0);
  // Every row, a listing's or a search's, opens as a page of its own at `/records/<entity>/<id>`.
  const pick = (row: GridRow) => {
    const kind = row.kind ?? (settled.kind === "all" ? null : settled.kind);
    if (!kind) return;
    void navigate({ to: "/records/$entity/$id", params: { entity: ENTITY_OF[kind], id: row.xeroId } });
  };
  const tenantId = current?.tenantId ?? null;
  const filter = useMemo(() => (tenantId ? toDto(tenantId, settled) : null), [tenantId, settled]);
  // The listing and its totals are cached by their filters: an answer for filters changed since
  // is never shown for the new ones, and a finished sync (ledger-changed) reads both again.
  const listing = { filter, sort: "date", descending: true, limit: PAGE } as const;
  const pages = useCommandPages(["listDocuments", listing], filter ? (after) => commands.listDocuments({ ...listing, filter, after }) : null);
  // The search across every kind: the newest matches of each, merged.
  const searchAll = useMemo(
    () => (tenantId && settled.kind === "all" && settled.text.trim() !== "" ? { tenantId, text: settled.text, limit: SEARCH_ALL_LIMIT } : null),
    [tenantId, settled],
  );
  const found = useCommandQuery(["searchDocuments", searchAll], searchAll && (() => commands.searchDocuments(searchAll)));
  const hits = found.result.state === "ok" ? found.result.data : null;
  const rows: GridRow[] = useMemo(
    () => (settled.kind === "all" ? (hits ?? []).map((h) => ({ ...h.row, kind: h.kind })) : pages.rows),
    [settled.kind, hits, pages.rows],
  );
  const { query } = pages;
  const loading = settled.kind === "all" ? found.result.state === "loading" && searchAll !== null : pages.loading;
  const error = settled.kind === "all" ? (found.result.state === "error" ? found.result.error : null) : query.error;
  // Each kind's statuses and types, for the filters' choices (Xero's codes, from the ledger's domain).
  const kindsInfo = useCommandQuery(["documentKinds"], commands.documentKinds, { staleTime: Infinity }).result;
  const info: DocumentKindInfo | undefined = kindsInfo.state === "ok" ? kindsInfo.data.find((k) => k.kind === filters.kind) : undefined;
  const columns = useMemo(() => columnsFor(settled.kind), [settled.kind]);
  const trackingCategories = useTrackingCategories(tenantId);
  const counted = useCommandQuery(["documentTotals", filter], filter && (() => commands.documentTotals(filter))).result;
  // null while the totals of the current filters are being counted; none when they could not be.
  const totals = counted.state === "loading" ? null : counted.state === "ok" ? counted.data : [];

  // Each time a listing's first rows arrive (on opening, and after each change of filters).
  const hasRows = rows.length > 0;
  useEffect(() => {
    if (hasRows) markAfterPaint(MARKS.explorerRows);
  }, [hasRows]);

  const scrollRef = useRef<HTMLDivElement>(null);
  // Each kind's grid keeps its own column choice and density (their columns differ).
  const gridId = `transactions-${settled.kind}`;
  const [prefs, choose] = useTablePrefs(gridId);
  const rowHeight = ROW_HEIGHT[prefs.density];
  // TanStack Table v8 predates the React Compiler; this app does not use the compiler.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel(), state: { columnVisibility: visibilityOf(prefs.hidden) } });
  // The widest amount loaded: the money columns are sized to it, so no amount is cut.
  const moneyChars = useMemo(() => rows.reduce((n, r) => Math.max(n, amountChars(r.currencyCode, r.total), amountChars(r.baseCurrency, r.baseTotal)), 0), [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 20,
  });
  // A new density moves every row: the virtualiser measures them again.
  useEffect(() => virtualizer.measure(), [virtualizer, rowHeight]);
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  const { hasNextPage, isFetching, fetchNextPage } = query;
  useEffect(() => {
    if (last && last.index >= rows.length - 40 && hasNextPage && !isFetching) void fetchNextPage();
  }, [last, rows.length, hasNextPage, isFetching, fetchNextPage]);

  if (organisations.state === "ok" && !current) {
    return (
      <section data-testid="screen-transactions">
        <h1 tabIndex={-1}>Transactions</h1>
        <EmptyState heading="No transactions yet" body={SCREEN_EMPTY_BODY} />
      </section>
    );
  }

  const set = (patch: Partial<Filters>) => apply({ ...filters, ...patch }, SETTLE_MS);
  const tableRows = table.getRowModel().rows;
  return (
    <section data-testid="screen-transactions" className="explorer">
      <h1 tabIndex={-1}>Transactions</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <select
          aria-label="What to show"
          data-testid="filter-kind"
          value={filters.kind}
          // Statuses and types differ by kind: a new kind starts without them.
          onChange={(e) => set({ kind: e.target.value as ExplorerKind, status: "", docType: "", account: "" })}
        >
          <option value="all">All documents (one search)</option>
          {DOCUMENT_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_LABELS[k]}
            </option>
          ))}
        </select>
        <input
          type="search"
          aria-label="Search"
          placeholder={filters.kind === "all" ? "Search every document: number, reference, contact, line text" : "Search number, reference, contact, line text"}
          data-testid="filter-text"
          value={filters.text}
          onChange={(e) => set({ text: e.target.value })}
        />
        {filters.kind !== "all" && (
          <>
            <input type="date" aria-label="From" value={filters.dateFrom} onChange={(e) => set({ dateFrom: e.target.value })} />
            <input type="date" aria-label="To" value={filters.dateTo} onChange={(e) => set({ dateTo: e.target.value })} />
            <input aria-label="Status" placeholder="Status" list="filter-statuses" value={filters.status} onChange={(e) => set({ status: e.target.value.toUpperCase() })} />
            <datalist id="filter-statuses" data-testid="filter-statuses">
              {info?.statuses.map((st) => <option key={st} value={st} />)}
            </datalist>
            {info && info.docTypes.length > 0 && (
              <select aria-label="Type" data-testid="filter-type" value={filters.docType} onChange={(e) => set({ docType: e.target.value })}>
                <option value="">Any type</option>
                {info.docTypes.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            )}
            <input aria-label="Smallest amount" placeholder="Min" inputMode="decimal" data-testid="filter-min" value={filters.amountMin} onChange={(e) => set({ amountMin: e.target.value })} />
            <input aria-label="Largest amount" placeholder="Max" inputMode="decimal" value={filters.amountMax} onChange={(e) => set({ amountMax: e.target.value })} />
            {BANK_ACCOUNT.includes(filters.kind) && <BankAccountPicker tenantId={tenantId} value={filters.account} onChange={(account) => set({ account })} />}
            {!NO_LINES.includes(filters.kind) && (
              <TrackingPicker categories={trackingCategories} value={parseTracking(filters.tracking)} onChange={(t) => setFilters({ ...filters, tracking: trackingValue(t) })} testId="filter-tracking" />
            )}
          </>
        )}
        <button type="button" onClick={() => setFilters(NO_FILTERS)}>
          Clear
        </button>
      </form>
      {filters.kind !== "all" && <SavedViews filters={filters} onApply={setFilters} />}
      {settled.kind === "all" ? (
        <p className="muted" data-testid="totals" aria-live="polite">
          {searchAll === null
            ? "Type to search every kind of document: invoices and bills, credit notes, payments, overpayments, prepayments, bank transactions and transfers, manual journals, purchase orders, quotes and repeating invoices."
            : hits === null
            ? "Searching…"
            : hits.length >= SEARCH_ALL_LIMIT
            ? `The newest ${SEARCH_ALL_LIMIT} matches: pick a kind to see them all.`
            : `${hits.length.toLocaleString()} matching ${hits.length === 1 ? "document" : "documents"}.`}
        </p>
      ) : (
        <p className="muted" data-testid="totals" aria-live="polite">
          {totals === null
            ? "Totalling…"
            : totals.length === 0
            ? "No matching documents."
            : totals.map((t) => `${t.count.toLocaleString()} in ${t.currencyCode ?? "?"}: ${formatMoney(t.total)}`).join(" · ")}
        </p>
      )}
      {filter && <ExportButtons disabled={!!error} run={(format) => commands.exportView({ filter, sort: "date", descending: true, format })} />}
      {error && (
        <ErrorNotice error={error} testId="explorer-error" />
      )}
      <TableTools
        tableId={gridId}
        name="Transactions"
        columns={choosableColumns(table.getAllLeafColumns())}
        prefs={prefs}
        onChange={choose}
      />
      <div className={prefs.density === "compact" ? "grid compact" : "grid"} role="table" aria-label="Transactions" aria-rowcount={rows.length}>
        <div className="grid-body" ref={scrollRef} data-testid="grid-body">
          <div className="grid-head" role="row">
            {table.getHeaderGroups()[0]?.headers.map((h) => (
              <div key={h.id} role="columnheader" className={h.column.columnDef.meta?.amount ? "amount" : undefined} style={gridCellStyle(h.column, moneyChars)}>
                {flexRender(h.column.columnDef.header, h.getContext())}
              </div>
            ))}
          </div>
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {items.map((v) => {
              const row = tableRows[v.index];
              if (!row) return null;
              return (
                <div
                  key={row.id}
                  role="row"
                  tabIndex={0}
                  className="grid-row"
                  data-testid="grid-row"
                  style={{ position: "absolute", top: 0, transform: `translateY(${v.start}px)`, height: rowHeight }}
                  onClick={() => pick(row.original)}
                  onKeyDown={(e) => e.key === "Enter" && pick(row.original)}
                >
                  {row.getVisibleCells().map((cell) => (
                    <div key={cell.id} role={cell.column.columnDef.meta?.rowHeader ? "rowheader" : "cell"} className={cell.column.columnDef.meta?.amount ? "amount" : undefined} style={gridCellStyle(cell.column, moneyChars)}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
          {!loading && rows.length === 0 && !error && <p className="muted grid-empty">Nothing matches these filters.</p>}
        </div>
      </div>
    </section>
  );
}

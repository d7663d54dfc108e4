import { useQueryClient } from "@tanstack/react-query";
import { Outlet, useNavigate, useParams, useSearch } from "@tanstack/react-router";
import { createContext, useContext, useEffect, useMemo, useRef, useState } from "react";
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef } from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import {
  commands,
  type DocumentFilterDto,
  type DocumentKindDto,
  type DocumentRowView,
  type SavedView,
} from "../bindings";
import { kindOf, validateTransactionsSearch, type RecordEntity, type TransactionsSearch } from "../app/records";
import { useSearchState, type RawSearch } from "../app/searchState";
import { useOrganisation, useOrganisationZone } from "../app/organisation";
import { settle, useCommandPages, useCommandQuery, type CommandState } from "../app/query";
import { EmptyState } from "../components/EmptyState";
import { ExportButtons } from "../components/ExportButtons";
import { formatAmount, formatDate, formatInstant, formatMoney } from "../lib/format";
import { MARKS, markAfterPaint } from "../lib/marks";
import { PaymentsPanel } from "../features/payments/PaymentsPanel";
import { ErrorNotice } from "../components/ErrorNotice";

const PAGE = 200;
const ROW_HEIGHT = 36;

interface Filters {
  kind: DocumentKindDto;
  text: string;
  dateFrom: string;
  dateTo: string;
  status: string;
  amountMin: string;
  amountMax: string;
}

const NO_FILTERS: Filters = { kind: "bankTransactions", text: "", dateFrom: "", dateTo: "", status: "", amountMin: "", amountMax: "" };

function toDto(tenantId: string, f: Filters): DocumentFilterDto {
  const opt = (v: string) => (v.trim() === "" ? null : v.trim());
  return {
    kind: f.kind,
    tenantId,
    text: opt(f.text),
    dateFrom: opt(f.dateFrom),
    dateTo: opt(f.dateTo),
    status: opt(f.status),
    amountMin: opt(f.amountMin),
    amountMax: opt(f.amountMax),
  };
}

function fromDto(f: DocumentFilterDto): Filters {
  return {
    kind: f.kind ?? "bankTransactions",
    text: f.text ?? "",
    dateFrom: f.dateFrom ?? "",
    dateTo: f.dateTo ?? "",
    status: f.status ?? "",
    amountMin: f.amountMin ?? "",
    amountMax: f.amountMax ?? "",
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
        onClick={() =>
          void settle(() => commands.saveView({ name, filter: toDto("", filters), sort: "date", descending: true })).then((r) => {
            if (answer(r)) {
              setPicked(name.trim());
              setName("");
            }
          })
        }
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
    amountMin: s.min ?? "",
    amountMax: s.max ?? "",
  };
}

/** The search that names `f`, without what is empty. */
function toSearch(f: Filters): TransactionsSearch {
  return validateTransactionsSearch({ kind: f.kind, text: f.text, from: f.dateFrom, to: f.dateTo, status: f.status, min: f.amountMin, max: f.amountMax });
}

/** The filters a URL names, and the URL's search for filters. */
const readFilters = (raw: RawSearch): Filters => fromSearch(validateTransactionsSearch(raw));
const writeFilters = (f: Filters): RawSearch => ({ ...toSearch(f) });

/** How long typing must pause before the filters apply: results follow typing without a query per key. */
const SETTLE_MS = 200;

/** What the record drawer (a child route) needs from the listing on screen. */
const Listing = createContext<{ rows: DocumentRowView[]; tenantId: string | null; text: string }>({ rows: [], tenantId: null, text: "" });

const columns: ColumnDef<DocumentRowView, unknown>[] = [
  { header: "Date", id: "date", cell: ({ row }) => formatDate(row.original.date), size: 130 },
  { header: "Type", accessorKey: "docType", size: 110 },
  { header: "Number", id: "number", cell: ({ row }) => row.original.number ?? row.original.reference ?? "", size: 160 },
  { header: "Contact", accessorKey: "contactName", size: 240 },
  { header: "Status", accessorKey: "status", size: 120 },
  {
    header: "Total",
    id: "total",
    cell: ({ row }) => formatAmount(row.original.currencyCode, row.original.total),
    size: 170,
  },
  {
    header: "In base currency",
    id: "baseTotal",
    cell: ({ row }) => (row.original.baseTotal ? formatAmount(row.original.baseCurrency, row.original.baseTotal) : ""),
    size: 170,
  },
];

/** Every bank transaction, invoice and bill of the organisation, filtered, searched and scrolled. */
export function TransactionsScreen() {
  const { organisations, current } = useOrganisation();
  const navigate = useNavigate();
  // The filters applied are the URL's (the listing follows them); the form is a draft of them,
  // written to the URL (replacing the entry) once typing pauses.
  const search = useSearch({ from: "/transactions" });
  const { draft: filters, applied: settled, apply } = useSearchState(readFilters, writeFilters);
  const setFilters = (f: Filters) => apply(f, 0);
  // The record open in the drawer, at `/transactions/<entity>/<id>`. A row opens as the kind of
  // the listing it was picked from: the URL's, which the form's may already have left.
  const { id: openId } = useParams({ strict: false });
  const pick = (row: DocumentRowView) => {
    const entity: RecordEntity = settled.kind === "invoices" ? "invoice" : "bankTransaction";
    void navigate({ to: "/transactions/$entity/$id", params: { entity, id: row.xeroId }, search });
  };
  const tenantId = current?.tenantId ?? null;
  const filter = useMemo(() => (tenantId ? toDto(tenantId, settled) : null), [tenantId, settled]);
  // The listing and its totals are cached by their filters: an answer for filters changed since
  // is never shown for the new ones, and a finished sync (ledger-changed) reads both again.
  const listing = { filter, sort: "date", descending: true, limit: PAGE } as const;
  const { query, rows, loading } = useCommandPages(["listDocuments", listing], filter ? (after) => commands.listDocuments({ ...listing, filter, after }) : null);
  const error = query.error;
  const counted = useCommandQuery(["documentTotals", filter], filter && (() => commands.documentTotals(filter))).result;
  // null while the totals of the current filters are being counted; none when they could not be.
  const totals = counted.state === "loading" ? null : counted.state === "ok" ? counted.data : [];

  // Each time a listing's first rows arrive (on opening, and after each change of filters).
  const hasRows = rows.length > 0;
  useEffect(() => {
    if (hasRows) markAfterPaint(MARKS.explorerRows);
  }, [hasRows]);

  const scrollRef = useRef<HTMLDivElement>(null);
  // TanStack Table v8 predates the React Compiler; this app does not use the compiler.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable({ data: rows, columns, getCoreRowModel: getCoreRowModel() });
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
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
        <EmptyState
          heading="No transactions yet"
          body="Bank transactions, invoices, bills, payments, credit notes and journals will appear here in one searchable table once an organisation has synced."
        />
      </section>
    );
  }

  const set = (patch: Partial<Filters>) => apply({ ...filters, ...patch }, SETTLE_MS);
  const tableRows = table.getRowModel().rows;
  return (
    <section data-testid="screen-transactions" className="explorer">
      <h1 tabIndex={-1}>Transactions</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <select aria-label="What to show" data-testid="filter-kind" value={filters.kind} onChange={(e) => set({ kind: e.target.value as DocumentKindDto })}>
          <option value="bankTransactions">Bank transactions</option>
          <option value="invoices">Invoices and bills</option>
        </select>
        <input
          type="search"
          aria-label="Search"
          placeholder="Search number, reference, contact, line text"
          data-testid="filter-text"
          value={filters.text}
          onChange={(e) => set({ text: e.target.value })}
        />
        <input type="date" aria-label="From" value={filters.dateFrom} onChange={(e) => set({ dateFrom: e.target.value })} />
        <input type="date" aria-label="To" value={filters.dateTo} onChange={(e) => set({ dateTo: e.target.value })} />
        <input aria-label="Status" placeholder="Status" value={filters.status} onChange={(e) => set({ status: e.target.value.toUpperCase() })} />
        <input aria-label="Smallest amount" placeholder="Min" inputMode="decimal" data-testid="filter-min" value={filters.amountMin} onChange={(e) => set({ amountMin: e.target.value })} />
        <input aria-label="Largest amount" placeholder="Max" inputMode="decimal" value={filters.amountMax} onChange={(e) => set({ amountMax: e.target.value })} />
        <button type="button" onClick={() => setFilters(NO_FILTERS)}>
          Clear
        </button>
      </form>
      <SavedViews filters={filters} onApply={setFilters} />
      <p className="muted" data-testid="totals" aria-live="polite">
        {totals === null
          ? "Totalling…"
          : totals.length === 0
          ? "No matching documents."
          : totals.map((t) => `${t.count.toLocaleString()} in ${t.currencyCode ?? "?"}: ${formatMoney(t.total)}`).join(" · ")}
      </p>
      {filter && <ExportButtons disabled={!!error} run={(format) => commands.exportView({ filter, sort: "date", descending: true, format })} />}
      {error && (
        <ErrorNotice error={error} testId="explorer-error" />
      )}
      <div className="grid" role="table" aria-label="Transactions" aria-rowcount={rows.length}>
        <div className="grid-head" role="row">
          {table.getHeaderGroups()[0]?.headers.map((h) => (
            <div key={h.id} role="columnheader" style={{ width: h.getSize() }}>
              {flexRender(h.column.columnDef.header, h.getContext())}
            </div>
          ))}
        </div>
        <div className="grid-body" ref={scrollRef} data-testid="grid-body">
          <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {items.map((v) => {
              const row = tableRows[v.index];
              if (!row) return null;
              return (
                <div
                  key={row.id}
                  role="row"
                  tabIndex={0}
                  className={`grid-row${openId === row.original.xeroId ? " selected" : ""}`}
                  data-testid="grid-row"
                  style={{ position: "absolute", top: 0, transform: `translateY(${v.start}px)`, height: ROW_HEIGHT }}
                  onClick={() => pick(row.original)}
                  onKeyDown={(e) => e.key === "Enter" && pick(row.original)}
                >
                  {row.getVisibleCells().map((cell) => (
                    <div key={cell.id} role="cell" style={{ width: cell.column.getSize() }}>
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
      <Listing.Provider value={{ rows, tenantId, text: settled.text }}>
        <Outlet />
      </Listing.Provider>
    </section>
  );
}

/** A row known only by its id and label, until the listing brings the real one. */
function placeholderRow(xeroId: string, label: string): DocumentRowView {
  return {
    xeroId,
    docType: null,
    number: label,
    reference: null,
    contactId: null,
    contactName: null,
    date: null,
    status: null,
    currencyCode: null,
    total: null,
    currencyRate: null,
    baseCurrency: null,
    baseTotal: null,
    account: null,
    updatedUtc: null,
  };
}

/** The drawer of the record at `/transactions/<entity>/<id>`: as the listing has it, or by its id until it does. */
export function RecordDrawer() {
  const { entity, id } = useParams({ from: "/transactions/$entity/$id" });
  const search = useSearch({ from: "/transactions" });
  const navigate = useNavigate();
  const { rows, tenantId, text } = useContext(Listing);
  if (!tenantId) return null;
  const row = rows.find((r) => r.xeroId === id) ?? placeholderRow(id, text || id);
  return (
    <DetailDrawer
      key={id}
      row={row}
      kind={kindOf(entity as RecordEntity)}
      tenantId={tenantId}
      onClose={() => void navigate({ to: "/transactions", search })}
    />
  );
}

function DetailDrawer({ row, kind, tenantId, onClose }: { row: DocumentRowView; kind: DocumentKindDto; tenantId: string; onClose: () => void }) {
  const zone = useOrganisationZone();
  const request = { entity: kind === "invoices" ? "invoice" : "bankTransaction", tenantId, xeroId: row.xeroId } as const;
  const { result } = useCommandQuery(["recordHistory", request], () => commands.recordHistory(request));
  const history = result.state === "ok" ? result.data : result.state === "error" ? result.error : null;
  return (
    <aside className="drawer" aria-label="Details" data-testid="detail-drawer">
      <div className="section-head">
        <h2>{row.number ?? row.reference ?? row.xeroId}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <dl className="facts">
        {(
          [
            ["Contact", row.contactName],
            ["Date", row.date && formatDate(row.date)],
            ["Status", row.status],
            ["Total", formatAmount(row.currencyCode, row.total)],
            ...(row.baseTotal
              ? ([
                  ["In base currency", formatAmount(row.baseCurrency, row.baseTotal)],
                  ["Exchange rate", `${row.currencyRate ?? "—"} ${row.currencyCode ?? ""} per ${row.baseCurrency ?? "base"}`],
                ] as const)
              : []),
            ["Reference", row.reference],
            ["Xero id", row.xeroId],
          ] as const
        ).map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v ?? "—"}</dd>
          </div>
        ))}
      </dl>
      {kind === "invoices" && (
        <PaymentsPanel tenantId={tenantId} invoiceId={row.xeroId} canPay={row.status === "AUTHORISED"} />
      )}
      <h2>History</h2>
      {history === null && <p role="status">Reading the audit trail…</p>}
      {history !== null && !Array.isArray(history) && <p role="alert" className="error">{history.message}</p>}
      {Array.isArray(history) && (
        <ol className="history" data-testid="history">
          {history.map((h) => (
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
      )}
    </aside>
  );
}

import { useMemo, useState } from "react";
import type { ColumnDef } from "@tanstack/react-table";
import { commands, type ItemView } from "../../bindings";
import { useOrganisation } from "../../app/organisation";
import { useCommandQuery } from "../../app/query";
import { DataTable } from "../../components/DataTable";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";
import { formatMoney } from "../../lib/format";

const yesNo = (b: boolean | null) => (b === null ? "—" : b ? "Yes" : "No");

const columns: ColumnDef<ItemView, unknown>[] = [
  { header: "Code", id: "code", cell: ({ row }) => row.original.code ?? "", meta: { rowHeader: true } },
  { header: "Name", id: "name", cell: ({ row }) => row.original.name ?? "" },
  { header: "Description", id: "description", cell: ({ row }) => row.original.description ?? "" },
  { header: "Sold", id: "sold", cell: ({ row }) => yesNo(row.original.isSold) },
  { header: "Bought", id: "bought", cell: ({ row }) => yesNo(row.original.isPurchased) },
  { header: "Sale price", id: "sale", cell: ({ row }) => formatMoney(row.original.salesUnitPrice), meta: { amount: true } },
  { header: "Purchase price", id: "purchase", cell: ({ row }) => formatMoney(row.original.purchaseUnitPrice), meta: { amount: true } },
  { header: "On hand", id: "onHand", cell: ({ row }) => row.original.quantityOnHand ?? "", meta: { amount: true } },
];

/** The organisation's items (products and services), searched by code, name or description. */
export function ItemsScreen() {
  const { organisations, current } = useOrganisation();
  const [text, setText] = useState("");
  const tenantId = current?.tenantId ?? null;
  const request = useMemo(() => (tenantId ? { tenantId, text: text.trim() === "" ? null : text.trim() } : null), [tenantId, text]);
  const { result } = useCommandQuery(["listItems", request], request && (() => commands.listItems(request)));

  if (organisations.state !== "loading" && !current) {
    return (
      <section data-testid="screen-items">
        <h1 tabIndex={-1}>Items</h1>
        <EmptyState heading="No items yet" body="The products and services of your Xero organisation, with their prices, will appear here once it has synced." />
      </section>
    );
  }
  return (
    <section data-testid="screen-items">
      <h1 tabIndex={-1}>Items</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <input type="search" aria-label="Search items" placeholder="Search code, name, description" data-testid="items-search" value={text} onChange={(e) => setText(e.target.value)} />
      </form>
      {result.state === "loading" && <p role="status">Reading the items…</p>}
      {result.state === "error" && <ErrorNotice error={result.error} />}
      {result.state === "ok" &&
        (result.data.items.length === 0 ? (
          <p className="muted">{text.trim() ? "No item matches this search." : "This organisation has no items."}</p>
        ) : (
          <>
            <DataTable data={result.data.items} columns={columns} label="Items" testId="items-table" rowKey={(i) => i.xeroId} rowProps={() => ({ "data-testid": "item-row" })} />
            {result.data.truncated && <p className="muted">Only the first {result.data.items.length.toLocaleString()} items are shown: search to narrow them.</p>}
          </>
        ))}
    </section>
  );
}

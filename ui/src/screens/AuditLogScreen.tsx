import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { commands, type ApiError, type AuditLogRequest, type AuditVerifyView } from "../bindings";
import { useOrganisation, useOrganisationZone } from "../app/organisation";
import { formatInstant } from "../lib/format";
import { settle, useCommandPages } from "../app/query";
import { useSearchState, type RawSearch } from "../app/searchState";
import { DataTable } from "../components/DataTable";
import { ErrorNotice } from "../components/ErrorNotice";

const PAGE = 100;

interface Filters {
  recordId: string;
  table: string;
  actor: string;
  dateFrom: string;
  dateTo: string;
  thisOrganisation: boolean;
}

/** The filters shown, as the URL keeps them (`?table=invoices&actor=user&all=1`). */
const readFilters = (raw: RawSearch): Filters => ({
  recordId: raw.record ?? "",
  table: raw.table ?? "",
  actor: raw.actor ?? "",
  dateFrom: raw.from ?? "",
  dateTo: raw.to ?? "",
  thisOrganisation: raw.all !== "1",
});
const writeFilters = (f: Filters): RawSearch => ({ record: f.recordId, table: f.table, actor: f.actor, from: f.dateFrom, to: f.dateTo, all: f.thisOrganisation ? "" : "1" });

const orNull = (s: string) => (s.trim() === "" ? null : s.trim());

function FieldError({ error, field }: { error: ApiError | null; field: string }) {
  const f = error?.fields?.find((e) => e.field === field);
  return f ? (
    <span className="error" id={`audit-${field}-error`}>
      {f.message}
    </span>
  ) : null;
}

/**
 * Every change to the ledger, newest first, filtered by record, table, actor and
 * date (pages of 100 by keyset), and the audit hash chain's check.
 */
export function AuditLogScreen() {
  const { organisations, current } = useOrganisation();
  const zone = useOrganisationZone();
  // The first query waits for the organisation being looked at.
  const ready = organisations.state !== "loading";
  // The form is a draft; "Show" applies it to the URL, whose filters the listing follows.
  const { draft, applied, edit: setDraft, apply } = useSearchState(readFilters, writeFilters);
  const [verify, setVerify] = useState<{ phase: "idle" | "working" } | { phase: "done"; view: AuditVerifyView } | { phase: "failed"; error: ApiError }>({
    phase: "idle",
  });
  const tenantId = applied.thisOrganisation ? (current?.tenantId ?? null) : null;
  // The dates are days where the organisation being looked at is, even over every organisation's rows.
  const daysOf = current?.tenantId ?? null;
  const request: Omit<AuditLogRequest, "after"> = {
    tenantId,
    recordId: orNull(applied.recordId),
    table: orNull(applied.table),
    actor: orNull(applied.actor),
    dateFrom: orNull(applied.dateFrom),
    dateTo: orNull(applied.dateTo),
    daysOf,
    limit: PAGE,
  };
  // Pages of the filters applied, by keyset; "Show" with the same filters reads them afresh.
  const client = useQueryClient();
  const { query, rows, loading } = useCommandPages(["auditLog", request], ready ? (after) => commands.auditLog({ ...request, after }) : null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (JSON.stringify(draft) === JSON.stringify(applied)) void client.resetQueries({ queryKey: ["auditLog", request], exact: true });
    else apply(draft, 0, true);
  };
  const runVerify = async () => {
    setVerify({ phase: "working" });
    const r = await settle(commands.verifyAudit);
    if (r.state === "ok") setVerify({ phase: "done", view: r.data });
    else if (r.state === "error") setVerify({ phase: "failed", error: r.error });
  };
  const set = (k: keyof Filters) => (e: { target: { value: string; checked: boolean } }) =>
    setDraft((d) => ({ ...d, [k]: k === "thisOrganisation" ? e.target.checked : e.target.value }));
  const error = query.error;
  const invalid = (field: string) =>
    error?.fields?.some((f) => f.field === field) ? { "aria-invalid": true, "aria-describedby": `audit-${field}-error` } : {};

  return (
    <section data-testid="screen-audit-log">
      <h1 tabIndex={-1}>Audit log</h1>
      <p className="muted">Every change to the ledger, from a sync or from you, newest first. Each row is chained to the one before by its hash.</p>

      <h2>Chain check</h2>
      <p>
        <button type="button" data-testid="verify-audit" onClick={() => void runVerify()} disabled={verify.phase === "working"}>
          {verify.phase === "working" ? "Checking every row…" : "Verify the audit chain"}
        </button>
      </p>
      {verify.phase === "done" && verify.view.intact && (
        <p role="status" data-testid="audit-intact">
          The chain is intact: {verify.view.rowsChecked.toLocaleString()} rows checked
          {verify.view.filesChecked > 0 && <>, and {verify.view.filesChecked.toLocaleString()} attachment files match their hashes</>}.
        </p>
      )}
      {verify.phase === "done" && verify.view.firstBreak && (
        <p role="alert" className="error" data-testid="audit-broken">
          The chain is broken at row {verify.view.firstBreak.seq} ({verify.view.firstBreak.kind}): {verify.view.firstBreak.detail}
        </p>
      )}
      {verify.phase === "done" && verify.view.fileProblems.length > 0 && (
        <div role="alert" className="error" data-testid="audit-file-problems">
          <p>
            {verify.view.fileProblems.length === 1 ? "One attachment file does" : `${verify.view.fileProblems.length} attachment files do`} not match
            what the audit trail recorded. Restore them from a backup, or sync again to fetch them from Xero.
          </p>
          <ul>
            {verify.view.fileProblems.map((p) => (
              <li key={`${p.tenantId}/${p.attachmentId}`}>
                {p.fileName}: {p.missing ? "missing from the attachments folder" : "its contents were changed"}
              </li>
            ))}
          </ul>
        </div>
      )}
      {verify.phase === "failed" && (
        <ErrorNotice error={verify.error} />
      )}

      <h2>Changes</h2>
      <form className="filters" onSubmit={submit} aria-label="Audit log filters">
        <label>
          Record (Xero id) <input value={draft.recordId} onChange={set("recordId")} />
        </label>
        <label>
          Table <input value={draft.table} onChange={set("table")} placeholder="invoices" />
        </label>
        <label>
          Actor <input value={draft.actor} onChange={set("actor")} placeholder="sync, user…" />
        </label>
        <span>
          <label>
            From <input type="date" value={draft.dateFrom} onChange={set("dateFrom")} {...invalid("dateFrom")} />
          </label>{" "}
          <FieldError error={error} field="dateFrom" />
        </span>
        <span>
          <label>
            To <input type="date" value={draft.dateTo} onChange={set("dateTo")} {...invalid("dateTo")} />
          </label>{" "}
          <FieldError error={error} field="dateTo" />
        </span>
        <span className="muted" data-testid="audit-days-zone">
          Days in {zone ?? "UTC"}
        </span>
        {current && (
          <label>
            <input type="checkbox" checked={draft.thisOrganisation} onChange={set("thisOrganisation")} /> Only {current.name}
          </label>
        )}
        <button type="submit">Show</button>
      </form>
      {error && !error.fields && (
        <ErrorNotice error={error} />
      )}
      {query.isSuccess && rows.length === 0 && <p className="muted">No changes match.</p>}
      {rows.length > 0 && (
        <DataTable
          data={rows}
          columns={[
            { header: "#", id: "seq", cell: ({ row }) => row.original.entry.seq },
            { header: "When", id: "at", cell: ({ row }) => formatInstant(row.original.entry.at, zone) },
            { header: "Table", accessorKey: "table" },
            { header: "Record", accessorKey: "recordId" },
            { header: "Action", id: "action", cell: ({ row }) => row.original.entry.action },
            { header: "Actor", id: "actor", cell: ({ row }) => row.original.entry.actor },
            { header: "Changed fields", id: "fields", cell: ({ row }) => row.original.entry.changes.map((c) => c.field).join(", ") },
          ]}
          label="Changes"
          testId="audit-table"
          rowKey={(r) => String(r.entry.seq)}
          rowProps={() => ({ "data-testid": "audit-row" })}
        />
      )}
      {loading && <p role="status">Reading the audit log…</p>}
      {query.hasNextPage && !loading && (
        <p>
          <button type="button" data-testid="audit-more" onClick={() => void query.fetchNextPage()}>
            Show more
          </button>
        </p>
      )}
    </section>
  );
}

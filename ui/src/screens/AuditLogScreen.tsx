import { useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState, type FormEvent } from "react";
import { commands, type ApiError, type AuditChangeWordsView, type AuditLogRequest, type AuditLogRowView, type AuditValueView, type AuditVerifyView } from "../bindings";
import { useOrganisation, useOrganisationZone } from "../app/organisation";
import { isRecordEntity } from "../app/records";
import { formatDate, formatInstant, formatMoney } from "../lib/format";
import { settle, useCommandPages, useCommandQuery } from "../app/query";
import { useSearchState, type RawSearch } from "../app/searchState";
import { DataTable } from "../components/DataTable";
import { ErrorNotice } from "../components/ErrorNotice";

const PAGE = 100;

interface Filters {
  recordId: string;
  table: string;
  actor: string;
  /** The contact's Xero id, once one is chosen; its name is what the field shows. */
  contactId: string;
  contactName: string;
  dateFrom: string;
  dateTo: string;
  thisOrganisation: boolean;
}

/** The filters shown, as the URL keeps them (`?table=invoices&actor=user&contact=<id>&all=1`). */
const readFilters = (raw: RawSearch): Filters => ({
  recordId: raw.record ?? "",
  table: raw.table ?? "",
  actor: raw.actor ?? "",
  contactId: raw.contact ?? "",
  contactName: raw.contactName ?? "",
  dateFrom: raw.from ?? "",
  dateTo: raw.to ?? "",
  thisOrganisation: raw.all !== "1",
});
const writeFilters = (f: Filters): RawSearch => ({
  record: f.recordId,
  table: f.table,
  actor: f.actor,
  contact: f.contactId,
  contactName: f.contactId ? f.contactName : "",
  from: f.dateFrom,
  to: f.dateTo,
  all: f.thisOrganisation ? "" : "1",
});

/** The record types to filter by: the ledger's tables, in words. */
const RECORD_TYPES: [table: string, words: string][] = [
  ["invoices", "Invoices and bills"],
  ["credit_notes", "Credit notes"],
  ["payments", "Payments"],
  ["bank_transactions", "Bank transactions"],
  ["bank_transfers", "Bank transfers"],
  ["overpayments", "Overpayments"],
  ["prepayments", "Prepayments"],
  ["manual_journals", "Manual journals"],
  ["purchase_orders", "Purchase orders"],
  ["quotes", "Quotes"],
  ["repeating_invoices", "Repeating invoices"],
  ["contacts", "Contacts"],
  ["accounts", "Accounts"],
  ["items", "Items"],
  ["tax_rates", "Tax rates"],
  ["tracking_categories", "Tracking categories"],
  ["organisations", "Organisations"],
  ["attachments", "Attachments"],
  ["outbox", "Payments to send to Xero"],
  ["anomaly_findings", "Findings"],
  ["budgets", "Budgets"],
];

/** Who made a change, as the audit trail's actor starts. */
const ACTORS: [actor: string, words: string][] = [
  ["sync", "Sync"],
  ["user", "You"],
  ["cli", "The command line"],
];

/** A value in the owner's format: money with its separators, a date as a date, "—" for none. */
function valueText(v: AuditValueView): string {
  switch (v.kind) {
    case "money":
      return formatMoney(v.amount);
    case "date":
      return formatDate(v.date);
    case "text":
      return v.text;
    default:
      return "—";
  }
}

/** "Status Authorised → Paid", "Line items changed"; for an addition "Status Authorised". */
function changeText(c: AuditChangeWordsView, action: string): string {
  if (c.old.kind === "many" || c.new.kind === "many") return `${c.label} changed`;
  if (action === "added") return `${c.label} ${valueText(c.new)}`;
  return `${c.label} ${valueText(c.old)} → ${valueText(c.new)}`;
}

/**
 * The entry in words, its record linked to its page where it has one (a record of the organisation
 * being looked at, which the page shows), and its stored fields behind "Details".
 */
function Entry({ row, zone, tenantId, onContact }: { row: AuditLogRowView; zone: string | null; tenantId: string | null; onContact: (id: string, name: string) => void }) {
  const w = row.words;
  const entity = row.entity;
  const changed = w.changes.length > 0 ? w.changes.map((c) => changeText(c, w.action)).join("; ") : "";
  const what = w.action === "changed" ? changed || "changed" : changed ? `${w.action}: ${changed}` : w.action;
  return (
    <div data-testid="audit-words">
      <p>
        {entity && isRecordEntity(entity) && row.tenantId === tenantId ? (
          <Link to="/records/$entity/$id" params={{ entity, id: row.recordId }} data-testid="audit-record-link">
            {w.title}
          </Link>
        ) : (
          <strong>{w.title}</strong>
        )}
        : {what}{" "}
        <span className="muted">
          ({w.by}, {formatInstant(row.entry.at, zone)})
        </span>
      </p>
      <details data-testid="audit-details">
        <summary>Details</summary>
        <dl>
          <dt>Row</dt>
          <dd>{row.entry.seq}</dd>
          <dt>Table</dt>
          <dd>{row.table}</dd>
          <dt>Record id</dt>
          <dd>{row.recordId}</dd>
          <dt>Action</dt>
          <dd>{row.entry.action}</dd>
          <dt>Actor</dt>
          <dd>{row.entry.actor}</dd>
          <dt>Written at (UTC)</dt>
          <dd>{row.entry.at}</dd>
          <dt>Hash</dt>
          <dd>{row.entry.hash}</dd>
        </dl>
        {row.entry.changes.length > 0 && (
          <ul aria-label="Stored fields">
            {row.entry.changes.map((c) => (
              <li key={c.field}>
                <code>{c.field}</code>: <code>{c.old}</code> → <code>{c.new}</code>
              </li>
            ))}
          </ul>
        )}
        {w.contactId && w.contactName && (
          <button type="button" onClick={() => onContact(w.contactId ?? "", w.contactName ?? "")}>
            Only changes for {w.contactName}
          </button>
        )}
      </details>
    </div>
  );
}

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
 * Every change to the ledger in words, newest first, filtered by record type, contact, who made
 * it, date and record (pages of 100 by keyset), each linked to its record and with its stored
 * fields behind "Details"; and the audit hash chain's check.
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
    contactId: orNull(applied.contactId),
    dateFrom: orNull(applied.dateFrom),
    dateTo: orNull(applied.dateTo),
    daysOf,
    limit: PAGE,
  };
  // Pages of the filters applied, by keyset; "Show" with the same filters reads them afresh.
  const client = useQueryClient();
  const { query, rows, loading } = useCommandPages(["auditLog", request], ready ? (after) => commands.auditLog({ ...request, after }) : null);

  // The contacts whose names hold what is typed, offered as the field's suggestions.
  const contactText = draft.contactName.trim();
  const suggestions = useCommandQuery(
    ["listContacts", { tenantId: current?.tenantId ?? null, text: contactText, limit: 20 }],
    current && contactText !== "" ? () => commands.listContacts({ tenantId: current.tenantId, text: contactText, limit: 20, after: null }) : null,
  );
  const contacts = suggestions.query.data?.rows ?? [];
  const [contactProblem, setContactProblem] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    // A name typed is the contact of that name among the suggestions; none typed, no contact.
    let next = draft;
    if (draft.contactName.trim() === "") next = { ...draft, contactId: "", contactName: "" };
    else if (!draft.contactId) {
      const match = contacts.find((c) => (c.name ?? "").toLowerCase() === draft.contactName.trim().toLowerCase());
      if (!match) {
        setContactProblem(true);
        return;
      }
      next = { ...draft, contactId: match.xeroId, contactName: match.name ?? "" };
    }
    setContactProblem(false);
    if (JSON.stringify(next) === JSON.stringify(applied)) void client.resetQueries({ queryKey: ["auditLog", request], exact: true });
    else apply(next, 0, true);
  };
  const onlyContact = (contactId: string, contactName: string) => {
    setContactProblem(false);
    apply({ ...draft, contactId, contactName }, 0, true);
  };
  const runVerify = async () => {
    setVerify({ phase: "working" });
    const r = await settle(commands.verifyAudit);
    if (r.state === "ok") setVerify({ phase: "done", view: r.data });
    else if (r.state === "error") setVerify({ phase: "failed", error: r.error });
  };
  const set = (k: keyof Filters) => (e: { target: { value: string; checked?: boolean } }) =>
    setDraft((d) => ({ ...d, [k]: k === "thisOrganisation" ? e.target.checked === true : e.target.value }));
  const setContact = (e: { target: { value: string } }) => {
    const name = e.target.value;
    const match = contacts.find((c) => c.name === name);
    setContactProblem(false);
    setDraft((d) => ({ ...d, contactName: name, contactId: match ? match.xeroId : "" }));
  };
  // A table or actor the address names that the lists do not hold is offered as it is.
  const recordTypes = RECORD_TYPES.some(([t]) => t === draft.table) || draft.table === "" ? RECORD_TYPES : [...RECORD_TYPES, [draft.table, draft.table] as [string, string]];
  const actors = ACTORS.some(([a]) => a === draft.actor) || draft.actor === "" ? ACTORS : [...ACTORS, [draft.actor, draft.actor] as [string, string]];
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
          Record type{" "}
          <select value={draft.table} onChange={set("table")}>
            <option value="">Any</option>
            {recordTypes.map(([t, words]) => (
              <option key={t} value={t}>
                {words}
              </option>
            ))}
          </select>
        </label>
        {current && (
          <span>
            <label>
              Contact{" "}
              <input
                value={draft.contactName}
                onChange={setContact}
                list="audit-contacts"
                placeholder="Any"
                {...(contactProblem ? { "aria-invalid": true, "aria-describedby": "audit-contactId-error" } : invalid("contactId"))}
              />
            </label>
            <datalist id="audit-contacts">
              {contacts.map((c) => (
                <option key={c.xeroId} value={c.name ?? ""} />
              ))}
            </datalist>{" "}
            {contactProblem ? (
              <span className="error" id="audit-contactId-error">
                Choose a contact of {current.name} from the list.
              </span>
            ) : (
              <FieldError error={error} field="contactId" />
            )}
          </span>
        )}
        <label>
          Changed by{" "}
          <select value={draft.actor} onChange={set("actor")}>
            <option value="">Anyone</option>
            {actors.map(([a, words]) => (
              <option key={a} value={a}>
                {words}
              </option>
            ))}
          </select>
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
          columns={[{ header: "Change", id: "change", cell: ({ row }) => <Entry row={row.original} zone={zone} tenantId={current?.tenantId ?? null} onContact={onlyContact} /> }]}
          label="Changes"
          testId="audit-table"
          rowKey={(r) => String(r.entry.seq)}
          rowProps={(r) => ({ "data-testid": "audit-row", "data-seq": String(r.entry.seq), "data-table": r.table, "data-actor": r.entry.actor })}
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

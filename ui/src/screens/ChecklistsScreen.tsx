import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  commands,
  type ApiError,
  type CheckKind,
  type RunStepView,
  type RunView,
  type SaveSopRequest,
  type SopVersionView,
  type SopView,
} from "../bindings";
import { useOrganisation, useOrganisationZone } from "../app/organisation";
import { settle, useCommandQuery } from "../app/query";
import { DataTable } from "../components/DataTable";
import { EmptyState } from "../components/EmptyState";
import { FieldMessage, fieldErrors } from "../components/FieldMessage";
import { formatAmount, formatDate, formatInstant, formatSentence, todayIn } from "../lib/format";
import { Markdown } from "../lib/markdown";
import { ErrorNotice } from "../components/ErrorNotice";

const FREQUENCIES = ["daily", "weekly", "monthly", "quarterly", "yearly"] as const;

/** The automated checks a step may carry, as the owner reads them. */
export const CHECKS: Record<CheckKind, string> = {
  unreconciled_bank_lines: "No unreconciled bank lines up to the period's end",
  stale_drafts: "No draft invoices or bills older than N days",
  suspense_at_zero: "Suspense and clearing accounts at zero",
  bank_accounts_synced: "Every bank account synced since the period ended",
  period_locked: "Period lock date set",
  closed_period_edits: "No edits to a signed-off period since its sign-off",
};

const blankSop = (): SaveSopRequest => ({
  id: null,
  title: "",
  owner: "",
  frequency: "monthly",
  dueRule: "5th business day",
  steps: [{ body: "", check: null, checkParam: null }],
});

/** The month before `today` (`YYYY-MM-DD`, the organisation's today), `YYYY-MM`: the period a close usually runs for. */
export function lastMonth(today: string): string {
  const [y = 1970, m = 1] = today.split("-").map(Number);
  return m === 1 ? `${String(y - 1).padStart(4, "0")}-12` : `${String(y).padStart(4, "0")}-${String(m - 1).padStart(2, "0")}`;
}

/** Creates or edits a procedure; every refused field shows its message beside it. */
function SopEditor({ initial, onSaved, onCancel }: { initial: SaveSopRequest; onSaved: (s: SopView) => void; onCancel: () => void }) {
  const [form, setForm] = useState<SaveSopRequest>(initial);
  const [error, setError] = useState<ApiError | null>(null);
  const [saving, setSaving] = useState(false);
  const errors = fieldErrors(error);
  const setStep = (i: number, patch: Partial<SaveSopRequest["steps"][number]>) =>
    setForm((f) => ({ ...f, steps: f.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) }));
  const move = (i: number, by: number) =>
    setForm((f) => {
      const steps = [...f.steps];
      const [s] = steps.splice(i, 1);
      if (s) steps.splice(Math.max(0, Math.min(steps.length, i + by)), 0, s);
      return { ...f, steps };
    });
  const save = async () => {
    setSaving(true);
    const r = await settle(() => commands.saveSop(form));
    setSaving(false);
    if (r.state === "ok") onSaved(r.data);
    else if (r.state === "error") setError(r.error);
  };
  return (
    <form
      className="sop-editor"
      data-testid="sop-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3>{form.id ? "Edit procedure" : "New procedure"}</h3>
      {error && !error.fields && (
        <ErrorNotice error={error} />
      )}
      <div className="field">
        <label htmlFor="sop-title">Title</label>
        <input id="sop-title" data-testid="sop-title" value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} />
        <FieldMessage errors={errors} field="title" />
      </div>
      <div className="field">
        <label htmlFor="sop-owner">Owner</label>
        <input id="sop-owner" data-testid="sop-owner" value={form.owner} onChange={(e) => setForm({ ...form, owner: e.target.value })} />
        <FieldMessage errors={errors} field="owner" />
      </div>
      <div className="field">
        <label htmlFor="sop-frequency">Frequency</label>
        <select id="sop-frequency" data-testid="sop-frequency" value={form.frequency} onChange={(e) => setForm({ ...form, frequency: e.target.value })}>
          {FREQUENCIES.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
        <FieldMessage errors={errors} field="frequency" />
      </div>
      <div className="field">
        <label htmlFor="sop-due">Due</label>
        <input id="sop-due" data-testid="sop-due-rule" value={form.dueRule} onChange={(e) => setForm({ ...form, dueRule: e.target.value })} />
        <span className="muted">e.g. 5th business day, 10th day, last business day, last day (after the period ends).</span>
        <FieldMessage errors={errors} field="dueRule" />
      </div>
      <h4>Steps</h4>
      <FieldMessage errors={errors} field="steps" />
      <ol className="sop-steps">
        {form.steps.map((s, i) => (
          <li key={i} data-testid="sop-step">
            <textarea
              aria-label={`Step ${i + 1} (Markdown)`}
              data-testid={`sop-step-body-${i}`}
              rows={3}
              value={s.body}
              onChange={(e) => setStep(i, { body: e.target.value })}
            />
            <FieldMessage errors={errors} field={`steps[${i}].body`} />
            <select
              aria-label={`Step ${i + 1} automated check`}
              data-testid={`sop-step-check-${i}`}
              value={s.check ?? ""}
              onChange={(e) => setStep(i, { check: e.target.value || null })}
            >
              <option value="">Manual step</option>
              {Object.entries(CHECKS).map(([k, label]) => (
                <option key={k} value={k}>
                  Check: {label}
                </option>
              ))}
            </select>
            {s.check === "stale_drafts" && (
              <input
                type="number"
                aria-label={`Step ${i + 1} days`}
                min={1}
                max={365}
                value={s.checkParam ?? 14}
                onChange={(e) => setStep(i, { checkParam: Number.parseInt(e.target.value, 10) || null })}
              />
            )}
            <FieldMessage errors={errors} field={`steps[${i}].check`} />
            <FieldMessage errors={errors} field={`steps[${i}].checkParam`} />
            <span className="step-tools">
              <button type="button" onClick={() => move(i, -1)} disabled={i === 0} aria-label={`Move step ${i + 1} up`}>
                ↑
              </button>
              <button type="button" onClick={() => move(i, 1)} disabled={i === form.steps.length - 1} aria-label={`Move step ${i + 1} down`}>
                ↓
              </button>
              <button
                type="button"
                onClick={() => setForm((f) => ({ ...f, steps: f.steps.filter((_, j) => j !== i) }))}
                aria-label={`Remove step ${i + 1}`}
              >
                Remove
              </button>
            </span>
          </li>
        ))}
      </ol>
      <p>
        <button
          type="button"
          data-testid="sop-add-step"
          onClick={() => setForm((f) => ({ ...f, steps: [...f.steps, { body: "", check: null, checkParam: null }] }))}
        >
          Add a step
        </button>{" "}
        <button type="submit" data-testid="sop-save" disabled={saving}>
          {saving ? "Saving…" : "Save procedure"}
        </button>{" "}
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </p>
    </form>
  );
}

/** Every saved version of a procedure, newest first. */
function Versions({ sop }: { sop: SopView }) {
  const zone = useOrganisationZone();
  const { result } = useCommandQuery(["sopVersions", { id: sop.id }], () => commands.sopVersions({ id: sop.id }));
  if (result.state === "loading") return <p role="status">Loading…</p>;
  if (result.state === "error") return <p role="alert" className="error">{result.error.message}</p>;
  const versions: SopVersionView[] = [...result.data].reverse();
  return (
    <ol className="history" data-testid="sop-versions">
      {versions.map((v) => (
        <li key={v.version}>
          Version {v.version}, saved {formatInstant(v.savedAt, zone)} by {v.savedBy}: “{v.title}”, {v.frequency}, due {v.dueRule}, {v.steps.length} steps
          (owner {v.owner}).
        </li>
      ))}
    </ol>
  );
}

function Procedures() {
  const client = useQueryClient();
  const { result } = useCommandQuery(["listSops", { includeArchived: true }], () => commands.listSops({ includeArchived: true }));
  // A procedure saved, archived or imported: the list, and any version history shown, are read again.
  const reload = () => {
    void client.invalidateQueries({ queryKey: ["listSops"] });
    void client.invalidateQueries({ queryKey: ["sopVersions"] });
  };
  const [editing, setEditing] = useState<SaveSopRequest | null>(null);
  const [history, setHistory] = useState<number | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const importStarter = async () => {
    const r = await settle(commands.importStarterSops);
    setMessage(r.state === "ok" ? `Imported ${r.data.length} procedures.` : r.state === "error" ? r.error.message : null);
    reload();
  };
  const archive = async (s: SopView) => {
    const r = await settle(() => commands.archiveSop({ id: s.id, archived: !s.archived }));
    if (r.state === "error") setMessage(r.error.message);
    reload();
  };
  const sops = result.state === "ok" ? result.data : [];
  return (
    <section aria-labelledby="procedures-head">
      <div className="section-head">
        <h2 id="procedures-head">Procedures</h2>
        <button type="button" data-testid="sop-new" onClick={() => setEditing(blankSop())}>
          New procedure
        </button>
        <button type="button" data-testid="sop-import" onClick={() => void importStarter()}>
          Import the starter library
        </button>
      </div>
      {message && (
        <p role="status" className="muted">
          {message}
        </p>
      )}
      {editing && (
        <SopEditor
          key={editing.id ?? "new"}
          initial={editing}
          onSaved={(s) => {
            setEditing(null);
            setMessage(`Saved “${s.title}”, version ${s.version}.`);
            reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {result.state === "error" && (
        <ErrorNotice error={result.error} />
      )}
      {result.state === "ok" && sops.length === 0 && !editing && (
        <EmptyState heading="No procedures yet" body="Write your own, or import the starter library: month-end close, bank reconciliation, receivables, bill payments, payroll accrual, GST/VAT and year-end." />
      )}
      {sops.length > 0 && (
        <DataTable
          data={sops}
          columns={[
            {
              header: "Procedure",
              id: "title",
              cell: ({ row: { original: s } }) => (
                <>
                  {s.title}
                  {s.archived ? " (archived)" : ""}
                </>
              ),
            },
            { header: "Owner", accessorKey: "owner" },
            { header: "Frequency", accessorKey: "frequency" },
            { header: "Due", accessorKey: "dueRule" },
            { header: "Steps", id: "steps", cell: ({ row: { original: s } }) => `${s.steps.length} (${s.steps.filter((st) => st.check).length} automated)` },
            { header: "Version", accessorKey: "version" },
            {
              header: () => <span className="visually-hidden">Actions</span>,
              id: "actions",
              cell: ({ row: { original: s } }) => (
                <>
                  <button
                    type="button"
                    onClick={() =>
                      setEditing({
                        id: s.id,
                        title: s.title,
                        owner: s.owner,
                        frequency: s.frequency,
                        dueRule: s.dueRule,
                        steps: s.steps.map((st) => ({ body: st.body, check: st.check, checkParam: st.checkParam })),
                      })
                    }
                  >
                    Edit
                  </button>{" "}
                  <button type="button" onClick={() => void archive(s)}>
                    {s.archived ? "Restore" : "Archive"}
                  </button>{" "}
                  <button type="button" aria-expanded={history === s.id} onClick={() => setHistory(history === s.id ? null : s.id)}>
                    Versions
                  </button>
                </>
              ),
            },
          ]}
          label="Procedures"
          testId="sop-list"
          rowKey={(s) => String(s.id)}
          rowProps={(s) => ({ "data-testid": "sop-row", className: s.archived ? "muted" : undefined })}
          expanded={(s) => (history === s.id ? <Versions sop={s} /> : null)}
        />
      )}
    </section>
  );
}

function StepRow({ step, locked, who, onChanged }: { step: RunStepView; locked: boolean; who: string; onChanged: (r: RunView) => void }) {
  const [note, setNote] = useState(step.note ?? "");
  const [error, setError] = useState<ApiError | null>(null);
  const errors = fieldErrors(error);
  const tick = async (done: boolean) => {
    const r = await settle(() => commands.tickCloseStep({ stepId: step.id, done, who, note: note || null }));
    if (r.state === "ok") {
      setError(null);
      onChanged(r.data);
    } else if (r.state === "error") setError(r.error);
  };
  const outcome = step.outcome;
  const zone = useOrganisationZone();
  return (
    <li className="run-step" data-testid="run-step" data-check={step.check ?? "manual"} data-status={outcome?.status ?? (step.doneAt ? "done" : "open")}>
      <div className="run-step-head">
        <input
          type="checkbox"
          aria-label="Done"
          data-testid={`tick-${step.id}`}
          checked={step.doneAt !== null}
          disabled={locked}
          onChange={(e) => void tick(e.target.checked)}
        />
        <Markdown text={step.body} />
        {outcome && (
          <span className={`badge ${outcome.status === "pass" ? "badge-ok" : "badge-failed"}`} data-testid="check-status">
            {outcome.status === "pass" ? "Pass" : "Fail"}
          </span>
        )}
      </div>
      {outcome && (
        <div className="check-outcome">
          <p data-testid="check-summary">{formatSentence(outcome.summary, zone)}</p>
          {outcome.evidence.length > 0 && (
            <details open={outcome.status === "fail"}>
              <summary>Evidence ({outcome.evidence.length})</summary>
              <DataTable
                data={outcome.evidence.slice(0, 200)}
                columns={[
                  { header: "Date", id: "date", cell: ({ row }) => (row.original.date ? formatDate(row.original.date) : "") },
                  { header: "Record", accessorKey: "label" },
                  { header: "Amount", id: "amount", meta: { amount: true }, cell: ({ row: { original: e } }) => (e.amount ? formatAmount(e.currency, e.amount) : "") },
                  { header: "Why", id: "why", cell: ({ row }) => formatSentence(row.original.detail, zone) },
                ]}
                label="Evidence"
                testId="evidence"
                rowProps={(e) => ({ "data-testid": "evidence-row", title: `${e.table} ${e.xeroId}` })}
              />
            </details>
          )}
        </div>
      )}
      <p className="muted">
        Due <span data-testid="step-due">{formatDate(step.dueDate)}</span>
        {step.doneAt && ` · done by ${step.doneBy ?? "?"} at ${formatInstant(step.doneAt, zone)}`}
        {step.note && ` · “${step.note}”`}
      </p>
      {!locked && step.doneAt === null && (
        <input aria-label="Note" placeholder="Note (optional)" data-testid={`note-${step.id}`} value={note} onChange={(e) => setNote(e.target.value)} />
      )}
      <FieldMessage errors={errors} field="who" />
      <FieldMessage errors={errors} field="note" />
      {error && !error.fields && (
        <ErrorNotice error={error} />
      )}
    </li>
  );
}

function Run({ run, onChanged }: { run: RunView; onChanged: (r: RunView) => void }) {
  const [who, setWho] = useState(() => localStorage.getItem("ledgerkeep.who") ?? "");
  const [error, setError] = useState<ApiError | null>(null);
  const locked = run.signedOffAt !== null;
  const zone = useOrganisationZone();
  const errors = fieldErrors(error);
  const remember = (v: string) => {
    setWho(v);
    localStorage.setItem("ledgerkeep.who", v);
  };
  const act = async (f: () => ReturnType<typeof commands.closeRun>) => {
    const r = await settle(f);
    if (r.state === "ok") {
      setError(null);
      onChanged(r.data);
    } else if (r.state === "error") setError(r.error);
  };
  const bySop = new Map<string, RunStepView[]>();
  for (const s of run.steps) bySop.set(s.sopTitle, [...(bySop.get(s.sopTitle) ?? []), s]);
  return (
    <section aria-labelledby="run-head" data-testid="run">
      <div className="section-head">
        <h2 id="run-head" data-testid="run-title">
          {run.title}
        </h2>
        {!locked && (
          <button type="button" data-testid="run-checks" onClick={() => void act(() => commands.runCloseChecks({ runId: run.id }))}>
            Check again
          </button>
        )}
      </div>
      {run.warnings.map((w) => (
        <p key={w} className="notice" role="alert" data-testid="run-warning">
          {formatSentence(w, zone)}
        </p>
      ))}
      {run.editsSinceSignOff.length > 0 && (
        <ul data-testid="run-edits">
          {run.editsSinceSignOff.map((e, i) => (
            <li key={i}>
              {e.date ? formatDate(e.date) : ""} {e.table} {e.xeroId}: {formatSentence(e.detail, zone)}
            </li>
          ))}
        </ul>
      )}
      {locked ? (
        <p role="status" data-testid="signed-off">
          Signed off by {run.signedOffBy} at {formatInstant(run.signedOffAt, zone)}. Ledger hash <code>{run.ledgerHash?.slice(0, 16)}…</code>
        </p>
      ) : (
        <div className="field">
          <label htmlFor="run-who">Your name</label>
          <input id="run-who" data-testid="run-who" value={who} onChange={(e) => remember(e.target.value)} />
          <FieldMessage errors={errors} field="who" />
        </div>
      )}
      {[...bySop.entries()].map(([title, steps]) => (
        <div key={title}>
          <h3>{title}</h3>
          <ol className="run-steps">
            {steps.map((s) => (
              <StepRow key={s.id} step={s} locked={locked} who={who} onChanged={onChanged} />
            ))}
          </ol>
        </div>
      ))}
      {!locked && (
        <p>
          <button type="button" data-testid="sign-off" onClick={() => void act(() => commands.signOffCloseRun({ runId: run.id, who }))}>
            Sign off {run.title}
          </button>
        </p>
      )}
      {error && !error.fields && (
        <ErrorNotice error={error} testId="run-error" />
      )}
    </section>
  );
}

function Runs({ tenantId }: { tenantId: string }) {
  const client = useQueryClient();
  const { result: listed } = useCommandQuery(["listCloseRuns", { tenantId }], () => commands.listCloseRuns({ tenantId }));
  const runs = listed.state === "ok" ? listed.data : [];
  const reloadRuns = () => void client.invalidateQueries({ queryKey: ["listCloseRuns", { tenantId }] });
  const [run, setRun] = useState<RunView | null>(null);
  const zone = useOrganisationZone();
  const [period, setPeriod] = useState(() => lastMonth(todayIn(zone)));
  const [error, setError] = useState<ApiError | null>(null);
  const errors = fieldErrors(error);
  const start = async () => {
    const r = await settle(() => commands.startCloseRun({ tenantId, period }));
    if (r.state === "ok") {
      setError(null);
      setRun(r.data);
      reloadRuns();
    } else if (r.state === "error") setError(r.error);
  };
  const open = async (id: number) => {
    const r = await settle(() => commands.closeRun({ runId: id }));
    if (r.state === "ok") setRun(r.data);
    else if (r.state === "error") setError(r.error);
  };
  return (
    <section aria-labelledby="runs-head">
      <div className="section-head">
        <h2 id="runs-head">Closes</h2>
      </div>
      <div className="filters">
        <label htmlFor="run-period">Period</label>
        <input id="run-period" data-testid="run-period" placeholder="YYYY-MM" value={period} onChange={(e) => setPeriod(e.target.value)} />
        <button type="button" data-testid="start-run" onClick={() => void start()}>
          Start the close
        </button>
      </div>
      <FieldMessage errors={errors} field="period" />
      <FieldMessage errors={errors} field="tenantId" />
      {error && !error.fields && (
        <ErrorNotice error={error} />
      )}
      {runs.length > 0 && (
        <ul className="run-list" data-testid="run-list">
          {runs.map((r) => (
            <li key={r.id}>
              <button type="button" onClick={() => void open(r.id)}>
                {r.title}
              </button>{" "}
              <span className="muted">
                {r.done}/{r.steps} done{r.signedOffAt ? ` · signed off ${formatInstant(r.signedOffAt, zone)}` : ""}
              </span>
            </li>
          ))}
        </ul>
      )}
      {run && (
        <Run
          run={run}
          onChanged={(r) => {
            setRun(r);
            reloadRuns();
          }}
        />
      )}
    </section>
  );
}

/** Procedures, and the period close of the organisation being looked at. */
export function ChecklistsScreen() {
  const { current } = useOrganisation();
  return (
    <section data-testid="screen-checklists">
      <h1 tabIndex={-1}>Checklists</h1>
      <Procedures />
      {current ? (
        <Runs key={current.tenantId} tenantId={current.tenantId} />
      ) : (
        <EmptyState heading="No organisation yet" body="Connect a Xero organisation, or explore the demo company, to run a month-end close against its books." />
      )}
    </section>
  );
}

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { commands, type ApiError, type DataSettings } from "../../bindings";
import { settle, useCommandQuery } from "../../app/query";
import { FieldMessage, fieldErrors } from "../../components/FieldMessage";
import { ErrorNotice } from "../../components/ErrorNotice";

const FIELDS: { field: keyof DataSettings; label: string; hint: string }[] = [
  { field: "syncIntervalMinutes", label: "Sync each organisation every (minutes)", hint: "Applies when Ledgerkeep next starts." },
  { field: "backupKeep", label: "Backups to keep", hint: "Older backups in the backups folder are removed." },
  { field: "backupEveryHours", label: "Back up every (hours)", hint: "A checked backup, after a sync." },
  { field: "syncRunsKeepDays", label: "Days of sync log to keep", hint: "The audit trail is always kept whole." },
];

type Draft = Record<keyof DataSettings, string>;

function draftOf(s: DataSettings): Draft {
  return {
    syncIntervalMinutes: String(s.syncIntervalMinutes),
    backupKeep: String(s.backupKeep),
    backupEveryHours: String(s.backupEveryHours),
    syncRunsKeepDays: String(s.syncRunsKeepDays),
  };
}

/** Settings → Data and sync: the sync interval and what the ledger keeps; each refusal beside its input. */
export function DataSection() {
  const client = useQueryClient();
  const { result } = useCommandQuery(["dataSettings"], commands.dataSettings);
  // The owner's edits; until the first, the settings as the ledger holds them.
  const [edited, setDraft] = useState<Draft | null>(null);
  const draft = edited ?? (result.state === "ok" ? draftOf(result.data) : null);
  const [saveError, setError] = useState<ApiError | null>(null);
  const error = saveError ?? (result.state === "error" ? result.error : null);
  const [saved, setSaved] = useState(false);

  const save = async (d: Draft) => {
    setSaved(false);
    // A whole number, or refused here beside its input before anything is sent.
    const local = FIELDS.filter(({ field }) => !/^\d{1,9}$/.test(d[field].trim())).map(({ field }) => ({
      field,
      message: "A whole number.",
    }));
    if (local.length > 0) {
      setError({ code: "invalid", message: "Some values are not whole numbers.", fields: local });
      return;
    }
    const request = Object.fromEntries(FIELDS.map(({ field }) => [field, Number.parseInt(d[field], 10)])) as DataSettings;
    const r = await settle(() => commands.setDataSettings(request));
    if (r.state === "ok") {
      setError(null);
      client.setQueryData<DataSettings>(["dataSettings"], r.data);
      setDraft(null);
      setSaved(true);
    } else if (r.state === "error") setError(r.error);
  };

  const errors = fieldErrors(error);
  return (
    <>
      <h2>Data and sync</h2>
      {draft && (
        <form
          data-testid="data-settings"
          onSubmit={(e) => {
            e.preventDefault();
            void save(draft);
          }}
        >
          {FIELDS.map(({ field, label, hint }) => (
            <div className="field" key={field}>
              <label htmlFor={`data-${field}`}>{label}</label>
              <input
                id={`data-${field}`}
                data-testid={`data-${field}`}
                inputMode="numeric"
                value={draft[field]}
                aria-invalid={errors[field] ? true : undefined}
                aria-describedby={errors[field] ? `error-${field}` : undefined}
                onChange={(e) => setDraft({ ...draft, [field]: e.target.value })}
              />
              <span className="muted">{hint}</span>
              <FieldMessage errors={errors} field={field} />
            </div>
          ))}
          <button type="submit" data-testid="save-data-settings">
            Save
          </button>
          {saved && (
            <span role="status" data-testid="data-settings-saved">
              {" "}
              Saved.
            </span>
          )}
        </form>
      )}
      {error && !error.fields && (
        <ErrorNotice error={error} testId="data-settings-error" />
      )}
    </>
  );
}

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { commands, type ApiError, type AttachmentSettingsView } from "../../bindings";
import { settle, useCommandQuery } from "../../app/query";
import { FieldMessage, fieldErrors } from "../../components/FieldMessage";
import { ErrorNotice } from "../../components/ErrorNotice";

const KEY = ["attachmentSettings"];

/** KiB as the owner reads sizes: KB, MB or GB with one decimal where it helps. */
export function sizeText(kib: number): string {
  if (kib < 1024) return `${kib} KB`;
  const mb = kib / 1024;
  if (mb < 1024) return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
  const gb = mb / 1024;
  return `${gb < 10 ? gb.toFixed(1) : Math.round(gb)} GB`;
}

type Draft = { enabled: boolean; maxMegabytes: string };

/**
 * Settings → Attachments: whether the documents' files are kept on this computer (fetched after
 * each sync, within what the day's Xero calls leave the books), the largest file fetched, and the
 * space the kept files take.
 */
export function AttachmentsSection() {
  const client = useQueryClient();
  const { result } = useCommandQuery(KEY, commands.attachmentSettings);
  const [edited, setDraft] = useState<Draft | null>(null);
  const view = result.state === "ok" ? result.data : null;
  const draft =
    edited ?? (view ? { enabled: view.settings.enabled, maxMegabytes: String(view.settings.maxMegabytes) } : null);
  const [saveError, setError] = useState<ApiError | null>(null);
  const error = saveError ?? (result.state === "error" ? result.error : null);
  const [saved, setSaved] = useState(false);

  const save = async (d: Draft) => {
    setSaved(false);
    if (!/^\d{1,4}$/.test(d.maxMegabytes.trim())) {
      setError({
        code: "invalid",
        message: "The largest file is not a whole number.",
        fields: [{ field: "maxMegabytes", message: "A whole number of MB." }],
      });
      return;
    }
    const r = await settle(() =>
      commands.setAttachmentSettings({ enabled: d.enabled, maxMegabytes: Number.parseInt(d.maxMegabytes, 10) }),
    );
    if (r.state === "ok") {
      setError(null);
      client.setQueryData<AttachmentSettingsView>(KEY, r.data);
      setDraft(null);
      setSaved(true);
    } else if (r.state === "error") setError(r.error);
  };

  const errors = fieldErrors(error);
  return (
    <>
      <h2>Attachments</h2>
      {result.state === "loading" && <p role="status">Reading…</p>}
      {view && (
        <p data-testid="attachments-space">
          {view.attachments === 0
            ? "No attachment is kept on this computer yet."
            : `${view.attachments} attachment${view.attachments === 1 ? "" : "s"} kept (${view.files} file${
                view.files === 1 ? "" : "s"
              }), taking ${sizeText(view.sizeKib)}.`}{" "}
          <span className="muted">In {view.folder}</span>
        </p>
      )}
      {draft && (
        <form
          data-testid="attachment-settings"
          onSubmit={(e) => {
            e.preventDefault();
            void save(draft);
          }}
        >
          <div className="field">
            <label htmlFor="attachments-enabled">
              <input
                id="attachments-enabled"
                data-testid="attachments-enabled"
                type="checkbox"
                checked={draft.enabled}
                onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })}
              />{" "}
              Keep the documents&apos; attachments on this computer
            </label>
            <span className="muted">
              Fetched after each sync, with the Xero calls the books leave; a large first fetch goes on over the next
              days.
            </span>
          </div>
          <div className="field">
            <label htmlFor="attachments-maxMegabytes">Largest file to fetch (MB)</label>
            <input
              id="attachments-maxMegabytes"
              data-testid="attachments-maxMegabytes"
              inputMode="numeric"
              value={draft.maxMegabytes}
              disabled={!draft.enabled}
              aria-invalid={errors.maxMegabytes ? true : undefined}
              aria-describedby={errors.maxMegabytes ? "error-maxMegabytes" : undefined}
              onChange={(e) => setDraft({ ...draft, maxMegabytes: e.target.value })}
            />
            <span className="muted">Larger files stay in Xero.</span>
            <FieldMessage errors={errors} field="maxMegabytes" />
          </div>
          <button type="submit" data-testid="save-attachment-settings">
            Save
          </button>
          {saved && (
            <span role="status" data-testid="attachment-settings-saved">
              {" "}
              Saved.
            </span>
          )}
        </form>
      )}
      {error && !error.fields && <ErrorNotice error={error} testId="attachment-settings-error" />}
    </>
  );
}

import { useState } from "react";
import { commands, type ApiError, type ExportedFile, type RecordDetailRequest } from "../bindings";
import { settle } from "../app/query";

/**
 * A record's page on paper: "Save as PDF" (Rust writes the page, its lines and totals into the
 * exports folder and names the file here) and "Print" (the system's print dialog for the screen).
 */
export function RecordPrintButtons({ request }: { request: RecordDetailRequest }) {
  const [state, setState] = useState<{ busy: boolean; done: ExportedFile | null; error: ApiError | null }>({ busy: false, done: null, error: null });
  const save = async () => {
    setState({ busy: true, done: null, error: null });
    const r = await settle(() => commands.exportRecord({ record: request }));
    setState({ busy: false, done: r.state === "ok" ? r.data : null, error: r.state === "error" ? r.error : null });
  };
  return (
    <span className="export-buttons">
      <button type="button" data-testid="record-pdf" disabled={state.busy} onClick={() => void save()}>
        Save as PDF
      </button>
      <button type="button" data-testid="record-print" onClick={() => window.print()}>
        Print
      </button>
      <span aria-live="polite">
        {state.busy && <span role="status">Saving…</span>}
        {state.done && (
          <span className="muted" data-testid="record-pdf-result">
            Saved to <code data-testid="record-pdf-path">{state.done.path}</code>
          </span>
        )}
        {state.error && (
          <span role="alert" className="error">
            {state.error.message}
          </span>
        )}
      </span>
    </span>
  );
}

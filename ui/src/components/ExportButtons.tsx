import { useState } from "react";
import type { ApiError, ExportedFile, ExportFileFormat } from "../bindings";
import { settle, type CommandResult } from "../app/query";

/**
 * "Export CSV" and "Export Excel", and with `pdf` "Save as PDF": Rust writes the file into the
 * exports folder and names it here. With `print`, "Print" opens the system's print dialog for
 * the screen (the stylesheet's print rules leave out the navigation, buttons and filters).
 */
export function ExportButtons({
  run,
  disabled,
  pdf,
  print,
}: {
  run: (format: ExportFileFormat) => Promise<CommandResult<ExportedFile>>;
  disabled?: boolean;
  pdf?: boolean;
  print?: boolean;
}) {
  const [state, setState] = useState<{ busy: boolean; done: ExportedFile | null; error: ApiError | null }>({ busy: false, done: null, error: null });
  const go = async (format: ExportFileFormat) => {
    setState({ busy: true, done: null, error: null });
    const r = await settle(() => run(format));
    setState({ busy: false, done: r.state === "ok" ? r.data : null, error: r.state === "error" ? r.error : null });
  };
  return (
    <div className="export-buttons">
      <button type="button" data-testid="export-csv" disabled={disabled || state.busy} onClick={() => void go("csv")}>
        Export CSV
      </button>
      <button type="button" data-testid="export-xlsx" disabled={disabled || state.busy} onClick={() => void go("xlsx")}>
        Export Excel
      </button>
      {pdf && (
        <button type="button" data-testid="export-pdf" disabled={disabled || state.busy} onClick={() => void go("pdf")}>
          Save as PDF
        </button>
      )}
      {print && (
        <button type="button" data-testid="print" disabled={disabled} onClick={() => window.print()}>
          Print
        </button>
      )}
      <span aria-live="polite">
        {state.busy && <span role="status">Exporting…</span>}
        {state.done && (
          <span className="muted" data-testid="export-result">
            {state.done.rows.toLocaleString()} rows saved to <code data-testid="export-path">{state.done.path}</code>
          </span>
        )}
        {state.error && (
          <span role="alert" className="error">
            {state.error.message}
          </span>
        )}
      </span>
    </div>
  );
}

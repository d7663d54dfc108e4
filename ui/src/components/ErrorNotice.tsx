import { QueryClientContext } from "@tanstack/react-query";
import { useContext } from "react";
import type { ApiError, ErrorCode } from "../bindings";

/** What the owner can do about each kind of failure, beside the backend's own sentence. */
const HELP: Record<ErrorCode, { hint?: string; action?: { label: string; href: string } }> = {
  invalid: {},
  storage: {
    hint: "The ledger on this computer could not be written. Check that the disk has free space; nothing was changed.",
  },
  locked: {
    hint: "Another program has the ledger open: a second copy of Ledgerkeep, or a backup or sync tool. Close it, then try again. Nothing was written.",
  },
  newer_schema: {
    hint: "This ledger was saved by a newer Ledgerkeep. Update Ledgerkeep to open it; the file is fine and was not touched.",
    action: { label: "Check for updates", href: "#/settings" },
  },
  corrupt: {
    hint: "The ledger file is damaged. Restore it from a backup; nothing was changed.",
    action: { label: "Open backups", href: "#/settings" },
  },
  internal: {},
  needs_reauthorisation: {
    hint: "Xero no longer accepts this connection's sign-in. Your books are all here; connect again to resume syncing.",
    action: { label: "Connect to Xero again", href: "#/settings" },
  },
  keyring_unavailable: {
    hint: "Ledgerkeep keeps Xero sign-ins only in your system's keyring. Start or unlock it (on Linux: GNOME Keyring or KWallet), then try again.",
  },
  xero_unavailable: {
    hint: "Xero can't be reached right now. Your books are all here and work offline; try again later.",
  },
};

/**
 * A command's failure as the owner reads it: the backend's sentence, the refused
 * fields, and for each kind of failure what to do next (update, restore, connect
 * again, unlock the keyring, or try again). "Try again" calls `onRetry`, else
 * re-reads the screen's cached commands.
 */
export function ErrorNotice({ error, onRetry, testId }: { error: ApiError; onRetry?: () => void; testId?: string }) {
  const client = useContext(QueryClientContext);
  const retry = onRetry ?? (client ? () => void client.invalidateQueries() : undefined);
  const help = HELP[error.code] ?? {};
  const retryable = error.code === "locked" || error.code === "xero_unavailable" || error.code === "keyring_unavailable";
  return (
    <div role="alert" className="error" data-error-code={error.code} data-testid={testId}>
      <p>{error.message}</p>
      {error.fields && error.fields.length > 0 && (
        <ul>
          {error.fields.map((f) => (
            <li key={f.field}>{f.message}</li>
          ))}
        </ul>
      )}
      {help.hint && <p className="muted">{help.hint}</p>}
      {help.action && <a href={help.action.href}>{help.action.label}</a>}
      {retryable && retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

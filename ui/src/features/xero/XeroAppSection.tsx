import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { commands, type ApiError, type ScopeGrantView, type XeroAppView } from "../../bindings";
import { settle, useCommandQuery } from "../../app/query";
import { DataTable } from "../../components/DataTable";
import { ErrorNotice } from "../../components/ErrorNotice";
import { clientIdProblem } from "../onboarding/clientId";

/** What a scope lets Ledgerkeep do, and what the owner loses without it, in an owner's words. */
type ScopeWords = { name: string; enables: string; cost: string | null };

const SCOPE_WORDS: Record<string, ScopeWords> = {
  openid: { name: "Who signed in", enables: "Know which Xero user signed in.", cost: null },
  profile: { name: "Your name", enables: "Show the name of the Xero user who signed in.", cost: null },
  email: { name: "Your email address", enables: "Show the email address of the Xero user who signed in.", cost: null },
  offline_access: {
    name: "Stay signed in",
    enables: "Keep syncing between sign-ins, for up to 60 days without use.",
    cost: "You would have to sign in to Xero again before every sync.",
  },
  "accounting.settings": {
    name: "Organisation settings",
    enables: "Read your organisation's details, chart of accounts, tax rates, tracking categories and currencies.",
    cost: "The chart of accounts, tax rates and currencies will not sync, so no report can be built.",
  },
  "accounting.contacts": {
    name: "Contacts",
    enables: "Read your customers and suppliers.",
    cost: "Contacts will not sync: invoices and bills will show no customer or supplier.",
  },
  "accounting.invoices": {
    name: "Invoices and bills",
    enables: "Read your invoices, bills and credit notes (and quotes, purchase orders, repeating invoices and items).",
    cost: "Invoices, bills and credit notes will not sync: no report, and no figure of what customers and suppliers owe.",
  },
  "accounting.payments.read": {
    name: "Payments",
    enables: "Read the payments, overpayments and prepayments recorded in Xero.",
    cost: "Payments will not sync: invoices and bills will look unpaid.",
  },
  "accounting.payments": {
    name: "Record payments",
    enables: "Record payments in Xero (and read them).",
    cost: "Payments cannot be recorded in Xero from Ledgerkeep.",
  },
  "accounting.banktransactions": {
    name: "Bank transactions",
    enables: "Read your bank transactions and transfers between bank accounts.",
    cost: "Bank transactions will not sync: the cash summary and the general ledger will miss them.",
  },
  "accounting.manualjournals": {
    name: "Manual journals",
    enables: "Read the manual journals entered in Xero.",
    cost: "Manual journals will not sync: the general ledger will miss them.",
  },
  "accounting.attachments": {
    name: "Attachments",
    enables: "Read the files attached to your documents.",
    cost: "Attached files cannot be opened from Ledgerkeep.",
  },
  "accounting.budgets": { name: "Budgets", enables: "Read your budgets.", cost: "Budgets will not sync." },
  "accounting.journals": {
    name: "Xero's journals",
    enables: "Read Xero's own journals (served on Xero's Advanced plan only).",
    cost: "Xero's journals will not sync; the ledger is rebuilt from your documents instead.",
  },
  "accounting.reports.profitandloss": {
    name: "Profit and loss report",
    enables: "Read Xero's profit and loss report, to check Ledgerkeep's figures against it.",
    cost: "Ledgerkeep's profit and loss cannot be checked against Xero's.",
  },
  "accounting.reports.balancesheet": {
    name: "Balance sheet report",
    enables: "Read Xero's balance sheet, to check Ledgerkeep's figures against it.",
    cost: "Ledgerkeep's balance sheet cannot be checked against Xero's.",
  },
  "accounting.reports.trialbalance": {
    name: "Trial balance report",
    enables: "Read Xero's trial balance, for what Xero's API shows nowhere else (payroll, depreciation) and to check the ledger against it.",
    cost: "Payroll, depreciation and opening balances will be missing from the ledger, and it cannot be checked against Xero's.",
  },
  "accounting.reports.aged": {
    name: "Aged receivables and payables",
    enables: "Read Xero's aged receivables and payables, to check what customers and suppliers owe.",
    cost: "What customers and suppliers owe cannot be checked against Xero's.",
  },
  "accounting.reports.banksummary": {
    name: "Bank summary report",
    enables: "Read Xero's bank summary, to check bank balances against it.",
    cost: "Bank balances cannot be checked against Xero's.",
  },
  "accounting.reports.taxreports": {
    name: "Tax reports",
    enables: "Read your published tax returns (GST, BAS, 1099).",
    cost: "Published tax returns cannot be read from Xero.",
  },
  "accounting.transactions.read": {
    name: "All transactions",
    enables: "Read your invoices, bills, credit notes, payments, bank transactions and manual journals.",
    cost: "No document will sync, so no report can be built.",
  },
  "accounting.transactions": {
    name: "Record payments",
    enables: "Record payments in Xero (and read all transactions).",
    cost: "Payments cannot be recorded in Xero from Ledgerkeep.",
  },
  "accounting.reports": {
    name: "Xero's reports",
    enables: "Read Xero's reports, to check Ledgerkeep's figures against them.",
    cost: "Ledgerkeep's reports cannot be checked against Xero's.",
  },
};

/** The words for a scope: its own, else its family's (without `.read`), else what it opens. */
function scopeWords(g: ScopeGrantView): ScopeWords {
  const name = g.scope.trim().toLowerCase();
  const known = SCOPE_WORDS[name] ?? SCOPE_WORDS[name.replace(/\.read$/, "")];
  if (known) return known;
  const opens = g.opens.join(", ");
  return {
    name: g.scope,
    enables: opens === "" ? "Nothing Ledgerkeep reads." : `Opens ${opens}.`,
    cost: opens === "" ? null : `${opens} will not sync.`,
  };
}

/** The scopes that record payments in Xero (granular apps, and apps on the broad scopes). */
const PAYMENT_WRITE = ["accounting.payments", "accounting.transactions"];

const GRANT_WORDS: Record<ScopeGrantView["grant"], { text: string; badge: string }> = {
  granted: { text: "Granted", badge: "badge-ok" },
  notGranted: { text: "Not granted", badge: "badge-warning" },
  notSignedIn: { text: "Not signed in yet", badge: "badge-warning" },
  unknown: { text: "Unknown", badge: "badge-warning" },
};

/** Settings → Your Xero app: the client id and loopback port (and, for a
 * stand-in server, the addresses), saved for the next start (the environment
 * overrides what it sets); and each permission (scope) asked for at sign-in,
 * whether Xero granted it, what it lets Ledgerkeep do and what it costs
 * without it, with a second sign-in to add what is missing. */
export function XeroAppSection() {
  const client = useQueryClient();
  const { result } = useCommandQuery(["xeroApp"], commands.xeroApp);
  const app = result.state === "ok" ? result.data : null;
  // The owner's edits over what is saved; forgotten once saved or read again.
  const [draft, setDraft] = useState<{ clientId?: string; port?: string; recordPayments?: boolean; legacyScopes?: boolean }>({});
  const clientId = draft.clientId ?? app?.saved.clientId ?? "";
  const port = draft.port ?? (app?.saved.oauthPort == null ? "" : String(app.saved.oauthPort));
  const recordPayments = draft.recordPayments ?? app?.saved.recordPayments ?? false;
  const legacyScopes = draft.legacyScopes ?? app?.saved.legacyScopes ?? false;
  const setClientId = (v: string) => setDraft((d) => ({ ...d, clientId: v }));
  // Checked as it is typed, by the guide's rule (none is fine: the demo company stands in).
  const typedProblem = draft.clientId !== undefined && clientId.trim() !== "" ? clientIdProblem(clientId) : null;
  const setPort = (v: string) => setDraft((d) => ({ ...d, port: v }));
  const setRecordPayments = (v: boolean) => setDraft((d) => ({ ...d, recordPayments: v }));
  const setLegacyScopes = (v: boolean) => setDraft((d) => ({ ...d, legacyScopes: v }));
  const [actionError, setError] = useState<ApiError | null>(null);
  const error = actionError ?? (result.state === "error" ? result.error : null);
  const [saved, setSaved] = useState(false);
  const [signingIn, setSigningIn] = useState(false);
  const [signedInAgain, setSignedInAgain] = useState(false);

  const show = (v: XeroAppView) => {
    client.setQueryData<XeroAppView>(["xeroApp"], v);
    setDraft({});
  };

  const save = async () => {
    if (!app) return;
    setError(null);
    setSaved(false);
    const trimmed = port.trim();
    const portNumber = trimmed === "" ? null : Number.parseInt(trimmed, 10);
    if (portNumber !== null && (!/^\d+$/.test(trimmed) || portNumber > 65535)) {
      setError({ code: "invalid", message: "Port: a whole number from 1024 to 65535." });
      return;
    }
    const r = await settle(() =>
      commands.setXeroApp({
        ...app.saved,
        clientId: clientId.trim() === "" ? null : clientId,
        oauthPort: portNumber,
        recordPayments,
        legacyScopes,
      }),
    );
    if (r.state === "ok") {
      show(r.data);
      setSaved(true);
    } else if (r.state === "error") setError(r.error);
  };

  const fromEnv = (field: string) => app?.fromEnvironment.includes(field) ?? false;

  // Scopes are additive in Xero: signing in again asks for every scope in use and adds to the grant.
  const signInAgain = async () => {
    setError(null);
    setSignedInAgain(false);
    setSigningIn(true);
    const r = await settle(commands.connectXero);
    if (r.state === "ok") {
      const v = await settle(commands.xeroApp);
      if (v.state === "ok") show(v.data);
      setSignedInAgain(true);
    } else if (r.state === "error") setError(r.error);
    setSigningIn(false);
  };

  const notGranted = app?.scopeGrants.filter((g) => g.grant === "notGranted") ?? [];
  const paymentsLacking = (app?.recordPayments ?? false) && notGranted.some((g) => PAYMENT_WRITE.includes(g.scope));

  return (
    <>
      <h2>Your Xero app</h2>
      {app && (
        <p className="muted" data-testid="xero-app-in-use">
          {app.demo
            ? "No Xero app is set up: the demo company stands in for Xero."
            : `In use: client id ${app.clientId ?? "(none)"}, redirect URI ${app.redirectUri}.`}
        </p>
      )}
      <div className="field">
        <label htmlFor="xero-client-id">Client id (from your app at developer.xero.com)</label>
        <input
          id="xero-client-id"
          data-testid="xero-client-id"
          value={clientId}
          disabled={fromEnv("clientId")}
          onChange={(e) => setClientId(e.target.value)}
          aria-invalid={typedProblem !== null}
          aria-describedby="xero-client-id-check"
        />
        {fromEnv("clientId") ? (
          <span className="muted">Set by LEDGERKEEP_XERO_CLIENT_ID.</span>
        ) : (
          typedProblem !== null && (
            <span id="xero-client-id-check" data-testid="xero-client-id-check" className="error" aria-live="polite">
              {typedProblem}
            </span>
          )
        )}
      </div>
      <div className="field">
        <label htmlFor="xero-port">Loopback port (register http://localhost:&lt;port&gt;/callback)</label>
        <input
          id="xero-port"
          data-testid="xero-port"
          inputMode="numeric"
          placeholder="53682"
          value={port}
          disabled={fromEnv("oauthPort")}
          onChange={(e) => setPort(e.target.value)}
        />
        {fromEnv("oauthPort") && <span className="muted">Set by LEDGERKEEP_OAUTH_PORT.</span>}
      </div>
      <div className="field">
        <label>
          <input type="checkbox" data-testid="xero-record-payments" checked={recordPayments} onChange={(e) => setRecordPayments(e.target.checked)} /> Record
          payments in Xero from Ledgerkeep
        </label>
        <span className="muted">Asks Xero for permission to write payments: sign in again after turning it on.</span>
      </div>
      <div className="field">
        <label>
          <input type="checkbox" data-testid="xero-legacy-scopes" checked={legacyScopes} onChange={(e) => setLegacyScopes(e.target.checked)} /> My Xero
          app was made before March 2026: keep Xero&apos;s broad permissions
        </label>
        <span className="muted">Apps made since may ask only for the detailed ones; Xero accepts the broad ones from older apps until September 2027.</span>
      </div>
      <p>
        <button type="button" data-testid="save-xero-app" onClick={() => void save()} disabled={!app}>
          Save
        </button>
      </p>
      {app && app.scopeGrants.length > 0 && (
        <>
          <h3>What Ledgerkeep may read in Xero</h3>
          <DataTable
            data={app.scopeGrants}
            columns={[
              {
                header: "Permission",
                id: "scope",
                meta: { rowHeader: true },
                cell: ({ row: { original: g } }) => (
                  <>
                    {scopeWords(g).name}
                    <br />
                    <code className="muted">{g.scope}</code>
                  </>
                ),
              },
              {
                header: "Status",
                id: "status",
                cell: ({ row: { original: g } }) => (
                  <>
                    <span className={`badge ${GRANT_WORDS[g.grant].badge}`}>{GRANT_WORDS[g.grant].text}</span>
                    {g.lacking.length > 0 && <div className="muted">Missing for {g.lacking.join(", ")}</div>}
                  </>
                ),
              },
              {
                header: "What it lets Ledgerkeep do",
                id: "enables",
                cell: ({ row: { original: g } }) => {
                  const words = scopeWords(g);
                  return (
                    <>
                      {words.enables}
                      {g.grant === "notGranted" && words.cost && (
                        <div data-testid="xero-scope-cost">
                          <strong>Not granted:</strong> {words.cost}
                        </div>
                      )}
                    </>
                  );
                },
              },
            ]}
            caption="The permissions (scopes) asked for when you sign in to Xero"
            testId="xero-scopes"
            rowKey={(g) => g.scope}
            rowProps={(g) => ({ "data-testid": "xero-scope", "data-scope": g.scope, "data-grant": g.grant })}
          />
          {app.scopeGrants.some((g) => g.grant === "unknown") && (
            <p className="muted">The keyring could not be read, so what Xero granted is not known.</p>
          )}
          {notGranted.length > 0 && (
            <p data-testid="xero-scopes-missing">
              {paymentsLacking
                ? "Recording payments is on, but your sign-in to Xero does not allow it yet. Xero adds a permission when you sign in again."
                : "Your sign-in to Xero lacks some of these permissions. Xero adds them when you sign in again."}{" "}
              <button type="button" data-testid="xero-sign-in-again" onClick={() => void signInAgain()} disabled={signingIn}>
                {signingIn
                  ? "Waiting for your browser…"
                  : paymentsLacking || notGranted.length === 1
                    ? "Sign in again to add this permission"
                    : "Sign in again to add these permissions"}
              </button>
            </p>
          )}
          {signingIn && <p className="muted">Sign in to Xero in the browser window that opened, then come back here.</p>}
          {signedInAgain && (
            <p role="status" data-testid="xero-signed-in-again">
              Signed in again. The table shows what Xero granted.
            </p>
          )}
        </>
      )}
      {saved && app?.restartNeeded && (
        <p role="status" data-testid="xero-app-saved">
          Saved. Restart Ledgerkeep to use this Xero app.
        </p>
      )}
      {saved && app && !app.restartNeeded && <p role="status">Saved.</p>}
      {error && (
        <ErrorNotice error={error} testId="xero-app-error" />
      )}
    </>
  );
}

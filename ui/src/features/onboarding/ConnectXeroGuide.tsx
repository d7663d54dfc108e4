import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { commands, type ApiError, type Connected, type XeroConnectionTest } from "../../bindings";
import { useExploreDemo } from "../../app/exploreDemo";
import { useOrganisation } from "../../app/organisation";
import { settle, useCommandQuery } from "../../app/query";
import { ErrorNotice } from "../../components/ErrorNotice";
import { clientIdProblem, PAGE, STREAMS } from "./clientId";

const STARTER_CALLS_A_DAY = 1000;
const STARTER_ORGANISATIONS = 5;

/** "about 1 more day" / "today". */
function daysWords(more: number | null): string {
  if (more === null) return "never: this app's day allows no call";
  if (more === 0) return "within today's calls";
  return `today and about ${more} more day${more === 1 ? "" : "s"}`;
}

/**
 * "Connect your own Xero": the steps to register a Xero app, its redirect address to copy, the
 * client id checked as it is typed, what the app's Xero plan allows, and a test of the
 * connection (sign in, the organisations, one cheap call each) before the owner leaves. The demo
 * company stays one click away.
 */
export function ConnectXeroGuide() {
  const client = useQueryClient();
  const { result: appResult } = useCommandQuery(["xeroApp"], commands.xeroApp);
  const app = appResult.state === "ok" ? appResult.data : null;
  const [typed, setTyped] = useState<string | null>(null);
  const clientId = typed ?? app?.saved.clientId ?? app?.clientId ?? "";
  const problem = clientIdProblem(clientId);
  const fromEnvironment = app?.fromEnvironment.includes("clientId") ?? false;
  const [copied, setCopied] = useState(false);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState<"saving" | "connecting" | "testing" | "keeping" | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [connected, setConnected] = useState<Connected | null>(null);
  const [tested, setTested] = useState<XeroConnectionTest | null>(null);
  const [kept, setKept] = useState(false);
  const bouncePage = localStorage.getItem("ledgerkeep.bouncePage") ?? "";
  const { reload } = useOrganisation();
  const demo = useExploreDemo(reload);

  const copy = async () => {
    if (!app) return;
    try {
      await navigator.clipboard.writeText(app.redirectUri);
      setCopied(true);
    } catch {
      setCopied(false);
      setError({ code: "internal", message: "Could not copy: select the address and copy it by hand." } as ApiError);
    }
  };

  const save = async () => {
    if (!app || problem) return;
    setError(null);
    setBusy("saving");
    const r = await settle(() => commands.setXeroApp({ ...app.saved, clientId: clientId.trim() }));
    setBusy(null);
    if (r.state === "error") return setError(r.error);
    setSaved(true);
    await client.invalidateQueries({ queryKey: ["xeroApp"] });
  };

  const test = async () => {
    setBusy("testing");
    const r = await settle(commands.testXeroConnection);
    setBusy(null);
    if (r.state === "ok") setTested(r.data);
    else if (r.state === "error") setError(r.error);
  };

  const connect = async () => {
    setError(null);
    setTested(null);
    setBusy("connecting");
    const r = await settle(commands.connectXero);
    setBusy(null);
    if (r.state === "error") return setError(r.error);
    if (r.state !== "ok") return;
    setConnected(r.data);
    await test();
  };

  const keep = async () => {
    if (!connected) return;
    setBusy("keeping");
    const ids = connected.organisations.map((o) => o.tenantId);
    const r = await settle(() => commands.keepOrganisations({ connectionId: connected.connectionId, tenantIds: ids }));
    setBusy(null);
    if (r.state === "error") return setError(r.error);
    setKept(true);
    reload();
    await client.invalidateQueries({ queryKey: ["xeroOrganisations"] });
  };

  const inUse = app !== null && !app.demo && app.clientId !== null && !app.restartNeeded;

  return (
    <section className="panel" data-testid="connect-xero-guide" aria-labelledby="guide-title">
      <h1 id="guide-title">Connect your own Xero</h1>
      <p>
        Ledgerkeep signs in to Xero through an app you register yourself, so your books go from Xero to this computer
        and nowhere else. It takes about five minutes.{" "}
        <button type="button" data-testid="guide-explore-demo" onClick={() => void demo.explore()} disabled={demo.state.phase === "working"}>
          {demo.state.phase === "working" ? "Connecting to the demo company…" : "Explore the demo company instead"}
        </button>
      </p>
      {demo.state.phase === "done" && (
        <p role="status" data-testid="guide-demo-connected">
          Connected to the demo company: {demo.state.names.join(", ")}.
        </p>
      )}
      {demo.state.phase === "failed" && <ErrorNotice error={demo.state.error} />}

      <h2>1. Register a Xero app</h2>
      <ol data-testid="guide-steps">
        <li>
          Sign in at <strong>developer.xero.com</strong>, open <strong>My Apps</strong> and choose <strong>New app</strong>.
        </li>
        <li>
          Name it (for example “Ledgerkeep for {"<your business>"}”) and choose the integration type{" "}
          <strong>Mobile or desktop app</strong> (Auth code with PKCE): Ledgerkeep needs no client secret.
        </li>
        <li>
          Paste the redirect address below into <strong>Redirect URI</strong>, exactly as it is.
        </li>
        <li>Accept Xero's terms, create the app, and copy its <strong>Client id</strong> from the Configuration page.</li>
      </ol>
      <div className="field">
        <label htmlFor="guide-redirect-uri">Redirect URI</label>
        <input id="guide-redirect-uri" data-testid="redirect-uri" readOnly value={app?.redirectUri ?? ""} onFocus={(e) => e.target.select()} />
        <button type="button" data-testid="copy-redirect-uri" onClick={() => void copy()} disabled={!app}>
          {copied ? "Copied" : "Copy"}
        </button>
        {copied && (
          <span role="status" className="muted">
            Copied to the clipboard.
          </span>
        )}
      </div>
      {bouncePage !== "" && (
        <p className="muted" data-testid="bounce-page-uri">
          Signing in through your own https page instead? Register that page too: {bouncePage}
        </p>
      )}

      <h2>2. Your client id</h2>
      <div className="field">
        <label htmlFor="guide-client-id">Client id</label>
        <input
          id="guide-client-id"
          data-testid="guide-client-id"
          value={clientId}
          readOnly={fromEnvironment}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={clientId !== "" && problem !== null}
          aria-describedby="guide-client-id-check"
          onChange={(e) => {
            setTyped(e.target.value);
            setSaved(false);
          }}
        />
        <p id="guide-client-id-check" data-testid="client-id-check" className={problem && clientId.trim() !== "" ? "error" : "muted"} aria-live="polite">
          {fromEnvironment ? "Set by the environment Ledgerkeep was started in." : problem ?? "This has the shape of a Xero client id."}
        </p>
        {!fromEnvironment && (
          <button type="button" data-testid="save-client-id" onClick={() => void save()} disabled={problem !== null || busy !== null}>
            Save the client id
          </button>
        )}
        {saved && app?.restartNeeded && (
          <p role="status" data-testid="guide-restart">
            Saved. Restart Ledgerkeep to sign in with your app, then come back here (Settings → Connect your own Xero).
          </p>
        )}
      </div>

      <h2>3. What your Xero plan allows</h2>
      <ul data-testid="plan-facts">
        <li>
          A new Xero app starts on the free <strong>Starter</strong> tier: {STARTER_CALLS_A_DAY.toLocaleString("en")} calls a day for each
          organisation, and up to {STARTER_ORGANISATIONS} organisations.
        </li>
        <li>
          New apps get Xero's granular read-only scopes; Ledgerkeep asks for those (and for writing payments only if you record
          payments from it).
        </li>
        <li>
          Xero's Journals are not needed (a Starter app cannot read them): Ledgerkeep builds the general ledger itself from your
          invoices, bills, payments and bank transactions, and checks its reports against Xero's.
        </li>
        <li>
          A first sync takes about {STREAMS} calls, plus one for each further {PAGE.toLocaleString("en")} documents of a kind (and
          one for each attached file): books of a few thousand documents sync in minutes, within one day's calls.
        </li>
      </ul>

      <h2>4. Sign in and test the connection</h2>
      {!inUse && app?.demo && (
        <p className="muted" data-testid="guide-needs-app">
          Save your client id and restart Ledgerkeep first; until then the demo company stands in for Xero.
        </p>
      )}
      <p>
        <button type="button" data-testid="guide-connect" onClick={() => void connect()} disabled={!inUse || busy !== null}>
          {busy === "connecting" ? "Waiting for your browser…" : busy === "testing" ? "Testing the connection…" : "Sign in to Xero and test"}
        </button>
      </p>
      {busy === "connecting" && <p className="muted">Sign in to Xero in the browser window that opened, then come back here.</p>}
      {tested && (
        <div data-testid="tested-organisations" role="status">
          <p>Xero answered for each organisation:</p>
          <ul>
            {tested.organisations.map((o) => (
              <li key={o.tenantId}>
                <strong>{o.name}</strong>: {o.callsADay.toLocaleString("en")} calls a day{o.starter ? " (Starter)" : ""},{" "}
                {o.callsLeftToday.toLocaleString("en")} left today.{" "}
                {o.invoices !== null && <>{o.invoices.toLocaleString("en")} invoices and bills</>}
                {o.bankTransactions !== null && <>, {o.bankTransactions.toLocaleString("en")} bank transactions</>}: the first sync needs
                about {o.firstSyncCalls.toLocaleString("en")} calls, {daysWords(o.firstSyncMoreDays)}.
              </li>
            ))}
          </ul>
          {!kept && (
            <button type="button" data-testid="guide-keep" onClick={() => void keep()} disabled={busy !== null}>
              Keep these and start the first sync
            </button>
          )}
          {kept && (
            <p data-testid="guide-done">
              Kept. The first sync has started; follow it on the Dashboard.
            </p>
          )}
        </div>
      )}
      {error && <ErrorNotice error={error} testId="guide-error" />}
    </section>
  );
}

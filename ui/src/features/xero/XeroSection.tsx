import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { commands, events, type ApiError, type Connected, type OrganisationView } from "../../bindings";
import { useExploreDemo } from "../../app/exploreDemo";
import { useOrganisation } from "../../app/organisation";
import { settle, useCommandQuery } from "../../app/query";
import { useEvent } from "../../app/useEvent";
import { ErrorNotice } from "../../components/ErrorNotice";

/**
 * Settings → Xero: connect through the browser, choose organisations, sign in again when Xero asks
 * for it, disconnect; and, while no Xero app is set up (`demo`), the demo company.
 */
export function XeroSection({ demo = false }: { demo?: boolean }) {
  const client = useQueryClient();
  const { result: listed } = useCommandQuery(["xeroOrganisations"], commands.xeroOrganisations);
  const orgs = listed.state === "ok" ? listed.data : [];
  const [pending, setPending] = useState<Connected | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState<"connecting" | "saving" | null>(null);
  const [actionError, setError] = useState<ApiError | null>(null);
  const error = actionError ?? (listed.state === "error" ? listed.error : null);
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = () => client.invalidateQueries({ queryKey: ["xeroOrganisations"] });

  const offer = (c: Connected) => {
    setPending(c);
    setChosen(new Set(c.organisations.map((o) => o.tenantId)));
  };

  // A sign-in that arrived by deep link.
  const { reload: reloadOrganisations } = useOrganisation();
  const demoCompany = useExploreDemo(() => {
    reloadOrganisations();
    void refresh();
  });
  useEvent(events.signInFinished, (e) => {
    if (e.connected) offer(e.connected);
    if (e.error) setError(e.error);
  });

  const connect = async () => {
    setError(null);
    setNotice(null);
    setBusy("connecting");
    const r = await settle(commands.connectXero);
    setBusy(null);
    if (r.state === "ok") offer(r.data);
    else if (r.state === "error") setError(r.error);
  };

  const [page, setPage] = useState(() => localStorage.getItem("ledgerkeep.bouncePage") ?? "");
  const connectViaPage = async () => {
    setError(null);
    setNotice(null);
    localStorage.setItem("ledgerkeep.bouncePage", page);
    const r = await settle(() => commands.connectXeroViaPage(page));
    if (r.state === "ok") setNotice("Sign in to Xero in your browser; Ledgerkeep finishes when your page hands the sign-in back.");
    else if (r.state === "error") setError(r.error);
  };

  const keep = async () => {
    if (!pending) return;
    setBusy("saving");
    const r = await settle(() => commands.keepOrganisations({ connectionId: pending.connectionId, tenantIds: [...chosen] }));
    setBusy(null);
    if (r.state === "error") return setError(r.error);
    setPending(null);
    await refresh();
  };

  const disconnect = async (o: OrganisationView) => {
    const r = await settle(() => commands.disconnectXero({ tenantId: o.tenantId }));
    if (r.state === "error") return setError(r.error);
    if (r.state === "ok") setNotice(r.data.localData);
    await refresh();
  };

  return (
    <>
      <h2>Xero</h2>
      <p>
        <a href="#/connect-xero" data-testid="settings-connect-guide">
          Connect your own Xero, step by step
        </a>
      </p>
      {orgs.length === 0 && !pending && <p className="muted">No organisation is connected.</p>}
      {orgs.length > 0 && (
        <ul className="checks" data-testid="xero-organisations">
          {orgs.map((o) => (
            <li key={`${o.connectionId}/${o.tenantId}`}>
              <span className={`badge badge-${o.status === "connected" ? "ok" : "warning"}`}>
                {o.status === "connected" ? "Connected" : "Sign in again"}
              </span>
              <strong>{o.name}</strong>
              <span className="muted">{o.kept ? "Kept on this computer" : "Not kept"}</span>
              {o.status !== "connected" && (
                <button type="button" data-testid="reauthorise" onClick={() => void connect()} disabled={busy !== null}>
                  Sign in again
                </button>
              )}
              <button type="button" onClick={() => void disconnect(o)}>
                Disconnect
              </button>
            </li>
          ))}
        </ul>
      )}
      {pending && (
        <fieldset className="field" data-testid="choose-organisations">
          <legend>Which organisations should Ledgerkeep keep?</legend>
          {pending.organisations.map((o) => (
            <label key={o.tenantId}>
              <input
                type="checkbox"
                checked={chosen.has(o.tenantId)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(o.tenantId);
                  else next.delete(o.tenantId);
                  setChosen(next);
                }}
              />{" "}
              {o.name}
            </label>
          ))}
          <button type="button" onClick={() => void keep()} disabled={busy === "saving"}>
            Keep these
          </button>
        </fieldset>
      )}
      <p>
        <button type="button" data-testid="connect-xero" onClick={() => void connect()} disabled={busy !== null}>
          {busy === "connecting" ? "Waiting for your browser…" : "Connect to Xero"}
        </button>
      </p>
      {demo && (
        <p>
          <button type="button" data-testid="settings-explore-demo" onClick={() => void demoCompany.explore()} disabled={demoCompany.state.phase === "working"}>
            {demoCompany.state.phase === "working" ? "Connecting to the demo company and syncing it…" : "Explore the demo company"}
          </button>{" "}
          <span className="muted">Made-up books from the built-in Xero simulator, labelled as such.</span>
        </p>
      )}
      {demoCompany.state.phase === "done" && (
        <p role="status" data-testid="settings-demo-connected">
          Connected to the demo company: {demoCompany.state.names.join(", ")}.
        </p>
      )}
      {demoCompany.state.phase === "failed" && (
        <ErrorNotice error={demoCompany.state.error} />
      )}
      <details>
        <summary>Sign in through your own https page instead</summary>
        <div className="field">
          <label htmlFor="bounce-page">Your bounce page (registered in your Xero app)</label>
          <input
            id="bounce-page"
            data-testid="bounce-page"
            type="url"
            placeholder="https://example.com/ledgerkeep-callback.html"
            value={page}
            onChange={(e) => setPage(e.target.value)}
          />
          <button type="button" data-testid="connect-via-page" onClick={() => void connectViaPage()} disabled={page.trim() === ""}>
            Sign in through this page
          </button>
        </div>
      </details>
      {busy === "connecting" && (
        <p className="muted">Sign in to Xero in the browser window that opened, then come back here.</p>
      )}
      {notice && <p role="status">{notice}</p>}
      {error && (
        <ErrorNotice error={error} testId="xero-error" />
      )}
    </>
  );
}

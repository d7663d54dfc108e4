import { useEffect, useState } from "react";
import { commands, type ApiError, type XeroAppView } from "../bindings";
import { settle } from "../app/useCommand";

/** Settings → Your Xero app: the client id and loopback port (and, for a
 * stand-in server, the addresses). Saved for the next start; the environment
 * overrides what it sets. */
export function XeroAppSection() {
  const [app, setApp] = useState<XeroAppView | null>(null);
  const [clientId, setClientId] = useState("");
  const [port, setPort] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);

  const show = (v: XeroAppView) => {
    setApp(v);
    setClientId(v.saved.clientId ?? "");
    setPort(v.saved.oauthPort == null ? "" : String(v.saved.oauthPort));
  };

  useEffect(() => {
    let live = true;
    void settle(commands.xeroApp).then((r) => {
      if (!live) return;
      if (r.state === "ok") show(r.data);
      else if (r.state === "error") setError(r.error);
    });
    return () => {
      live = false;
    };
  }, []);

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
      commands.setXeroApp({ ...app.saved, clientId: clientId.trim() === "" ? null : clientId, oauthPort: portNumber }),
    );
    if (r.state === "ok") {
      show(r.data);
      setSaved(true);
    } else if (r.state === "error") setError(r.error);
  };

  const fromEnv = (field: string) => app?.fromEnvironment.includes(field) ?? false;

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
        />
        {fromEnv("clientId") && <span className="muted">Set by LEDGERKEEP_XERO_CLIENT_ID.</span>}
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
      <p>
        <button type="button" data-testid="save-xero-app" onClick={() => void save()} disabled={!app}>
          Save
        </button>
      </p>
      {saved && app?.restartNeeded && (
        <p role="status" data-testid="xero-app-saved">
          Saved. Restart Ledgerkeep to use this Xero app.
        </p>
      )}
      {saved && app && !app.restartNeeded && <p role="status">Saved.</p>}
      {error && (
        <p role="alert" className="error" data-testid="xero-app-error">
          {error.message}
        </p>
      )}
    </>
  );
}

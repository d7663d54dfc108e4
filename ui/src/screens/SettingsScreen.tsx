import { useState } from "react";
import { commands, type AppInfo, type LogLevel, type Preferences } from "../bindings";
import { settle, useCommand, type CommandState } from "../app/useCommand";
import { UpdatesSection } from "./UpdatesSection";
import { XeroAppSection } from "./XeroAppSection";
import { XeroSection } from "./XeroSection";

const LEVELS: { value: LogLevel; label: string }[] = [
  { value: "error", label: "Errors only" },
  { value: "warn", label: "Warnings and errors" },
  { value: "info", label: "Normal" },
  { value: "debug", label: "Detailed (for support)" },
  { value: "trace", label: "Everything (very large logs)" },
];

/** Settings. For now: what this installation is and where it keeps the owner's files. */
export function SettingsScreen() {
  const { result: info } = useCommand(commands.appInfo);
  return (
    <section data-testid="screen-settings">
      <h1 tabIndex={-1}>Settings</h1>
      <h2>About this installation</h2>
      {info.state === "loading" && <p role="status">Reading…</p>}
      {info.state === "error" && (
        <p role="alert" className="error" data-testid="app-info-error">
          {info.error.message}
        </p>
      )}
      {info.state === "ok" && <AboutList info={info.data} />}
      <XeroSection />
      <XeroAppSection />
      <UpdatesSection />
      <LogSettings />
    </section>
  );
}

function AboutList({ info }: { info: AppInfo }) {
  const rows: [string, string, string][] = [
    ["Version", info.appVersion, "app-version"],
    ["Ledger schema", schemaText(info), "schema-version"],
    ["Data folder", info.dataDir, "data-dir"],
    ["Ledger file", info.ledgerFile, "ledger-file"],
    ["Logs", info.logsDir, "logs-dir"],
    ["Backups", info.backupsDir, "backups-dir"],
  ];
  return (
    <dl className="facts">
      {rows.map(([label, value, id]) => (
        <div key={id}>
          <dt>{label}</dt>
          <dd data-testid={id}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function schemaText(info: AppInfo): string {
  return info.schemaVersion === info.latestSchemaVersion
    ? `${info.schemaVersion} (up to date)`
    : `${info.schemaVersion} of ${info.latestSchemaVersion}`;
}

/** How much the app writes to its log files. Secrets are never written, whatever the level. */
function LogSettings() {
  const { result } = useCommand(commands.preferences);
  const [saved, setSaved] = useState<CommandState<Preferences> | null>(null);
  const current = saved ?? result;
  const change = async (level: LogLevel) => {
    setSaved(await settle(() => commands.setLogLevel({ level })));
  };
  return (
    <>
      <h2>Logs</h2>
      {current.state === "error" && (
        <p role="alert" className="error">
          {current.error.message}
        </p>
      )}
      {current.state === "ok" && (
        <div className="field">
          <label htmlFor="log-level">Log detail</label>
          <select
            id="log-level"
            data-testid="log-level"
            value={current.data.logLevel}
            onChange={(e) => void change(e.target.value as LogLevel)}
          >
            {LEVELS.map((l) => (
              <option key={l.value} value={l.value}>
                {l.label}
              </option>
            ))}
          </select>
          {current.data.logLevelOverridden && (
            <p className="muted">The RUST_LOG environment variable is set, so it decides the level for now.</p>
          )}
        </div>
      )}
    </>
  );
}

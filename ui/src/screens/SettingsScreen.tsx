import { commands, type AppInfo } from "../bindings";
import { useCommand } from "../app/useCommand";

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

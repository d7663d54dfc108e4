import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { commands, type AppInfo, type Folder, type LogLevel, type Preferences } from "../bindings";
import { chooseTheme, useTheme, type Theme } from "../app/theme";
import { call, settle, useCommandQuery, type CommandState } from "../app/query";
import { AttachmentsSection } from "../features/attachments/AttachmentsSection";
import { BackupsSection } from "../features/backups/BackupsSection";
import { DataSection } from "../features/data/DataSection";
import { UpdatesSection } from "../features/updates/UpdatesSection";
import { XeroAppSection } from "../features/xero/XeroAppSection";
import { XeroSection } from "../features/xero/XeroSection";
import { ErrorNotice } from "../components/ErrorNotice";

const LEVELS: { value: LogLevel; label: string }[] = [
  { value: "error", label: "Errors only" },
  { value: "warn", label: "Warnings and errors" },
  { value: "info", label: "Normal" },
  { value: "debug", label: "Detailed (for support)" },
  { value: "trace", label: "Everything (very large logs)" },
];

/**
 * Settings: what this installation is and where it keeps the owner's files (each folder can be
 * opened or its path copied), the Xero organisations (connect, sign in again, disconnect, the demo
 * company), the Xero app, the sync interval and what the ledger keeps, the attachments kept offline,
 * backups and restore, updates,
 * the theme and the logs.
 */
export function SettingsScreen() {
  const { result: info } = useCommandQuery(["appInfo"], commands.appInfo);
  return (
    <section data-testid="screen-settings">
      <h1 tabIndex={-1}>Settings</h1>
      <h2>About this installation</h2>
      {info.state === "loading" && <p role="status">Reading…</p>}
      {info.state === "error" && (
        <ErrorNotice error={info.error} testId="app-info-error" />
      )}
      {info.state === "ok" && <AboutList info={info.data} />}
      <XeroSection demo={info.state === "ok" && info.data.demo} />
      <XeroAppSection />
      <DataSection />
      <AttachmentsSection />
      <BackupsSection />
      <UpdatesSection />
      <AppearanceSection />
      <LogSettings />
    </section>
  );
}

function AboutList({ info }: { info: AppInfo }) {
  const rows: [string, string, string, Folder | null][] = [
    ["Version", info.appVersion, "app-version", null],
    ["Ledger schema", schemaText(info), "schema-version", null],
    ["Data folder", info.dataDir, "data-dir", "data"],
    ["Ledger file", info.ledgerFile, "ledger-file", null],
    ["Logs", info.logsDir, "logs-dir", "logs"],
    ["Backups", info.backupsDir, "backups-dir", "backups"],
  ];
  return (
    <dl className="facts">
      {rows.map(([label, value, id, folder]) => (
        <div key={id}>
          <dt>{label}</dt>
          <dd>
            <span data-testid={id}>{value}</span>
            {folder && <FolderActions folder={folder} path={value} />}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** Opens a folder in the file manager, or copies its path; says what happened. */
const FOLDER_NAME: Record<Folder, string> = {
  data: "data folder",
  logs: "logs folder",
  backups: "backups folder",
  exports: "exports folder",
};

function FolderActions({ folder, path }: { folder: Folder; path: string }) {
  const [note, setNote] = useState<{ text: string; failed: boolean } | null>(null);
  const open = async () => {
    const r = await settle(() => commands.openFolder({ folder }));
    if (r.state === "error") setNote({ text: r.error.message, failed: true });
    else setNote(null);
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(path);
      setNote({ text: "Path copied.", failed: false });
    } catch {
      setNote({ text: "The path could not be copied: select it and copy it by hand.", failed: true });
    }
  };
  return (
    <span className="folder-actions">
      <button type="button" data-testid={`open-${folder}`} aria-label={`Open the ${FOLDER_NAME[folder]}`} onClick={() => void open()}>
        Open
      </button>
      <button type="button" data-testid={`copy-${folder}`} aria-label={`Copy the path of the ${FOLDER_NAME[folder]}`} onClick={() => void copy()}>
        Copy path
      </button>
      {note && (
        <span role={note.failed ? "alert" : "status"} className={note.failed ? "error" : "muted"} data-testid={`folder-note-${folder}`}>
          {note.text}
        </span>
      )}
    </span>
  );
}

const THEMES: { value: Theme; label: string }[] = [
  { value: "system", label: "As the system (light or dark)" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

/** The theme, shared with the sidebar's toggle; kept on this computer and applied at once. */
function AppearanceSection() {
  const theme = useTheme();
  return (
    <>
      <h2>Appearance</h2>
      <div className="field">
        <label htmlFor="theme">Theme</label>
        <select id="theme" data-testid="theme-select" value={theme} onChange={(e) => chooseTheme(e.target.value as Theme)}>
          {THEMES.map((t) => (
            <option key={t.value} value={t.value}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}

function schemaText(info: AppInfo): string {
  return info.schemaVersion === info.latestSchemaVersion
    ? `${info.schemaVersion} (up to date)`
    : `${info.schemaVersion} of ${info.latestSchemaVersion}`;
}

/** How much the app writes to its log files. Secrets are never written, whatever the level. */
function LogSettings() {
  const client = useQueryClient();
  const { result } = useCommandQuery(["preferences"], commands.preferences);
  const save = useMutation({
    mutationFn: (level: LogLevel) => call(() => commands.setLogLevel({ level })),
    onSuccess: (p) => client.setQueryData<Preferences>(["preferences"], p),
  });
  // A refused change shows its reason in place of the setting.
  const current: CommandState<Preferences> = save.isError ? { state: "error", error: save.error } : result;
  return (
    <>
      <h2>Logs</h2>
      {current.state === "error" && (
        <ErrorNotice error={current.error} />
      )}
      {current.state === "ok" && (
        <div className="field">
          <label htmlFor="log-level">Log detail</label>
          <select
            id="log-level"
            data-testid="log-level"
            value={current.data.logLevel}
            onChange={(e) => save.mutate(e.target.value as LogLevel)}
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

import { createMemoryHistory } from "@tanstack/react-router";
import { emit } from "@tauri-apps/api/event";
import { mockIPC } from "@tauri-apps/api/mocks";
import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import type { AppInfo } from "../bindings";
import { App } from "./App";
import { createAppRouter } from "./router";
import { SCREENS } from "./screens";

const INFO: AppInfo = {
  appVersion: "9.8.7",
  schemaVersion: 3,
  latestSchemaVersion: 3,
  dataDir: "/home/owner/.local/share/ledgerkeep",
  ledgerFile: "/home/owner/.local/share/ledgerkeep/ledger.sqlite",
  logsDir: "/home/owner/.local/share/ledgerkeep/logs",
  backupsDir: "/home/owner/.local/share/ledgerkeep/backups",
  os: "linux",
  demo: false,
  nowUtc: "2026-12-06T09:00:00.000Z",
};

function renderApp(path = "/") {
  const router = createAppRouter(createMemoryHistory({ initialEntries: [path] }));
  render(<App router={router} />);
  return router;
}

describe("the app shell", () => {
  it("offers every screen and opens on the dashboard's empty state", async () => {
    renderApp();
    const nav = await screen.findByRole("navigation", { name: "Screens" });
    for (const s of SCREENS) {
      expect(nav).toHaveTextContent(s.title);
    }
    expect(await screen.findByRole("heading", { level: 1, name: "Dashboard" })).toBeInTheDocument();
    expect(screen.getByText("No organisation yet")).toBeInTheDocument();
    expect(screen.getByTestId("nav-dashboard")).toHaveAttribute("aria-current", "page");
  });

  it("shows each screen's empty state when its link is clicked", async () => {
    const user = userEvent.setup();
    renderApp();
    // Settings, Diagnostics, Transactions, Checklists and the Audit log have content of their own.
    for (const s of SCREENS.filter((x) => !["settings", "diagnostics", "transactions", "checklists", "audit-log"].includes(x.slug))) {
      await user.click(await screen.findByTestId(`nav-${s.slug}`));
      expect(await screen.findByRole("heading", { level: 1, name: s.title })).toBeInTheDocument();
      expect(screen.getByText(s.empty.heading)).toBeInTheDocument();
    }
  });

  it("shows what the app_info command answers on the settings screen", async () => {
    const calls: string[] = [];
    mockIPC((cmd) => {
      calls.push(cmd);
      if (cmd === "app_info") return INFO;
      if (cmd === "preferences") return { logLevel: "info", logLevelOverridden: false };
      if (cmd === "update_channel") return "stable";
      if (cmd === "xero_organisations") return [];
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    renderApp();
    await user.click(await screen.findByTestId("nav-settings"));
    expect(await screen.findByTestId("data-dir")).toHaveTextContent(INFO.dataDir);
    expect(screen.getByTestId("app-version")).toHaveTextContent("9.8.7");
    expect(screen.getByTestId("schema-version")).toHaveTextContent("3 (up to date)");
    expect(calls).toContain("app_info");
  });

  it("changes the log level through set_log_level", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_info") return INFO;
      if (cmd === "preferences") return { logLevel: "info", logLevelOverridden: false };
      if (cmd === "set_log_level") {
        sent.push(args);
        return { logLevel: (args as { request: { level: string } }).request.level, logLevelOverridden: false };
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    renderApp("/settings");
    const select = await screen.findByTestId("log-level");
    expect(select).toHaveValue("info");
    await user.selectOptions(select, "debug");
    expect(sent).toEqual([{ request: { level: "debug" } }]);
    expect(await screen.findByTestId("log-level")).toHaveValue("debug");
  });

  it("shows a command's error message, not a crash", async () => {
    mockIPC(() => {
      throw { code: "storage", message: "The ledger could not be read." };
    });
    renderApp("/settings");
    expect(await screen.findByTestId("app-info-error")).toHaveTextContent("The ledger could not be read.");
  });

  it("opens screens from the keyboard with Ctrl+number", async () => {
    const user = userEvent.setup();
    const router = renderApp();
    await screen.findByRole("heading", { level: 1, name: "Dashboard" });
    await user.keyboard("{Control>}5{/Control}");
    expect(await screen.findByRole("heading", { level: 1, name: "Reports" })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/reports");
  });

  it("moves between links with the arrow keys", async () => {
    const user = userEvent.setup();
    renderApp();
    const first = await screen.findByTestId("nav-dashboard");
    first.focus();
    await user.keyboard("{ArrowDown}");
    expect(screen.getByTestId("nav-transactions")).toHaveFocus();
    await user.keyboard("{ArrowUp}{ArrowUp}");
    expect(screen.getByTestId("nav-diagnostics")).toHaveFocus();
  });

  it("cycles the theme and remembers it", async () => {
    const user = userEvent.setup();
    renderApp();
    const toggle = await screen.findByTestId("theme-toggle");
    expect(toggle).toHaveTextContent("system");
    await user.click(toggle);
    expect(document.documentElement.dataset.theme).toBe("light");
    await user.click(toggle);
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem("ledgerkeep.theme")).toBe("dark");
    await user.click(toggle);
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });

  it("sets the theme in Settings, applies it at once and keeps the sidebar's toggle in step", async () => {
    const user = userEvent.setup();
    renderApp("/settings");
    const select = await screen.findByTestId("theme-select");
    expect(select).toHaveValue("system");
    await user.selectOptions(select, "dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem("ledgerkeep.theme")).toBe("dark");
    expect(screen.getByTestId("theme-toggle")).toHaveTextContent("Theme: dark");
    await user.click(screen.getByTestId("theme-toggle"));
    expect(screen.getByTestId("theme-select")).toHaveValue("system");
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });

  it("opens a folder through open_folder, and says so when no file manager opens", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "app_info") return INFO;
      if (cmd === "open_folder") {
        sent.push(args);
        throw { code: "internal", message: `No file manager could be opened for ${INFO.logsDir}. Copy the path instead.` };
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    renderApp("/settings");
    await user.click(await screen.findByRole("button", { name: "Open the logs folder" }));
    expect(sent).toEqual([{ request: { folder: "logs" } }]);
    expect(await screen.findByTestId("folder-note-logs")).toHaveTextContent("Copy the path instead.");
  });

  it("opens Settings and checks for updates when the menu asks", async () => {
    const calls: string[] = [];
    mockIPC(
      (cmd) => {
        calls.push(cmd);
        if (cmd === "app_info") return INFO;
        if (cmd === "preferences") return { logLevel: "info", logLevelOverridden: false };
        if (cmd === "update_channel") return "stable";
        if (cmd === "xero_organisations") return [];
        if (cmd === "organisations") return [];
        if (cmd === "check_for_update") return { currentVersion: "9.8.7", channel: "stable", available: { version: "9.9.0", notes: null } };
        throw { code: "internal", message: `unexpected ${cmd}` };
      },
      { shouldMockEvents: true },
    );
    const router = renderApp();
    await screen.findByRole("heading", { level: 1, name: "Dashboard" });
    await emit("update-check-requested", null);
    expect(await screen.findByText(/Version 9\.9\.0 is available/)).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/settings");
    expect(calls.filter((c) => c === "check_for_update")).toHaveLength(1);
  });

  it("says so when a screen does not exist", async () => {
    renderApp("/nowhere");
    expect(await screen.findByRole("heading", { level: 1, name: "Not found" })).toBeInTheDocument();
  });
});

describe("the screen list", () => {
  it("has screens with unique slugs", () => {
    expect(new Set(SCREENS.map((s) => s.slug)).size).toBe(SCREENS.length);
  });
});


/** A window of `width` px as far as `matchMedia` tells, and a way to resize it. */
function fakeWindowWidth(width: number) {
  const queries: { query: string; listeners: Set<() => void>; list: MediaQueryList }[] = [];
  let current = width;
  const matches = (query: string) => {
    const max = /max-width:\s*(\d+)px/.exec(query);
    return max ? current <= Number(max[1]) : false;
  };
  window.matchMedia = (query: string) => {
    const listeners = new Set<() => void>();
    const list = {
      get matches() {
        return matches(query);
      },
      media: query,
      addEventListener: (_: string, l: () => void) => listeners.add(l),
      removeEventListener: (_: string, l: () => void) => listeners.delete(l),
    } as unknown as MediaQueryList;
    queries.push({ query, listeners, list });
    return list;
  };
  return (next: number) => {
    current = next;
    for (const q of queries) for (const l of q.listeners) l();
  };
}

describe("the side navigation on narrow and wide windows", () => {
  const original = window.matchMedia;
  afterEach(() => {
    window.matchMedia = original;
  });

  it("is collapsed to each screen's mark below 1200 px, its links still named, and expands from its toggle", async () => {
    fakeWindowWidth(1024);
    const user = userEvent.setup();
    renderApp();
    const toggle = await screen.findByRole("button", { name: "Expand navigation" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(toggle).toHaveAttribute("aria-controls", "sidebar");
    expect(screen.getByTestId("shell")).toHaveClass("nav-collapsed");
    // Icons only on screen, but every link keeps its screen's name for screen readers.
    const nav = screen.getByRole("navigation", { name: "Screens" });
    for (const s of SCREENS) expect(within(nav).getByRole("link", { name: s.title })).toBeInTheDocument();
    expect(screen.getByTestId("nav-general-ledger").querySelector(".nav-mark")).toHaveTextContent("GL");
    // From the keyboard: Enter on the toggle expands it.
    toggle.focus();
    await user.keyboard("{Enter}");
    expect(screen.getByRole("button", { name: "Collapse navigation" })).toHaveAttribute("aria-expanded", "true");
    expect(screen.getByTestId("shell")).not.toHaveClass("nav-collapsed");
  });

  it("is expanded on a wide window, collapses on request, and takes the narrow default when the window narrows", async () => {
    const resize = fakeWindowWidth(1440);
    const user = userEvent.setup();
    renderApp();
    const toggle = await screen.findByRole("button", { name: "Collapse navigation" });
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    await user.click(toggle);
    expect(screen.getByTestId("shell")).toHaveClass("nav-collapsed");
    await user.click(screen.getByRole("button", { name: "Expand navigation" }));
    expect(screen.getByTestId("shell")).not.toHaveClass("nav-collapsed");
    act(() => resize(1100));
    expect(screen.getByTestId("shell")).toHaveClass("nav-collapsed");
    act(() => resize(1300));
    expect(screen.getByTestId("shell")).not.toHaveClass("nav-collapsed");
  });
});

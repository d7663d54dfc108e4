import { Link, Outlet, useNavigate, useRouterState } from "@tanstack/react-router";
import { useEffect, useRef } from "react";
import { events } from "../bindings";
import { CommandPalette } from "../features/palette/CommandPalette";
import { OrganisationProvider, OrganisationSwitcher } from "./organisation";
import { SCREENS } from "./screens";
import { requestUpdateCheck } from "./updateCheck";
import { useEvent } from "./useEvent";
import { chooseTheme, nextTheme, useTheme, type Theme } from "./theme";

const THEME_LABEL: Record<Theme, string> = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" };

/** The window's frame: navigation on the left, the current screen on the right. */
export function AppShell() {
  const navigate = useNavigate();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const theme = useTheme();
  const navRef = useRef<HTMLElement>(null);
  const mainRef = useRef<HTMLElement>(null);

  // Ctrl (⌘ on macOS) + 1…9 opens the screens in navigation order.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      const screen = SCREENS[Number(e.key) - 1];
      if (!screen) return;
      e.preventDefault();
      void navigate({ to: "/$screen", params: { screen: screen.slug } });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [navigate]);

  // A `ledgerkeep://open/<screen>` link or a menu item asks Rust to bring a screen up.
  useEvent(events.navigateRequested, (e) => void navigate({ to: "/$screen", params: { screen: e.screen } }));
  // "Check for Updates…" in the menu: Settings → Updates checks at once.
  useEvent(events.updateCheckRequested, () => {
    requestUpdateCheck();
    void navigate({ to: "/$screen", params: { screen: "settings" } });
  });

  // Move focus to the new screen's heading, so keyboard and screen-reader users follow.
  useEffect(() => {
    mainRef.current?.querySelector<HTMLElement>("h1")?.focus();
  }, [pathname]);

  const onNavKey = (e: React.KeyboardEvent) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const links = Array.from(navRef.current?.querySelectorAll<HTMLAnchorElement>("a") ?? []);
    const i = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next = links[(i + (e.key === "ArrowDown" ? 1 : links.length - 1)) % links.length];
    next?.focus();
    e.preventDefault();
  };

  const cycleTheme = () => chooseTheme(nextTheme(theme));

  return (
    <OrganisationProvider>
    <div className="shell">
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); mainRef.current?.querySelector<HTMLElement>("h1")?.focus(); }}>
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand" aria-label="Ledgerkeep">
          <span className="brand-mark" aria-hidden="true" />
          Ledgerkeep
        </div>
        <OrganisationSwitcher />
        <nav aria-label="Screens" ref={navRef} onKeyDown={onNavKey}>
          <ul>
            {SCREENS.map((s, i) => (
              <li key={s.slug}>
                <Link
                  to="/$screen"
                  params={{ screen: s.slug }}
                  data-testid={`nav-${s.slug}`}
                  activeProps={{ className: "active", "aria-current": "page" }}
                  title={`${s.title} (Ctrl+${i + 1})`}
                >
                  {s.title}
                  <kbd aria-hidden="true">{i + 1}</kbd>
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="theme-toggle" onClick={cycleTheme} data-testid="theme-toggle">
          {THEME_LABEL[theme]}
        </button>
      </aside>
      <main id="main" ref={mainRef}>
        <Outlet />
      </main>
      <CommandPalette />
    </div>
    </OrganisationProvider>
  );
}

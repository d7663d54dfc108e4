import { Link, Outlet, useNavigate, useRouterState } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import { events } from "../bindings";
import { CommandPalette } from "../features/palette/CommandPalette";
import { OrganisationProvider, OrganisationSwitcher } from "./organisation";
import { SCREENS } from "./screens";
import { requestUpdateCheck } from "./updateCheck";
import { useEvent } from "./useEvent";
import { chooseTheme, nextTheme, useTheme, type Theme } from "./theme";

/** Windows narrower than this show the navigation collapsed (its screens' marks only) at first. */
export const NARROW_QUERY = "(max-width: 1199px)";

/** Whether the window is narrow, following its resizes. */
function useNarrow(): boolean {
  const query = typeof window.matchMedia === "function" ? window.matchMedia(NARROW_QUERY) : null;
  const [narrow, setNarrow] = useState(() => query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const onChange = () => setNarrow(query.matches);
    onChange();
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, [query]);
  return narrow;
}

/** A screen's mark in the collapsed navigation: its words' initials, or a one-word title's first two letters. */
export function screenMark(title: string): string {
  const words = title.split(/\s+/).filter((w) => /^\p{L}/u.test(w) && !["vs", "and", "of"].includes(w));
  return words.length > 1 ? words.map((w) => w.charAt(0).toUpperCase()).join("") : title.slice(0, 2);
}

const THEME_LABEL: Record<Theme, string> = { system: "Theme: system", light: "Theme: light", dark: "Theme: dark" };

/** The window's frame: navigation on the left, the current screen on the right. */
export function AppShell() {
  const navigate = useNavigate();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  const theme = useTheme();
  const navRef = useRef<HTMLElement>(null);
  const mainRef = useRef<HTMLElement>(null);
  const narrow = useNarrow();
  // The owner's choice holds until the window crosses the narrow line; then its default again.
  const [navChoice, setNavChoice] = useState<{ narrow: boolean; open: boolean } | null>(null);
  const navOpen = navChoice && navChoice.narrow === narrow ? navChoice.open : !narrow;

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
    <div className={navOpen ? "shell" : "shell nav-collapsed"} data-testid="shell">
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); mainRef.current?.querySelector<HTMLElement>("h1")?.focus(); }}>
        Skip to content
      </a>
      <aside className="sidebar" id="sidebar">
        <div className="brand">
          <button
            type="button"
            className="nav-toggle"
            aria-expanded={navOpen}
            aria-controls="sidebar"
            aria-label={navOpen ? "Collapse navigation" : "Expand navigation"}
            title={navOpen ? "Collapse navigation" : "Expand navigation"}
            data-testid="nav-toggle"
            onClick={() => setNavChoice({ narrow, open: !navOpen })}
          >
            <span className="brand-mark" aria-hidden="true" />
          </button>
          <span className="brand-name">Ledgerkeep</span>
        </div>
        {navOpen && <OrganisationSwitcher />}
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
                  <span className="nav-mark" aria-hidden="true">
                    {screenMark(s.title)}
                  </span>
                  <span className="nav-label">{s.title}</span>
                  <kbd aria-hidden="true">{i + 1}</kbd>
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="theme-toggle" onClick={cycleTheme} data-testid="theme-toggle" title={THEME_LABEL[theme]}>
          <span className="nav-mark" aria-hidden="true">
            {theme === "dark" ? "☾" : theme === "light" ? "☀" : "◐"}
          </span>
          <span className="nav-label">{THEME_LABEL[theme]}</span>
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

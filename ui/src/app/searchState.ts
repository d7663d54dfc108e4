import { useNavigate, useRouterState } from "@tanstack/react-router";
import { useEffect, useMemo, useRef, useState } from "react";

/** A URL's search as plain text values: `?min=100.25` stays the text "100.25", never a number. */
export type RawSearch = Record<string, string>;

/** Reads a search string into plain text values (an amount in a link is never parsed to a float). */
export function parseSearch(search: string): RawSearch {
  return Object.fromEntries(new URLSearchParams(search.startsWith("?") ? search.slice(1) : search));
}

/** Writes plain text values, leaving out what is empty. */
export function stringifySearch(values: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === "string" && v !== "") params.set(k, v);
    else if (typeof v === "number" || typeof v === "boolean") params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A `YYYY-MM-DD` day from the search, or null. */
export function dayOf(v: string | undefined): string | null {
  return v !== undefined && DAY.test(v) ? v : null;
}

/**
 * A screen's settings (filters, period, report) kept in its URL's search, so back and forward
 * step through them and a view can be linked. `parse` reads them from the search (with the
 * defaults for what it lacks) and `write` gives the search that names them; both must be
 * stable (module-level, or memoised).
 *
 * `draft` is what the form shows; `edit` changes it alone, `apply` changes it and writes it to
 * the URL after `wait` ms, so typing writes once it pauses: replacing the entry, or as a new one
 * (`push`) for a deliberate step such as a form's "Show", which back then undoes. `applied` is
 * the URL's: what the screen's data follows. When the URL moves from elsewhere (back, forward,
 * a link), the form takes what it says.
 */
export function useSearchState<T>(parse: (raw: RawSearch) => T, write: (value: T) => RawSearch) {
  const raw = useRouterState({ select: (s) => s.location.search as RawSearch });
  const navigate = useNavigate();
  const applied = useMemo(() => parse(raw), [parse, raw]);
  const key = JSON.stringify(write(applied));
  const [draft, setDraft] = useState(applied);
  const [formFor, setFormFor] = useState(key);
  const [written, setWritten] = useState<string | null>(null);
  if (formFor !== key) {
    setFormFor(key);
    if (key !== written) setDraft(applied);
  }
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const apply = (next: T, wait = 0, push = false) => {
    setDraft(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const search = write(next);
      setWritten(JSON.stringify(search));
      void navigate({ to: ".", search, replace: !push });
    }, wait);
  };
  return { draft, applied, edit: setDraft, apply };
}

/** Report periods as `YYYY-MM-DD` strings, computed on calendar dates (UTC, no time zones). */

import type { ReportPeriod } from "../bindings";

function parts(d: string): [number, number, number] {
  const [y = "1970", m = "1", day = "1"] = d.split("-");
  return [Number(y), Number(m), Number(day)];
}

function iso(y: number, m: number, d: number): string {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.toISOString().slice(0, 10);
}

/** The last day of the month `months` after the month of `d` (negative: before). */
export function monthEnd(d: string, months = 0): string {
  const [y, m] = parts(d);
  return iso(y, m + months + 1, 0);
}

/** The first day of the month `months` after the month of `d`. */
export function monthStart(d: string, months = 0): string {
  const [y, m] = parts(d);
  return iso(y, m + months, 1);
}

function addDays(d: string, days: number): string {
  const [y, m, day] = parts(d);
  return iso(y, m, day + days);
}

/** Whole months from `from` to `to` when both sit on month boundaries, else null. */
function wholeMonths(from: string, to: string): number | null {
  if (monthStart(from) !== from || monthEnd(to) !== to) return null;
  const [fy, fm] = parts(from);
  const [ty, tm] = parts(to);
  return (ty - fy) * 12 + (tm - fm) + 1;
}

export type Comparison = "none" | "previousPeriod" | "previousYear" | "trend";

/**
 * The comparison periods for a period: the one before it (of the same length),
 * the same period a year before, or the eleven months before (a twelve-month trend).
 * Reports as at a date read only `to`.
 */
export function comparisonPeriods(period: ReportPeriod, how: Comparison): ReportPeriod[] {
  const from = period.from ?? period.to;
  switch (how) {
    case "none":
      return [];
    case "previousYear":
      return [{ from: period.from ? monthShift(from, -12) : null, to: endShift(period.to, -12) }];
    case "previousPeriod": {
      // As at a date: the same day a month before (a month end stays a month end).
      if (!period.from) return [{ from: null, to: endShift(period.to, -1) }];
      const n = wholeMonths(from, period.to);
      if (n !== null) return [{ from: period.from ? monthStart(from, -n) : null, to: monthEnd(period.to, -n) }];
      const [fy, fm, fd] = parts(from);
      const [ty, tm, td] = parts(period.to);
      const days = Math.round((Date.UTC(ty, tm - 1, td) - Date.UTC(fy, fm - 1, fd)) / 86_400_000) + 1;
      return [{ from: period.from ? addDays(from, -days) : null, to: addDays(period.to, -days) }];
    }
    case "trend":
      return Array.from({ length: 11 }, (_, i) => ({
        from: period.from ? monthStart(period.to, -(i + 1)) : null,
        to: monthEnd(period.to, -(i + 1)),
      }));
  }
}

/** The same day `months` away, or that month's last day when it has fewer. */
function monthShift(d: string, months: number): string {
  const [, , day] = parts(d);
  const end = monthEnd(d, months);
  const [, , last] = parts(end);
  return day >= last ? end : `${end.slice(0, 8)}${String(day).padStart(2, "0")}`;
}

/** A period's end moved by whole months: a month end stays a month end. */
function endShift(d: string, months: number): string {
  return monthEnd(d) === d ? monthEnd(d, months) : monthShift(d, months);
}

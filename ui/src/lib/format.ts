/**
 * Every amount, date and instant the UI shows is formatted here, in the owner's locale
 * (`navigator.language`; `setFormatLocale` overrides it, for tests).
 *
 * - Amounts arrive from Rust as exact decimal strings ("-1234.5", "98765432109876.54") and are
 *   never parsed into a number: Intl formats a sample only to learn the locale's group and
 *   decimal separators and its minus sign, which are then put into the exact digit string.
 * - Dates (`YYYY-MM-DD`, a document's date, a report's period) are calendar dates: shown in
 *   the locale's date format as given, with no timezone shift.
 * - Instants (UTC ISO text: sync and audit times) are shown in the organisation's IANA
 *   timezone (UTC when it has none), with the zone named.
 */

import type { ColumnHeading } from "../bindings";
import { appNow } from "./clock";

let localeOverride: string | null = null;

/** Formats in `locale` instead of the browser's; `null` goes back to the browser's. */
export function setFormatLocale(locale: string | null): void {
  localeOverride = locale;
}

/** The locale every formatter uses; en-US when the browser's is no BCP 47 tag (WebKitGTK says "C" under the C locale). */
export function formatLocale(): string {
  const wanted = localeOverride ?? (typeof navigator === "undefined" ? undefined : navigator.language);
  try {
    return Intl.getCanonicalLocales(wanted || "en-US")[0] ?? "en-US";
  } catch {
    return "en-US";
  }
}

interface Separators {
  group: string;
  decimal: string;
  minus: string;
}

const separatorCache = new Map<string, Separators>();

/** The locale's grouping and decimal separators and minus sign, from a formatted sample. */
export function numberSeparators(locale: string = formatLocale()): Separators {
  const cached = separatorCache.get(locale);
  if (cached) return cached;
  const parts = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, useGrouping: true }).formatToParts(-1234567.89);
  const part = (type: Intl.NumberFormatPartTypes, fallback: string) => parts.find((p) => p.type === type)?.value ?? fallback;
  const found = { group: part("group", ","), decimal: part("decimal", "."), minus: part("minusSign", "-") };
  separatorCache.set(locale, found);
  return found;
}

const PLAIN = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * An exact decimal string in the locale's number format: grouped in thousands, padded to at
 * least 2 decimal places, keeping every digit; "—" for none.
 */
export function formatMoney(amount: string | null | undefined, locale: string = formatLocale()): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const m = PLAIN.exec(amount.trim());
  if (!m) return amount;
  const [, sign, whole = "0", frac = ""] = m;
  const { group, decimal, minus } = numberSeparators(locale);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const decimals = frac.length >= 2 ? frac : frac.padEnd(2, "0");
  return `${sign === "-" ? minus : ""}${grouped}${decimal}${decimals}`;
}

/** An amount with its currency code before it ("NZD 1,234.50"); the amount alone without one. */
export function formatAmount(currency: string | null | undefined, amount: string | null | undefined, locale: string = formatLocale()): string {
  return `${currency ?? ""} ${formatMoney(amount, locale)}`.trim();
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date's midnight UTC, or null for text that is no `YYYY-MM-DD`. */
function utcMidnight(date: string): Date | null {
  const m = DATE.exec(date.slice(0, 10));
  if (!m) return null;
  const [, y, mo, d] = m;
  const at = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (Number(y) < 100) at.setUTCFullYear(Number(y));
  return at;
}

const DATE_OPTIONS: Intl.DateTimeFormatOptions = { timeZone: "UTC", year: "numeric", month: "short", day: "numeric" };

/** A calendar date (`YYYY-MM-DD`) in the locale's format, as given: no timezone moves it. */
export function formatDate(date: string | null | undefined, locale: string = formatLocale()): string {
  if (!date) return "—";
  // The date at midnight UTC, formatted in UTC: the same calendar day in every zone.
  const at = utcMidnight(date);
  return at ? new Intl.DateTimeFormat(locale, DATE_OPTIONS).format(at) : date;
}

/**
 * A period of calendar dates (`YYYY-MM-DD`, both inclusive) in the locale's format, as given:
 * "Apr 1, 2025 – Mar 31, 2026" (Intl leaves out what both ends share: "Mar 1 – 31, 2026").
 * Without a start, the end date alone.
 */
export function formatPeriod(from: string | null | undefined, to: string, locale: string = formatLocale()): string {
  if (!from) return formatDate(to, locale);
  const start = utcMidnight(from);
  const end = utcMidnight(to);
  if (!start || !end) return `${from} – ${to}`;
  const format = new Intl.DateTimeFormat(locale, DATE_OPTIONS);
  return typeof format.formatRange === "function" && start <= end ? format.formatRange(start, end) : `${format.format(start)} – ${format.format(end)}`;
}

/** "As at" a date, in the locale: a balance's column, or a stored report's period. */
export function formatAsAt(to: string, locale: string = formatLocale()): string {
  return `As at ${formatDate(to, locale)}`;
}

/**
 * A report column's heading in the locale, from its dates: the period ("Apr 1 – 30, 2026"),
 * "As at Mar 31, 2026", the trial balance's "Debit at …" and "Credit at …"; an ageing bucket
 * or the total as Rust named it.
 */
export function formatColumnHeading(
  column: { label: string; heading: ColumnHeading; from: string | null; to: string },
  locale: string = formatLocale(),
): string {
  switch (column.heading) {
    case "period":
      return formatPeriod(column.from, column.to, locale);
    case "asAt":
      return formatAsAt(column.to, locale);
    case "debitAt":
      return `Debit at ${formatDate(column.to, locale)}`;
    case "creditAt":
      return `Credit at ${formatDate(column.to, locale)}`;
    case "named":
      return column.label;
  }
}

/** A zone Intl accepts: the organisation's IANA zone, or UTC. */
function zoneOrUtc(zone: string | null | undefined): string {
  if (!zone) return "UTC";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone;
  } catch {
    return "UTC";
  }
}

/**
 * An instant (UTC ISO text, `2026-07-01T10:30:00Z` or without the `Z`) in the organisation's
 * timezone, with the zone named ("Jul 1, 2026, 10:30 PM GMT+12"); UTC when there is no zone.
 */
export function formatInstant(instant: string | null | undefined, zone?: string | null, locale: string = formatLocale()): string {
  if (!instant) return "—";
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(instant) ? instant : `${instant}Z`;
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return instant;
  return new Intl.DateTimeFormat(locale, {
    timeZone: zoneOrUtc(zone),
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(at);
}

/** An ISO date, or an ISO instant (a date with a time), standing alone in a sentence. */
const ISO_IN_TEXT = /(?<![\w-])(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-])/g;

/** An amount as the ledger writes one into a sentence: its currency, then grouped digits and at least cents ("NZD 1,234.50"). */
const AMOUNT_IN_TEXT = /(?<![\w-])([A-Z]{3}) (-?\d{1,3}(?:,\d{3})*\.\d{2,})(?![\d.,])/g;

/**
 * A sentence composed by the ledger (a check's summary, its evidence's reason, an anomaly's
 * explanation) with each ISO date in the locale's format, each instant in the organisation's
 * timezone and each amount in the locale's number format: "Every bank line up to 2026-03-31
 * is reconciled." reads "… up to Mar 31, 2026 …"; "both NZD 1,234.50" reads "both NZD 1.234,50" in
 * German.
 */
export function formatSentence(text: string, zone?: string | null, locale: string = formatLocale()): string {
  return text
    .replace(ISO_IN_TEXT, (whole: string, date: string, time: string | undefined) => (time ? formatInstant(whole, zone, locale) : formatDate(date, locale)))
    .replace(AMOUNT_IN_TEXT, (_whole: string, currency: string, amount: string) => formatAmount(currency, amount.replaceAll(",", ""), locale));
}

/** Today's date (`YYYY-MM-DD`) in the organisation's timezone, or this computer's when it has none. */
export function todayIn(zone: string | null | undefined, now: Date = appNow()): string {
  if (!zone) {
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zoneOrUtc(zone), year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year").padStart(4, "0")}-${part("month")}-${part("day")}`;
}

/**
 * A document's total in its own currency, and in the base currency after it when Rust sent
 * that ("USD 100.00 (NZD 166.67)").
 */
export function formatTotalWithBase(
  doc: { currencyCode: string | null; total: string | null; baseCurrency?: string | null; baseTotal?: string | null },
  locale: string = formatLocale(),
): string {
  if (doc.total === null) return "—";
  const own = formatAmount(doc.currencyCode, doc.total, locale);
  return doc.baseTotal ? `${own} (${formatAmount(doc.baseCurrency ?? null, doc.baseTotal, locale)})` : own;
}

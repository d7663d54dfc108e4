import { afterEach, describe, expect, it, vi } from "vitest";
import { formatAmount, formatColumnHeading, formatDate, formatInstant, formatLocale, formatMoney, formatPeriod, formatSentence, numberSeparators, setFormatLocale, todayIn } from "./format";

afterEach(() => {
  setFormatLocale(null);
  vi.unstubAllEnvs();
});

describe("amounts in the locale's number format", () => {
  it("uses en-US separators", () => {
    expect(formatMoney("-1234567.5", "en-US")).toBe("-1,234,567.50");
  });

  it("uses de-DE separators: dots group, a comma before the decimals", () => {
    expect(formatMoney("1234567.5", "de-DE")).toBe("1.234.567,50");
    expect(formatMoney("-0.25", "de-DE")).toBe("-0,25");
  });

  it("uses fr-CH separators: a narrow space groups, a comma before the decimals", () => {
    const { group, decimal } = numberSeparators("fr-CH");
    expect(group).toMatch(/^[\u202f\u00a0]$/); // a no-break space (narrow in recent CLDR)
    expect(decimal).toBe(",");
    expect(formatMoney("1234567.89", "fr-CH")).toBe(`1${group}234${group}567,89`);
  });

  it("uses de-CH separators: an apostrophe groups, a dot before the decimals", () => {
    const { group } = numberSeparators("de-CH");
    expect(group).toMatch(/^['\u2019]$/);
    expect(formatMoney("-1234.5", "de-CH")).toBe(`-1${group}234.50`);
  });

  it("uses the locale's own minus sign (Swedish writes U+2212)", () => {
    expect(formatMoney("-1234.5", "sv-SE")).toBe("\u22121\u00a0234,50");
  });

  it("keeps a 20-digit amount exact, where a float would round it", () => {
    const amount = "12345678901234567890.12";
    expect(Number(amount).toFixed(2)).not.toBe(amount); // what a float does to it
    expect(formatMoney(amount, "en-US")).toBe("12,345,678,901,234,567,890.12");
    expect(formatMoney(amount, "de-DE")).toBe("12.345.678.901.234.567.890,12");
    expect(formatMoney("-98765432109876543210", "de-DE")).toBe("-98.765.432.109.876.543.210,00");
  });

  it("puts the currency before the amount", () => {
    expect(formatAmount("EUR", "1500", "de-DE")).toBe("EUR 1.500,00");
    expect(formatAmount(null, "1500", "en-US")).toBe("1,500.00");
  });

  it("formats in en-US when the browser's locale is no BCP 47 tag", () => {
    setFormatLocale("C");
    expect(formatLocale()).toBe("en-US");
    expect(formatMoney("-1000.5")).toBe("-1,000.50");
  });

  it("follows the chosen locale when none is passed", () => {
    setFormatLocale("de-DE");
    expect(formatLocale()).toBe("de-DE");
    expect(formatMoney("1000.5")).toBe("1.000,50");
  });
});

describe("document dates", () => {
  it("show the calendar date as given, in the locale's format", () => {
    expect(formatDate("2026-07-01", "en-US")).toBe("Jul 1, 2026");
    expect(formatDate("2026-07-01", "de-DE")).toMatch(/^1\. Juli? 2026$/);
    expect(formatDate("2026-07-01", "en-GB")).toBe("1 Jul 2026");
  });

  it("are not shifted by any timezone: the first and last day of a year stay put", () => {
    // West of Greenwich, midnight UTC on 1 January is still 31 December: a Date formatted
    // in the computer's zone shows the day before.
    vi.stubEnv("TZ", "America/Los_Angeles");
    expect(new Date("2026-01-01").toLocaleDateString("en-US")).toBe("12/31/2025");
    expect(formatDate("2026-01-01", "en-US")).toBe("Jan 1, 2026");
    expect(formatDate("2025-12-31", "en-US")).toBe("Dec 31, 2025");
    expect(formatDate(null)).toBe("—");
  });
});

describe("report periods and column headings", () => {
  // Intl puts thin or no-break spaces around the dash; the words and digits are what count.
  const plain = (s: string) => s.replace(/\s+/g, " ");

  it("show a period in the locale's order and month names, every day as given", () => {
    expect(plain(formatPeriod("2025-04-01", "2026-03-31", "en-US"))).toBe("Apr 1, 2025 – Mar 31, 2026");
    expect(plain(formatPeriod("2025-04-01", "2026-03-31", "en-GB"))).toBe("1 Apr 2025 – 31 Mar 2026");
    expect(plain(formatPeriod("2025-04-01", "2026-03-31", "de-DE"))).toMatch(/^1\. Apr\.? 2025 – 31\. März 2026$/);
    // What both ends share is said once.
    expect(plain(formatPeriod("2026-03-01", "2026-03-31", "en-US"))).toBe("Mar 1 – 31, 2026");
  });

  it("are not shifted by the computer's timezone", () => {
    vi.stubEnv("TZ", "America/Los_Angeles");
    expect(plain(formatPeriod("2026-01-01", "2026-12-31", "en-US"))).toBe("Jan 1 – Dec 31, 2026");
  });

  it("show the end alone without a start, and odd text as it came", () => {
    expect(formatPeriod(null, "2026-03-31", "en-US")).toBe("Mar 31, 2026");
    expect(formatPeriod("someday", "2026-03-31", "en-US")).toBe("someday – 2026-03-31");
  });

  it("head each kind of column in the locale, keeping a bucket's own name", () => {
    const col = (heading: "period" | "asAt" | "debitAt" | "creditAt" | "named", label = "x") => ({ label, heading, from: "2026-04-01", to: "2026-04-30" });
    expect(plain(formatColumnHeading(col("period"), "en-GB"))).toBe("1 – 30 Apr 2026");
    expect(formatColumnHeading(col("asAt"), "en-GB")).toBe("As at 30 Apr 2026");
    expect(formatColumnHeading(col("debitAt"), "en-US")).toBe("Debit at Apr 30, 2026");
    expect(formatColumnHeading(col("creditAt"), "en-US")).toBe("Credit at Apr 30, 2026");
    expect(formatColumnHeading(col("named", "31-60 days"), "de-DE")).toBe("31-60 days");
  });
});

describe("instants in the organisation's timezone", () => {
  const at = "2026-07-01T10:30:00Z";

  it("show the same instant in Auckland and in London, each with its zone", () => {
    const auckland = formatInstant(at, "Pacific/Auckland", "en-GB");
    const london = formatInstant(at, "Europe/London", "en-GB");
    // NZST is UTC+12 in July; London is on BST, UTC+1.
    expect(auckland).toMatch(/^1 Jul 2026, 22:30 GMT\+12$/);
    expect(london).toMatch(/^1 Jul 2026, 11:30 BST$/);
  });

  it("crosses midnight into the organisation's next day", () => {
    expect(formatInstant("2026-07-01T13:05:00Z", "Pacific/Auckland", "en-US")).toBe("Jul 2, 2026, 1:05 AM GMT+12");
  });

  it("read UTC text without a Z, and fall back to UTC without a zone", () => {
    expect(formatInstant("2026-07-01T10:30:00", null, "en-GB")).toBe("1 Jul 2026, 10:30 UTC");
    expect(formatInstant("2026-07-01T10:30:00Z", "Not/AZone", "en-GB")).toBe("1 Jul 2026, 10:30 UTC");
    expect(formatInstant(null)).toBe("—");
  });

  it("word the ledger's sentences with their dates in the locale and their instants in the zone", () => {
    expect(formatSentence("Every bank line up to 2026-03-31 is reconciled.", "Pacific/Auckland", "en-GB")).toBe("Every bank line up to 31 Mar 2026 is reconciled.");
    expect(formatSentence("Last synced 2026-04-01T13:05:00Z, before the period ended", "Pacific/Auckland", "en-US")).toBe("Last synced Apr 2, 2026, 2:05 AM GMT+13, before the period ended");
    expect(formatSentence("update by sync:run-1 at 2026-07-01T10:30:00.123Z: Total", null, "de-DE")).toBe("update by sync:run-1 at 1. Juli 2026, 10:30 UTC: Total");
    expect(formatSentence("Period lock date 2026-03-31; end-of-year lock date not set", null, "de-DE")).toBe("Period lock date 31. März 2026; end-of-year lock date not set");
    // Not dates: a reference with more digits, or a date inside a longer code.
    expect(formatSentence("INV-2026-03-31 and 12026-03-310", null, "en-GB")).toBe("INV-2026-03-31 and 12026-03-310");
  });

  it("word the ledger's amounts in the locale, leaving other numbers", () => {
    const bills = "Bills INV-7 and INV-8 are both NZD 1,234.50 and are dated 2026-03-01 and 2026-03-03 (2 days apart).";
    expect(formatSentence(bills, null, "de-DE")).toBe("Bills INV-7 and INV-8 are both NZD 1.234,50 and are dated 1. März 2026 and 3. März 2026 (2 days apart).");
    expect(formatSentence("paid NZD -12,345,678.1234 today", null, "fr-FR")).toMatch(/^paid NZD [-−]12\s345\s678,1234 today$/);
    expect(formatSentence(bills, null, "en-US")).toBe("Bills INV-7 and INV-8 are both NZD 1,234.50 and are dated Mar 1, 2026 and Mar 3, 2026 (2 days apart).");
    // Not amounts: no currency code before them, a longer code, an account number.
    for (const plain of ["account 12-3456-0000001-00", "ABCD 1,234.50", "version 2.10 of NZD", "NZD 1,234"]) {
      expect(formatSentence(plain, null, "de-DE")).toBe(plain);
    }
  });

  it("give today's date in the organisation's timezone", () => {
    const now = new Date("2026-07-01T13:05:00Z");
    expect(todayIn("Pacific/Auckland", now)).toBe("2026-07-02");
    expect(todayIn("Europe/London", now)).toBe("2026-07-01");
  });
});

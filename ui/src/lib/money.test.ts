import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setFormatLocale } from "./format";
import { formatMoney, isAmount } from "./money";

describe("formatMoney (en-US)", () => {
  beforeEach(() => setFormatLocale("en-US"));
  afterEach(() => setFormatLocale(null));
  it("keeps every digit of large amounts", () => {
    expect(formatMoney("98765432109876.54")).toBe("98,765,432,109,876.54");
  });
  it("pads to two places and keeps four-place unit prices", () => {
    expect(formatMoney("12.5")).toBe("12.50");
    expect(formatMoney("7")).toBe("7.00");
    expect(formatMoney("0.3333")).toBe("0.3333");
  });
  it("shows negatives with the locale's minus sign and nothing for missing amounts", () => {
    expect(formatMoney("-1234.00")).toBe("-1,234.00");
    expect(formatMoney(null)).toBe("—");
  });
  it("does what a float would get wrong", () => {
    expect(formatMoney("0.30000000000000004")).toBe("0.30000000000000004");
    expect(formatMoney("9007199254740993.01")).toBe("9,007,199,254,740,993.01");
  });
});

describe("isAmount", () => {
  it("accepts plain decimals only", () => {
    expect(isAmount("10.50")).toBe(true);
    expect(isAmount("-3")).toBe(true);
    expect(isAmount("1e5")).toBe(false);
    expect(isAmount("1,000")).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { comparisonPeriods, monthEnd, monthStart } from "./periods";

describe("report periods", () => {
  it("finds month starts and ends, leap years included", () => {
    expect(monthStart("2024-02-17")).toBe("2024-02-01");
    expect(monthEnd("2024-02-17")).toBe("2024-02-29");
    expect(monthEnd("2025-02-03")).toBe("2025-02-28");
    expect(monthEnd("2026-01-31", -1)).toBe("2025-12-31");
    expect(monthStart("2026-01-31", -1)).toBe("2025-12-01");
  });

  it("compares a month with the one before, a year before, and the eleven before", () => {
    const march = { from: "2026-03-01", to: "2026-03-31" };
    expect(comparisonPeriods(march, "none")).toEqual([]);
    expect(comparisonPeriods(march, "previousPeriod")).toEqual([{ from: "2026-02-01", to: "2026-02-28" }]);
    expect(comparisonPeriods(march, "previousYear")).toEqual([{ from: "2025-03-01", to: "2025-03-31" }]);
    const trend = comparisonPeriods(march, "trend");
    expect(trend).toHaveLength(11);
    expect(trend[0]).toEqual({ from: "2026-02-01", to: "2026-02-28" });
    expect(trend[10]).toEqual({ from: "2025-04-01", to: "2025-04-30" });
  });

  it("moves a quarter by a quarter, odd ranges by their length, and dates as at", () => {
    expect(comparisonPeriods({ from: "2026-01-01", to: "2026-03-31" }, "previousPeriod")).toEqual([{ from: "2025-10-01", to: "2025-12-31" }]);
    expect(comparisonPeriods({ from: "2026-03-10", to: "2026-03-19" }, "previousPeriod")).toEqual([{ from: "2026-02-28", to: "2026-03-09" }]);
    expect(comparisonPeriods({ from: null, to: "2024-02-29" }, "previousYear")).toEqual([{ from: null, to: "2023-02-28" }]);
    expect(comparisonPeriods({ from: null, to: "2026-06-30" }, "previousPeriod")).toEqual([{ from: null, to: "2026-05-31" }]);
  });
});

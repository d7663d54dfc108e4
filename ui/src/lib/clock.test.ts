import { afterEach, describe, expect, it } from "vitest";
import { appNow, setAppNow } from "./clock";
import { todayIn } from "./format";

describe("the app's clock", () => {
  afterEach(() => setAppNow(new Date().toISOString()));

  it("runs on from the day the app was started on, not this computer's", () => {
    const at = Date.now();
    setAppNow("2027-03-15T00:00:00.000Z", at);
    const shown = appNow().getTime() - Date.parse("2027-03-15T00:00:00.000Z");
    expect(shown).toBeGreaterThanOrEqual(0);
    expect(shown).toBeLessThan(60_000);
    expect(todayIn("Pacific/Auckland")).toBe("2027-03-15");
  });

  it("ignores a reading that is no instant", () => {
    setAppNow("2027-03-15T00:00:00.000Z");
    setAppNow("not a time");
    expect(appNow().toISOString().slice(0, 10)).toBe("2027-03-15");
  });
});

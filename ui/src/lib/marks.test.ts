import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { markAfterPaint } from "./marks";

describe("markAfterPaint", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "requestAnimationFrame"] });
    performance.clearMarks();
  });
  afterEach(() => {
    vi.useRealTimers();
    performance.clearMarks();
  });

  it("marks only after the next frame, then each time it is asked", () => {
    markAfterPaint("bench:rows");
    expect(performance.getEntriesByName("bench:rows")).toHaveLength(0);
    vi.advanceTimersToNextFrame();
    vi.runOnlyPendingTimers();
    expect(performance.getEntriesByName("bench:rows")).toHaveLength(1);
    markAfterPaint("bench:rows");
    vi.advanceTimersToNextFrame();
    vi.runOnlyPendingTimers();
    expect(performance.getEntriesByName("bench:rows")).toHaveLength(2);
  });

  it("marks a once-only name a single time", () => {
    markAfterPaint("bench:first", true);
    markAfterPaint("bench:first", true);
    vi.advanceTimersToNextFrame();
    vi.runOnlyPendingTimers();
    expect(performance.getEntriesByName("bench:first")).toHaveLength(1);
  });
});

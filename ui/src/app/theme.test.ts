import { describe, expect, it } from "vitest";
import { applyTheme, loadTheme, nextTheme } from "./theme";

describe("theme", () => {
  it("falls back to the OS's choice when nothing valid is saved", () => {
    expect(loadTheme({ getItem: () => null })).toBe("system");
    expect(loadTheme({ getItem: () => "purple" })).toBe("system");
    expect(loadTheme({ getItem: () => "dark" })).toBe("dark");
  });

  it("cycles system → light → dark → system", () => {
    expect(nextTheme("system")).toBe("light");
    expect(nextTheme("light")).toBe("dark");
    expect(nextTheme("dark")).toBe("system");
  });

  it("forces a theme on the root element, and lets the OS decide for system", () => {
    const el = document.createElement("html");
    applyTheme("dark", el);
    expect(el.dataset.theme).toBe("dark");
    applyTheme("system", el);
    expect(el.dataset.theme).toBeUndefined();
  });
});

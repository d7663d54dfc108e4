import "@testing-library/jest-dom/vitest";
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup } from "@testing-library/react";
import { afterEach, beforeEach } from "vitest";
import { setFormatLocale } from "../lib/format";

// Amounts, dates and instants are formatted in a fixed locale, whatever the machine's.
beforeEach(() => setFormatLocale("en-US"));

afterEach(() => {
  cleanup();
  clearMocks();
  localStorage.clear();
  delete document.documentElement.dataset.theme;
});

// jsdom has no layout: the router's scroll restoration calls this.
window.scrollTo = () => undefined;

// jsdom has no ResizeObserver: charts size themselves with it.
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};

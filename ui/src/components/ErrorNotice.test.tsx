import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { ErrorCode } from "../bindings";
import { render as renderInCache, testQueryClient } from "../test/render";
import { ErrorNotice } from "./ErrorNotice";

// Every code the backend sends; the satisfies clause fails to compile when one is added.
const CODES = [
  "invalid",
  "storage",
  "locked",
  "newer_schema",
  "corrupt",
  "internal",
  "needs_reauthorisation",
  "keyring_unavailable",
  "xero_unavailable",
] as const satisfies readonly ErrorCode[];
type Missing = Exclude<ErrorCode, (typeof CODES)[number]>;
const none: Missing[] = [];

describe("ErrorNotice", () => {
  it("knows every error code", () => {
    expect(none).toHaveLength(0);
  });

  it.each(CODES)("shows the backend's sentence for %s, and says what to do where the owner can act", (code) => {
    const retry = vi.fn();
    render(<ErrorNotice error={{ code, message: `The ${code} sentence.` }} onRetry={retry} />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveAttribute("data-error-code", code);
    expect(alert).toHaveTextContent(`The ${code} sentence.`);
    const link = screen.queryByRole("link");
    const button = screen.queryByRole("button", { name: "Try again" });
    switch (code) {
      case "newer_schema":
      case "corrupt":
      case "needs_reauthorisation":
        // The file or the sign-in needs the owner: the way there, no retry.
        expect(link).toHaveAttribute("href", "#/settings");
        expect(button).toBeNull();
        break;
      case "locked":
      case "xero_unavailable":
      case "keyring_unavailable":
        // Something outside the app: try again once it is sorted.
        expect(link).toBeNull();
        expect(button).not.toBeNull();
        if (button) fireEvent.click(button);
        expect(retry).toHaveBeenCalledTimes(1);
        break;
      default:
        expect(link).toBeNull();
        expect(button).toBeNull();
    }
  });

  it("lists each refused field", () => {
    render(
      <ErrorNotice
        error={{
          code: "invalid",
          message: "Some values are refused.",
          fields: [
            { field: "a", message: "A must be a date." },
            { field: "b", message: "B must be positive." },
          ],
        }}
      />,
    );
    const items = screen.getAllByRole("listitem").map((li) => li.textContent);
    expect(items).toEqual(["A must be a date.", "B must be positive."]);
  });

  it("offers no retry when the screen gives none and there is no cache to re-read", () => {
    render(<ErrorNotice error={{ code: "locked", message: "Locked." }} />);
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("re-reads the screen's cached commands when no retry is given", () => {
    const client = testQueryClient();
    const invalidate = vi.spyOn(client, "invalidateQueries");
    renderInCache(<ErrorNotice error={{ code: "xero_unavailable", message: "Xero is down." }} />, { client });
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(invalidate).toHaveBeenCalledTimes(1);
  });
});

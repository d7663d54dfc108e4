import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ScreenError } from "./ScreenError";

describe("the screen error", () => {
  it("says what failed and retries on request", async () => {
    const reset = vi.fn();
    render(<ScreenError error={new Error("Attempted to assign to readonly property.")} reset={reset} />);
    expect(screen.getByRole("heading", { name: "This screen could not be shown" })).toBeInTheDocument();
    expect(screen.getByText("Attempted to assign to readonly property.")).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole("button", { name: "Try again" }));
    expect(reset).toHaveBeenCalledOnce();
  });
});

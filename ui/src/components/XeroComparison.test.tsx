import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { XeroComparisonView } from "../bindings";
import { XeroComparison } from "./XeroComparison";

const base: XeroComparisonView = { status: "matches", message: "Matches Xero's report, fetched 2026-07-01 00:05 UTC.", fetchedAt: "2026-07-01T00:05:00.000Z", differences: [], available: [] };

describe("XeroComparison", () => {
  it("shows the badge when every figure matches, and no list", () => {
    render(<XeroComparison xero={base} onPick={vi.fn()} />);
    expect(screen.getByTestId("xero-badge")).toHaveTextContent("Matches Xero");
    expect(screen.getByText(/fetched 2026-07-01 00:05 UTC/)).toBeInTheDocument();
    expect(screen.queryByTestId("xero-differences")).toBeNull();
  });

  it("lists each difference with both amounts as exact text, and a line only one side has", () => {
    const xero: XeroComparisonView = {
      ...base,
      status: "differs",
      message: "2 figures differ from Xero's report, fetched 2026-07-01 00:05 UTC.",
      differences: [
        { label: "429 General Expenses", account: "acc-429", local: "98765432109876.54", xero: "98765432109753.09" },
        { label: "Sales", account: "acc-200", local: null, xero: "-0.10" },
      ],
    };
    render(<XeroComparison xero={xero} onPick={vi.fn()} />);
    expect(screen.getByTestId("xero-badge")).toHaveTextContent("Differs from Xero");
    const rows = screen.getAllByTestId("xero-difference");
    expect(rows).toHaveLength(2);
    expect(within(rows[0] as HTMLElement).getByRole("rowheader")).toHaveTextContent("429 General Expenses");
    expect(rows[0]).toHaveTextContent("98,765,432,109,876.54");
    expect(rows[0]).toHaveTextContent("98,765,432,109,753.09");
    expect(rows[1]).toHaveTextContent("not shown");
    expect(rows[1]).toHaveTextContent("-0.10");
  });

  it("offers the stored periods when this one was not fetched", async () => {
    const onPick = vi.fn();
    const xero: XeroComparisonView = {
      ...base,
      status: "notFetched",
      message: "Xero's report of this period has not been fetched; it is stored for the periods below.",
      fetchedAt: null,
      available: [{ from: "2026-07-01", to: "2026-07-31" }, { from: null, to: "2026-06-30" }],
    };
    render(<XeroComparison xero={xero} onPick={onPick} />);
    expect(screen.getByTestId("xero-badge")).toHaveTextContent("Not fetched from Xero");
    // Worded as the report's column headings are, in the locale, not as ISO dates.
    expect(screen.getByTestId("xero-comparison")).not.toHaveTextContent("2026-07-01");
    expect(screen.getByRole("button", { name: /^Show Jul 1\s*–\s*31, 2026$/ })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Show As at Jun 30, 2026" }));
    expect(onPick).toHaveBeenCalledWith({ from: null, to: "2026-06-30" });
  });

  it("says nothing for a report Xero's version of is not fetched", () => {
    const { container } = render(<XeroComparison xero={{ ...base, status: "notCompared", message: "" }} onPick={vi.fn()} />);
    expect(container).toBeEmptyDOMElement();
  });
});

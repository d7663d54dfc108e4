import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { formatMoney } from "../lib/money";
import { DataTable } from "./DataTable";

interface Line {
  id: string;
  name: string;
  amount: string;
}

const LINES: Line[] = [
  { id: "a", name: "Café Ōtautahi", amount: "98765432109876.54" },
  { id: "b", name: "Acme", amount: "-0.10" },
];

/** A table whose columns are written inline, closing over the screen's state. */
function Lines() {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <DataTable
      data={LINES}
      columns={[
        { header: "Name", accessorKey: "name", meta: { rowHeader: true } },
        { header: "Amount", id: "amount", meta: { amount: true }, cell: ({ row }) => formatMoney(row.original.amount) },
        {
          header: "More",
          id: "more",
          cell: ({ row: { original: l } }) => (
            <button type="button" aria-expanded={open === l.id} onClick={() => setOpen(open === l.id ? null : l.id)}>
              Details of {l.name}
            </button>
          ),
        },
      ]}
      caption="Lines, newest first"
      testId="lines"
      rowKey={(l) => l.id}
      rowProps={(l) => ({ "data-testid": "line", "data-id": l.id })}
      expanded={(l) => (open === l.id ? <p>All about {l.name}</p> : null)}
    />
  );
}

describe("the data table", () => {
  it("names itself by its caption, heads each row by its name, and right-aligns money as given", () => {
    render(<Lines />);
    const table = screen.getByRole("table", { name: "Lines, newest first" });
    expect(within(table).getByRole("columnheader", { name: "Amount" })).toHaveClass("amount");
    const rows = screen.getAllByTestId("line");
    expect(rows.map((r) => r.dataset.id)).toEqual(["a", "b"]);
    expect(within(rows[0] as HTMLElement).getByRole("rowheader")).toHaveTextContent("Café Ōtautahi");
    const cells = within(rows[0] as HTMLElement).getAllByRole("cell");
    expect(cells[0]).toHaveTextContent("98,765,432,109,876.54");
    expect(cells[0]).toHaveClass("amount");
    expect(within(rows[1] as HTMLElement).getAllByRole("cell")[0]).toHaveTextContent("-0.10");
  });

  it("keeps a cell's button (and its focus) across renders, and shows a row's details below it", async () => {
    const user = userEvent.setup();
    render(<Lines />);
    const button = screen.getByRole("button", { name: "Details of Acme" });
    await user.click(button);
    expect(screen.getByText("All about Acme")).toBeInTheDocument();
    // The same element, still focused: the inline columns did not remount the cell.
    expect(screen.getByRole("button", { name: "Details of Acme" })).toBe(button);
    expect(button).toHaveFocus();
    expect(button).toHaveAttribute("aria-expanded", "true");
    await user.click(button);
    expect(screen.queryByText("All about Acme")).toBeNull();
  });
});

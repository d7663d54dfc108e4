import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { beforeEach, describe, expect, it } from "vitest";
import { formatMoney } from "../lib/money";
import { DataTable } from "./DataTable";
import { prefsKey } from "./tablePrefs";

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

  it("spans a group's heading over its columns", () => {
    render(
      <DataTable
        data={LINES}
        columns={[
          { header: "Name", accessorKey: "name", meta: { rowHeader: true } },
          {
            header: "June",
            id: "june",
            columns: [
              { header: "Budget", id: "budget", cell: () => "1.00" },
              { header: "Actual", id: "actual", cell: () => "2.00" },
              { header: "Variance", id: "variance", cell: () => "1.00" },
            ],
          },
        ]}
        caption="Grouped"
        rowKey={(l) => l.id}
      />,
    );
    const table = screen.getByRole("table", { name: "Grouped" });
    const june = within(table).getByRole("columnheader", { name: "June" });
    expect(june).toHaveAttribute("colspan", "3");
    expect(june).toHaveAttribute("scope", "colgroup");
    expect(within(table).getByRole("columnheader", { name: "Budget" })).not.toHaveAttribute("colspan");
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

/** A table with an id: its column choice and density are kept under it. */
function Kept({ id = "kept-lines" }: { id?: string }) {
  return (
    <DataTable
      data={LINES}
      columns={[
        { header: "Name", accessorKey: "name", meta: { rowHeader: true } },
        { header: "Memo", id: "memo", cell: ({ row }) => `A long memo about ${row.original.name} that goes on` },
        { header: "Amount", id: "amount", meta: { amount: true }, cell: ({ row }) => formatMoney(row.original.amount) },
      ]}
      label="Kept lines"
      testId={id}
    />
  );
}

describe("the data table's column chooser and density", () => {
  beforeEach(() => localStorage.clear());

  it("hides and shows columns from a menu of checkboxes, keeps the row's name, and remembers the choice per table", async () => {
    const user = userEvent.setup();
    const { unmount } = render(<Kept />);
    const button = screen.getByRole("button", { name: "Columns of Kept lines" });
    expect(button).toHaveAttribute("aria-expanded", "false");
    await user.click(button);
    expect(button).toHaveAttribute("aria-expanded", "true");
    const menu = screen.getByRole("group", { name: "Columns shown in Kept lines" });
    // The naming column is no choice: every row keeps its name.
    expect(within(menu).queryByRole("checkbox", { name: "Name" })).toBeNull();
    await user.click(within(menu).getByRole("checkbox", { name: "Memo" }));
    const table = screen.getByRole("table", { name: "Kept lines" });
    expect(within(table).queryByRole("columnheader", { name: "Memo" })).toBeNull();
    expect(within(table).getByRole("columnheader", { name: "Amount" })).toBeInTheDocument();
    // The last column shown cannot go.
    expect(within(menu).getByRole("checkbox", { name: "Amount" })).toBeDisabled();
    expect(button).toHaveTextContent("Columns (1 of 2)");
    expect(JSON.parse(localStorage.getItem(prefsKey("kept-lines")) ?? "{}")).toMatchObject({ hidden: ["memo"] });
    unmount();

    // Drawn again: still hidden. Another table keeps its own columns.
    render(
      <>
        <Kept />
        <Kept id="other-lines" />
      </>,
    );
    const [kept, other] = screen.getAllByRole("table", { name: "Kept lines" }) as [HTMLElement, HTMLElement];
    expect(within(kept).queryByRole("columnheader", { name: "Memo" })).toBeNull();
    expect(within(other).getByRole("columnheader", { name: "Memo" })).toBeInTheDocument();
  });

  it("closes the menu on Escape and gives the focus back to its button", async () => {
    const user = userEvent.setup();
    render(<Kept />);
    const button = screen.getByRole("button", { name: "Columns of Kept lines" });
    await user.click(button);
    await user.click(screen.getByRole("checkbox", { name: "Memo" }));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("group", { name: "Columns shown in Kept lines" })).toBeNull();
    expect(button).toHaveFocus();
    expect(button).toHaveAttribute("aria-expanded", "false");
  });

  it("draws compact rows on request, cuts long text with its whole in a tooltip but never money, and remembers it", async () => {
    const user = userEvent.setup();
    const { unmount } = render(<Kept />);
    const toggle = screen.getByRole("button", { name: "Compact rows in Kept lines" });
    expect(toggle).toHaveAttribute("aria-pressed", "false");
    expect(screen.getByRole("table")).not.toHaveClass("compact");
    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    const table = screen.getByRole("table");
    expect(table).toHaveClass("compact");
    const row = within(table).getAllByRole("row")[1] as HTMLElement;
    const [memo, amount] = within(row).getAllByRole("cell") as [HTMLElement, HTMLElement];
    expect(memo.querySelector(".cell-text")).toHaveAttribute("title", "A long memo about Café Ōtautahi that goes on");
    expect(amount).toHaveClass("amount");
    expect(amount.querySelector(".cell-text")).toBeNull();
    expect(amount).toHaveTextContent("98,765,432,109,876.54");
    unmount();
    render(<Kept />);
    expect(screen.getByRole("table")).toHaveClass("compact");
    expect(screen.getByRole("button", { name: "Compact rows in Kept lines" })).toHaveAttribute("aria-pressed", "true");
  });

  it("offers no tools to a table without an id, and reads a spoilt kept choice as none", () => {
    localStorage.setItem(prefsKey("kept-lines"), "{not json");
    render(
      <>
        <DataTable data={LINES} columns={[{ header: "Name", accessorKey: "name" }, { header: "Amount", accessorKey: "amount", meta: { amount: true } }]} label="Plain lines" />
        <Kept />
      </>,
    );
    expect(screen.queryByRole("button", { name: /Columns of Plain lines/ })).toBeNull();
    expect(screen.getAllByRole("button", { name: /^Columns of / })).toHaveLength(1);
    expect(within(screen.getByRole("table", { name: "Kept lines" })).getByRole("columnheader", { name: "Memo" })).toBeInTheDocument();
  });
});

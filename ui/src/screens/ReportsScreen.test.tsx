import { mockIPC } from "@tauri-apps/api/mocks";
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { renderInRouter } from "../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { DrillRequest, LedgerOrganisation, ReportRequest, ReportView } from "../bindings";
import { OrganisationProvider } from "../app/organisation";
import { formatPeriod, setFormatLocale } from "../lib/format";
import { ReportsScreen } from "./ReportsScreen";

const ORG: LedgerOrganisation = {
  tenantId: "t-1",
  name: "Kōwhai Design",
  baseCurrency: "NZD",
  timezone: "NEWZEALANDSTANDARDTIME",
  ianaTimezone: "Pacific/Auckland",
  periodLockDate: null,
  lastSyncedUtc: "2026-11-26T09:00:00.000Z",
};

const drillOf = (from: string, to: string) => ({ ledger: { account: "acc-sales", from, to, sign: null, negate: true } });

function pl(req: ReportRequest): ReportView {
  const cols = [req.period, ...(req.comparisons ?? [])];
  return {
    kind: "profitAndLoss",
    basis: "accrual",
    title: "Profit and loss",
    organisation: "Kōwhai Design",
    currency: "NZD",
    columns: cols.map((p) => ({ label: `${p.from ?? ""} to ${p.to}`, heading: p.from ? ("period" as const) : ("asAt" as const), from: p.from ?? null, to: p.to })),
    sections: [
      {
        title: "Income",
        rows: [{ label: "200 Sales", code: "200", cells: cols.map((p, i) => ({ amount: i === 0 ? "98765432109876.54" : "10.50", drill: drillOf(p.from ?? "", p.to) })) }],
        total: { label: "Total income", code: null, cells: cols.map(() => ({ amount: "1.00", drill: null })) },
      },
    ],
    summary: [{ label: "Net profit", code: null, cells: cols.map((_, i) => ({ amount: i === 0 ? "-5.25" : "7.00", drill: null })) }],
    notes: ["Accrual basis: income and expenses count when invoiced or billed."],
    xero: {
      status: "differs",
      message: "1 figure differs from Xero's report, fetched 2026-07-01 00:05 UTC.",
      fetchedAt: "2026-07-01T00:05:00.000Z",
      differences: [{ label: "200 Sales", account: "acc-sales", local: "98765432109876.54", xero: "98765432109870.00" }],
      lines: [
        { label: "200 Sales", account: "acc-sales", matches: false },
        { label: "Net profit", account: null, matches: true },
      ],
      available: [],
    },
  };
}

function backend() {
  const reports: ReportRequest[] = [];
  const drills: DrillRequest[] = [];
  const exports: unknown[] = [];
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "organisations":
        return [ORG];
      case "run_report": {
        const req = a.request as ReportRequest;
        reports.push(req);
        if (req.basis === "cash" && req.kind === "profitAndLoss") throw { code: "invalid", message: "This report is computed on the accrual basis only; the cash summary shows cash." };
        return pl(req);
      }
      case "export_report": {
        exports.push(a.request);
        return { path: "/home/owner/.local/share/ledgerkeep/exports/profit-and-loss-2026-03-31.csv", rows: 4 };
      }
      case "report_drill": {
        const req = a.request as DrillRequest;
        drills.push(req);
        const row = (n: number) => ({ date: "2026-03-02", label: `INV-${n}`, contactName: null, description: null, sourceType: "ACCREC", entity: "invoice", xeroId: `inv-${n}`, amount: "12.34", currencyCode: null });
        if (req.after === "next") return { rows: [row(3)], nextCursor: null };
        return { rows: [row(1), row(2)], nextCursor: "next" };
      }
      default:
        throw { code: "internal", message: `unexpected ${cmd}` };
    }
  });
  return { reports, drills, exports };
}

const renderScreen = (onOpenRecord = vi.fn(), path = "/") =>
  renderInRouter(
    <OrganisationProvider>
      <ReportsScreen onOpenRecord={onOpenRecord} />
    </OrganisationProvider>,
    path,
  );

describe("the reports screen", () => {
  it("exports the report on screen and names the file written", async () => {
    const { reports, exports } = backend();
    const user = userEvent.setup();
    await renderScreen();
    await screen.findByTestId("report-table");
    await user.click(screen.getByTestId("export-csv"));
    expect(await screen.findByTestId("export-path")).toHaveTextContent("exports/profit-and-loss-2026-03-31.csv");
    expect(screen.getByTestId("export-result")).toHaveTextContent("4 rows saved");
    expect(exports).toEqual([{ report: reports[reports.length - 1], format: "csv" }]);
  });

  it("runs the profit and loss with a comparison and shows exact figures and the basis", async () => {
    const { reports } = backend();
    await renderScreen();
    const table = await screen.findByTestId("report-table");
    expect(table).toHaveTextContent("98,765,432,109,876.54");
    expect(table).toHaveTextContent("-5.25");
    expect(screen.getByTestId("report-basis-stated")).toHaveTextContent("Accrual basis · amounts in NZD");
    expect(screen.getByTestId("xero-badge")).toHaveTextContent("Differs from Xero");
    expect(screen.getByTestId("xero-differences")).toHaveTextContent("98,765,432,109,870.00");
    expect(reports[0]?.kind).toBe("profitAndLoss");
    expect(reports[0]?.comparisons).toHaveLength(1);
    expect(screen.getByTestId("report-chart")).toBeInTheDocument();
  });

  it("hides a comparison's column from the report's chooser, draws it compact, and keeps the choice as the period moves", async () => {
    backend();
    const user = userEvent.setup();
    const { unmount } = await renderScreen();
    const table = await screen.findByTestId("report-table");
    expect(screen.getAllByTestId("report-column")).toHaveLength(2);
    await user.click(screen.getByRole("button", { name: "Columns of the report" }));
    const menu = screen.getByRole("group", { name: "Columns shown in the report" });
    const boxes = within(menu).getAllByRole("checkbox");
    expect(boxes).toHaveLength(2);
    await user.click(boxes[1] as HTMLElement);
    expect(screen.getAllByTestId("report-column")).toHaveLength(1);
    // The comparison's figures go with it; the period's stay, and the last column cannot go.
    expect(table).toHaveTextContent("98,765,432,109,876.54");
    expect(table).not.toHaveTextContent("10.50");
    expect(table).not.toHaveTextContent("7.00");
    expect(within(table).getByRole("rowheader", { name: "Income" })).toHaveAttribute("colspan", "2");
    expect(boxes[0]).toBeDisabled();
    await user.click(screen.getByRole("button", { name: "Compact rows in the report" }));
    expect(table).toHaveClass("compact");
    unmount();

    // Another period: still one column, still compact.
    await renderScreen(vi.fn(), "/?kind=profitAndLoss&from=2025-01-01&to=2025-01-31");
    const again = await screen.findByTestId("report-table");
    expect(screen.getAllByTestId("report-column")).toHaveLength(1);
    expect(again).toHaveClass("compact");
  });

  it("shows every column where a kept choice would leave none", async () => {
    localStorage.setItem("ledgerkeep.table.report-table", JSON.stringify({ hidden: ["column-0", "column-1"], density: "comfortable" }));
    backend();
    await renderScreen();
    await screen.findByTestId("report-table");
    expect(screen.getAllByTestId("report-column")).toHaveLength(2);
  });

  it("marks each line compared with Xero's report, found by its account or its name", async () => {
    backend();
    await renderScreen();
    const table = await screen.findByTestId("report-table");
    const marks = within(table).getAllByTestId("xero-line");
    expect(marks.map((m) => [m.closest("tr")?.querySelector("th")?.firstChild?.textContent, m.dataset.matches])).toEqual([
      ["200 Sales", "false"],
      ["Net profit", "true"],
    ]);
    expect(marks[0]).toHaveAccessibleName("differs from Xero");
    // "Total income" was not compared: no mark.
    const total = within(table).getByText("Total income").closest("tr");
    expect(total?.querySelector("[data-testid=xero-line]")).toBeNull();
  });

  it("asks for twelve months for a trend, and shows a refusal's message", async () => {
    const { reports } = backend();
    const user = userEvent.setup();
    await renderScreen();
    await screen.findByTestId("report-table");
    await user.selectOptions(screen.getByTestId("report-comparison"), "trend");
    await waitFor(() => expect(reports[reports.length - 1]?.comparisons).toHaveLength(11));
    // The trend's bars run oldest first.
    await waitFor(() => expect(screen.getByTestId("report-chart").querySelectorAll(".recharts-bar-rectangle")).toHaveLength(12));
    const last = reports[reports.length - 1];
    const labels = [...screen.getByTestId("report-chart").querySelectorAll(".recharts-cartesian-axis-tick-value")].map((t) => t.textContent);
    // Each bar is labelled with its exact amount, as the table shows it.
    const amounts = [...screen.getByTestId("report-chart").querySelectorAll(".bar-amount")].map((t) => t.textContent);
    const bottomRow = within(screen.getByTestId("report-table")).getByText("Net profit").closest("tr");
    const bottom = [...(bottomRow?.querySelectorAll("td") ?? [])].map((td) => td.textContent?.trim());
    expect(bottom).toHaveLength(12);
    expect(amounts).toEqual([...bottom].reverse());
    expect(labels[0]).toBe(formatPeriod(last?.comparisons?.[10]?.from, last?.comparisons?.[10]?.to ?? ""));
    expect(labels[11]).toBe(formatPeriod(last?.period.from, last?.period.to ?? ""));
    expect(labels[11]).not.toContain(last?.period.to);
    await user.selectOptions(screen.getByTestId("report-basis"), "cash");
    expect(await screen.findByTestId("report-error")).toHaveTextContent("accrual basis only");
  });

  it("heads each column with its period in the window's locale, not ISO dates", async () => {
    const { reports } = backend();
    const user = userEvent.setup();
    await renderScreen();
    await screen.findByTestId("report-table");
    fireEvent.change(screen.getByTestId("report-from"), { target: { value: "2025-04-01" } });
    fireEvent.change(screen.getByTestId("report-to"), { target: { value: "2026-03-31" } });
    await waitFor(() => expect(reports.at(-1)?.period).toEqual({ from: "2025-04-01", to: "2026-03-31" }));
    expect(reports.at(-1)?.comparisons).toEqual([{ from: "2024-04-01", to: "2025-03-31" }]);
    await waitFor(() =>
      expect(screen.getAllByTestId("report-column").map((c) => c.textContent?.replace(/\s+/g, " "))).toEqual(["Apr 1, 2025 – Mar 31, 2026", "Apr 1, 2024 – Mar 31, 2025"]),
    );
    // A figure's name and its drill-down's title use the same words.
    const figure = screen.getAllByTestId("report-figure")[0] as HTMLElement;
    expect(figure.getAttribute("aria-label")?.replace(/\s+/g, " ")).toBe("200 Sales, Apr 1, 2025 – Mar 31, 2026: 98,765,432,109,876.54");
    await user.click(figure);
    expect(within(await screen.findByTestId("drill-panel")).getByRole("heading")).toHaveTextContent("200 Sales · Apr 1, 2025 – Mar 31, 2026");

    // Another locale: its own day, month and year order and month names.
    setFormatLocale("de-DE");
    await user.selectOptions(screen.getByTestId("report-kind"), "balanceSheet");
    await waitFor(() =>
      expect(screen.getAllByTestId("report-column").map((c) => c.textContent?.replace(/\s+/g, " "))).toEqual(["As at 31. März 2026", "As at 28. Feb. 2026"]),
    );
  });

  it("drills from a figure to its lines, pages on, and opens a line's record", async () => {
    const { drills } = backend();
    const open = vi.fn();
    const user = userEvent.setup();
    await renderScreen(open);
    const figures = await screen.findAllByTestId("report-figure");
    await user.click(figures[0] as HTMLElement);
    const panel = await screen.findByTestId("drill-panel");
    expect(await within(panel).findAllByTestId("drill-row")).toHaveLength(2);
    expect(drills[0]?.drill).toEqual(drillOf(drills[0]?.drill.ledger?.from ?? "", drills[0]?.drill.ledger?.to ?? ""));
    await user.click(within(panel).getByRole("button", { name: "More" }));
    await waitFor(() => expect(within(panel).getAllByTestId("drill-row")).toHaveLength(3));
    expect(drills[1]?.after).toBe("next");
    await user.click(within(panel).getByRole("button", { name: "INV-3" }));
    expect(open).toHaveBeenCalledWith({ entity: "invoice", xeroId: "inv-3", label: "INV-3" });
  });

  it("keeps the report asked for in the address, and opens one a link names", async () => {
    const { reports } = backend();
    const user = userEvent.setup();
    const { router } = await renderScreen(vi.fn(), "/?kind=balanceSheet&to=2026-03-31&comparison=none");
    await waitFor(() => expect(reports.at(-1)).toMatchObject({ kind: "balanceSheet", period: { from: null, to: "2026-03-31" }, comparisons: [], basis: "accrual" }));
    expect(screen.getByTestId("report-kind")).toHaveValue("balanceSheet");
    expect(screen.getByTestId("report-to")).toHaveValue("2026-03-31");
    await user.selectOptions(screen.getByTestId("report-basis"), "cash");
    await waitFor(() => expect(router.state.location.search).toMatchObject({ kind: "balanceSheet", to: "2026-03-31", comparison: "none", basis: "cash" }));
    expect(reports.at(-1)).toMatchObject({ kind: "balanceSheet", basis: "cash" });
  });
});

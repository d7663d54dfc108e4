import { mockIPC } from "@tauri-apps/api/mocks";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LedgerOrganisation, ReportRequest, ReportView } from "../bindings";
import { OrganisationProvider } from "../app/organisation";
import { renderInRouter } from "../test/render";
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

function report(req: ReportRequest): ReportView {
  return {
    kind: req.kind,
    basis: "accrual",
    title: "Profit and loss",
    organisation: ORG.name,
    currency: "NZD",
    columns: [{ label: `${req.period.from ?? ""} to ${req.period.to}`, heading: "period", from: req.period.from ?? null, to: req.period.to }],
    sections: [{ title: "Income", rows: [{ label: "200 Sales", code: "200", cells: [{ amount: "1234.50", drill: null }] }], total: null }],
    summary: [{ label: "Net profit", code: null, cells: [{ amount: "1234.50", drill: null }] }],
    notes: [],
    xero: { status: "notFetched", message: "Not fetched yet.", fetchedAt: null, differences: [], lines: [], available: [] },
    incomplete: [],
  };
}

function backend() {
  const exports: { report: ReportRequest; format: string }[] = [];
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "organisations":
        return [ORG];
      case "run_report":
        return report(a.request as ReportRequest);
      case "export_report": {
        const req = a.request as { report: ReportRequest; format: string };
        exports.push(req);
        return { path: `/home/owner/.local/share/ledgerkeep/exports/profit-and-loss-${req.report.period.to}.${req.format}`, rows: 2 };
      }
      default:
        throw { code: "internal", message: `unexpected ${cmd}` };
    }
  });
  return { exports };
}

const renderScreen = () =>
  renderInRouter(
    <OrganisationProvider>
      <ReportsScreen onOpenRecord={vi.fn()} />
    </OrganisationProvider>,
  );

afterEach(() => vi.restoreAllMocks());

describe("printing a report", () => {
  it("saves the report on screen as a PDF and names the file", async () => {
    const { exports } = backend();
    const user = userEvent.setup();
    await renderScreen();
    await screen.findByTestId("report-table");
    await user.click(screen.getByRole("button", { name: "Save as PDF" }));
    expect(await screen.findByTestId("export-path")).toHaveTextContent(/exports\/profit-and-loss-\d{4}-\d{2}-\d{2}\.pdf$/);
    expect(exports).toHaveLength(1);
    expect(exports[0]?.format).toBe("pdf");
    expect(exports[0]?.report.kind).toBe("profitAndLoss");
  });

  it("opens the print dialog from the Print button, beside the exports", async () => {
    backend();
    const print = vi.spyOn(window, "print").mockImplementation(() => undefined);
    const user = userEvent.setup();
    await renderScreen();
    await screen.findByTestId("report-table");
    const button = screen.getByRole("button", { name: "Print" });
    expect(button.closest(".export-buttons")).toContainElement(screen.getByTestId("export-csv"));
    expect(print).not.toHaveBeenCalled();
    await user.click(button);
    expect(print).toHaveBeenCalledTimes(1);
  });
});

import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { DocumentFilterDto, LedgerOrganisation, ListDocumentsRequest, ReportRequest, ReportView, TrackingCategoryView } from "../bindings";
import { OrganisationProvider } from "../app/organisation";
import { renderInRouter } from "../test/render";
import { ReportsScreen } from "../screens/ReportsScreen";
import { TransactionsScreen } from "../screens/TransactionsScreen";
import { parseTracking, trackingValue } from "./TrackingPicker";

const ORG: LedgerOrganisation = {
  tenantId: "t-1",
  name: "Kōwhai Design",
  baseCurrency: "NZD",
  timezone: "NEWZEALANDSTANDARDTIME",
  ianaTimezone: "Pacific/Auckland",
  periodLockDate: null,
  lastSyncedUtc: "2026-11-26T09:00:00.000Z",
};

const REGION: TrackingCategoryView = {
  categoryId: "cat-region",
  name: "Region",
  status: "ACTIVE",
  options: [
    { optionId: "opt-north", name: "North", status: "ACTIVE" },
    { optionId: "opt-south", name: "Ōtautahi", status: "ACTIVE" },
  ],
};

function view(req: ReportRequest): ReportView {
  const split = !!req.byTrackingCategory;
  const columns = split
    ? ["North", "Ōtautahi", "Unassigned", "Total"].map((label) => ({ label, heading: "named" as const, from: req.period.from ?? null, to: req.period.to }))
    : [{ label: "period", heading: "period" as const, from: req.period.from ?? null, to: req.period.to }];
  return {
    kind: req.kind,
    basis: "accrual",
    title: split ? "Profit and loss by Region" : "Profit and loss",
    organisation: "Kōwhai Design",
    currency: "NZD",
    columns,
    sections: [{ title: "Income", rows: [{ label: "200 Sales", code: "200", cells: columns.map(() => ({ amount: "10.00", drill: null })) }], total: null }],
    summary: [],
    notes: [],
    xero: { status: "notCompared", message: "", fetchedAt: null, differences: [], lines: [], available: [] },
    tracking: req.tracking ? "Region: North" : null,
  };
}

function backend() {
  const reports: ReportRequest[] = [];
  const lists: ListDocumentsRequest[] = [];
  const totals: DocumentFilterDto[] = [];
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "organisations":
        return [ORG];
      case "list_tracking_categories":
        return [REGION];
      case "run_report": {
        const req = a.request as ReportRequest;
        reports.push(req);
        return view(req);
      }
      case "list_documents":
        lists.push(a.request as ListDocumentsRequest);
        return { rows: [], nextCursor: null };
      case "document_totals":
        totals.push(a.filter as DocumentFilterDto);
        return [];
      case "saved_views":
        return [];
      case "document_kinds":
        return [];
      default:
        throw { code: "internal", message: `unexpected ${cmd}` };
    }
  });
  return { reports, lists, totals };
}

describe("tracking", () => {
  it("reads and writes an option as one value, and nothing else", () => {
    expect(parseTracking(trackingValue({ categoryId: "a-1", optionId: "b-2" }))).toEqual({ categoryId: "a-1", optionId: "b-2" });
    expect(parseTracking("")).toBeNull();
    expect(parseTracking("a-1")).toBeNull();
    expect(parseTracking("a/b/c")).toBeNull();
    expect(trackingValue(null)).toBe("");
  });

  it("filters a report by an option and says so, and splits the profit and loss into a column per option", async () => {
    const { reports } = backend();
    const user = userEvent.setup();
    await renderInRouter(
      <OrganisationProvider>
        <ReportsScreen onOpenRecord={vi.fn()} />
      </OrganisationProvider>,
      "/?kind=profitAndLoss&from=2026-10-01&to=2026-10-31",
    );
    await screen.findByTestId("report-table");
    expect(screen.queryByTestId("report-tracking-stated")).toBeNull();
    const picker = await screen.findByTestId("report-tracking");
    expect(within(picker).getByRole("option", { name: "Region: Ōtautahi" })).toBeInTheDocument();
    await user.selectOptions(picker, "Region: North");
    await waitFor(() => expect(reports[reports.length - 1]?.tracking).toEqual({ categoryId: "cat-region", optionId: "opt-north" }));
    expect(await screen.findByTestId("report-tracking-stated")).toHaveTextContent("Filtered by tracking: Region: North");

    await user.selectOptions(screen.getByTestId("report-tracking-columns"), "Columns by Region");
    await waitFor(() => expect(reports[reports.length - 1]?.byTrackingCategory).toBe("cat-region"));
    // One period only: the columns are the options.
    expect(reports[reports.length - 1]?.comparisons).toEqual([]);
    const headings = await screen.findAllByTestId("report-column");
    await waitFor(() => expect(screen.getAllByTestId("report-column").map((h) => h.textContent)).toEqual(["North", "Ōtautahi", "Unassigned", "Total"]));
    expect(headings.length).toBeGreaterThan(0);

    // Aged reports list documents: no tracking asked for or offered.
    await user.selectOptions(screen.getByTestId("report-kind"), "Aged receivables");
    await waitFor(() => expect(reports[reports.length - 1]?.kind).toBe("agedReceivables"));
    expect(reports[reports.length - 1]?.tracking).toBeNull();
    expect(reports[reports.length - 1]?.byTrackingCategory).toBeNull();
    expect(screen.queryByTestId("report-tracking")).toBeNull();
  });

  it("lists the documents with a line in an option, and offers no option for kinds without lines", async () => {
    const { lists, totals } = backend();
    const user = userEvent.setup();
    await renderInRouter(
      <OrganisationProvider>
        <TransactionsScreen />
      </OrganisationProvider>,
      "/?kind=invoices",
    );
    const picker = await screen.findByTestId("filter-tracking");
    await user.selectOptions(picker, "Region: North");
    const north = { categoryId: "cat-region", optionId: "opt-north" };
    await waitFor(() => expect(lists[lists.length - 1]?.filter.tracking).toEqual(north));
    await waitFor(() => expect(totals[totals.length - 1]?.tracking).toEqual(north));
    await user.selectOptions(screen.getByTestId("filter-kind"), "Payments");
    await waitFor(() => expect(lists[lists.length - 1]?.filter.kind).toBe("payments"));
    expect(lists[lists.length - 1]?.filter.tracking).toBeNull();
    expect(screen.queryByTestId("filter-tracking")).toBeNull();
  });
});

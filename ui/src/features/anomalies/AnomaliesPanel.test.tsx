import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor, within } from "@testing-library/react";
import { render } from "../../test/render";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { AnomalyView, DismissAnomalyRequest, ListAnomaliesRequest } from "../../bindings";
import { AnomaliesPanel } from "./AnomaliesPanel";

function nth<T>(xs: T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`no item ${i}`);
  return x;
}

function finding(id: number, over: Partial<AnomalyView> = {}): AnomalyView {
  return {
    id,
    tenantId: "t-1",
    rule: "duplicate_bill",
    title: "Possible duplicate bill from Harbour Supplies",
    explanation:
      "Bills BILL-00012 and BILL-00012-B from Harbour Supplies are both NZD 1,234.50 and are dated 2026-06-20 and 2026-06-22 (2 days apart).",
    records: [
      { entity: "invoice", xeroId: "inv-1", label: "BILL-00012" },
      { entity: "invoice", xeroId: "inv-2", label: "BILL-00012-B" },
    ],
    amount: "1234.50",
    currencyCode: "NZD",
    firstSeenAt: "2026-07-01T00:00:00.000Z",
    lastSeenAt: "2026-07-01T00:00:00.000Z",
    resolvedAt: null,
    dismissedAt: null,
    dismissedBy: null,
    dismissedReason: null,
    ...over,
  };
}

const BANK: AnomalyView = finding(2, {
  rule: "bank_details_changed",
  title: "Harbour Supplies's bank details changed",
  explanation: "The bank account of the supplier Harbour Supplies changed on 2026-07-01 from 12-3456-0000001-00 to 99-8888-7777777-66.",
  records: [{ entity: "contact", xeroId: "c-1", label: "Harbour Supplies" }],
  amount: null,
  currencyCode: null,
});

function backend(opts: { dismissFails?: boolean } = {}) {
  const lists: ListAnomaliesRequest[] = [];
  const dismissals: DismissAnomalyRequest[] = [];
  mockIPC((cmd, args) => {
    const a = args as Record<string, unknown>;
    switch (cmd) {
      case "list_anomalies":
        lists.push(a.request as ListAnomaliesRequest);
        return [finding(1), BANK];
      case "dismiss_anomaly": {
        const req = a.request as DismissAnomalyRequest;
        dismissals.push(req);
        if (opts.dismissFails) throw { code: "invalid", message: "This finding was already dismissed." };
        return { ...finding(req.id), dismissedAt: "2026-07-01T01:00:00.000Z", dismissedBy: "user:dismiss_anomaly", dismissedReason: req.reason };
      }
      default:
        throw { code: "internal", message: `unexpected ${cmd}` };
    }
  });
  return { lists, dismissals };
}

describe("the anomalies panel", () => {
  it("lists the open findings of the organisation with their explanations and record links", async () => {
    const { lists } = backend();
    const open = vi.fn();
    render(<AnomaliesPanel tenantId="t-1" onOpenRecord={open} />);
    const items = await screen.findAllByTestId("anomaly");
    expect(items).toHaveLength(2);
    expect(lists).toEqual([{ tenantId: "t-1", includeClosed: false }]);
    expect(within(nth(items, 0)).getByTestId("anomaly-explanation")).toHaveTextContent("both NZD 1,234.50");
    expect(within(nth(items, 1)).getByTestId("anomaly-explanation")).toHaveTextContent("to 99-8888-7777777-66");
    // The ledger's ISO dates read in the locale; the bank account numbers are left as they are.
    expect(within(nth(items, 1)).getByTestId("anomaly-explanation")).toHaveTextContent("changed on Jul 1, 2026 from 12-3456-0000001-00");
    // Invoices open in the Transactions drawer; a contact is named, not linked.
    const links = within(nth(items, 0)).getAllByTestId("anomaly-record");
    expect(links.map((l) => l.textContent)).toEqual(["BILL-00012", "BILL-00012-B"]);
    expect(within(nth(items, 1)).queryByTestId("anomaly-record")).toBeNull();
    expect(items[1]).toHaveTextContent("Harbour Supplies");
    await userEvent.setup().click(nth(links, 1));
    expect(open).toHaveBeenCalledWith({ entity: "invoice", xeroId: "inv-2", label: "BILL-00012-B" });
  });

  it("needs a reason to dismiss, then sends it and drops the finding", async () => {
    const { dismissals } = backend();
    const user = userEvent.setup();
    render(<AnomaliesPanel tenantId="t-1" />);
    const first = nth(await screen.findAllByTestId("anomaly"), 0);
    await user.click(within(first).getByTestId("anomaly-dismiss"));
    await user.click(within(first).getByRole("button", { name: "Dismiss" }));
    expect(within(first).getByTestId("dismiss-error")).toHaveTextContent("Say why");
    expect(dismissals).toEqual([]);
    await user.type(within(first).getByLabelText("Why can it be dismissed?"), "Two deliveries, both real");
    await user.click(within(first).getByRole("button", { name: "Dismiss" }));
    await waitFor(() => expect(screen.getAllByTestId("anomaly")).toHaveLength(1));
    expect(dismissals).toEqual([{ id: 1, reason: "Two deliveries, both real" }]);
    expect(screen.getByTestId("anomaly")).toHaveAttribute("data-rule", "bank_details_changed");
  });

  it("shows the backend's refusal and keeps the finding", async () => {
    backend({ dismissFails: true });
    const user = userEvent.setup();
    render(<AnomaliesPanel tenantId="t-1" />);
    const first = nth(await screen.findAllByTestId("anomaly"), 0);
    await user.click(within(first).getByTestId("anomaly-dismiss"));
    await user.type(within(first).getByLabelText("Why can it be dismissed?"), "seen");
    await user.click(within(first).getByRole("button", { name: "Dismiss" }));
    expect(await within(first).findByTestId("dismiss-error")).toHaveTextContent("already dismissed");
    expect(screen.getAllByTestId("anomaly")).toHaveLength(2);
  });

  it("says so when nothing was found", async () => {
    mockIPC((cmd) => {
      if (cmd === "list_anomalies") return [];
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    render(<AnomaliesPanel tenantId="t-1" />);
    expect(await screen.findByTestId("anomalies-none")).toHaveTextContent("Nothing unusual");
  });
});

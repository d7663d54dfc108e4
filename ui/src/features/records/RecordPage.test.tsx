import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderApp } from "../../test/render";

const ORG = { tenantId: "t-1", name: "Kōwhai Plumbing Ltd", baseCurrency: "NZD", timezone: null, ianaTimezone: null, periodLockDate: null, lastSyncedUtc: null };

function backend() {
  const asked: Record<string, unknown>[] = [];
  mockIPC((cmd, args) => {
    if (cmd === "organisations") return [ORG];
    if (cmd === "record_history") {
      const r = (args as { request: Record<string, unknown> }).request;
      asked.push(r);
      return [{ seq: 1, action: "insert", actor: "sync:run-1", at: "2026-07-01T10:00:00.000Z", changes: [], hash: "h" }];
    }
    return null;
  });
  return asked;
}

describe("a record's own page", () => {
  it("opens at /records/<entity>/<id> for every kind of document and reads that record", async () => {
    const asked = backend();
    renderApp("/records/creditNote/cn-7");
    expect(await screen.findByTestId("record-page")).toHaveTextContent("Credit note");
    expect(await screen.findByTestId("history")).toHaveTextContent("insert by sync:run-1");
    await waitFor(() => expect(asked).toContainEqual({ entity: "creditNote", tenantId: "t-1", xeroId: "cn-7" }));
  });

  it("is not found for a kind that has no page", async () => {
    backend();
    renderApp("/records/account/a-1");
    expect(await screen.findByRole("heading", { level: 1, name: "Not found" })).toBeInTheDocument();
    expect(screen.queryByTestId("record-page")).toBeNull();
  });
});

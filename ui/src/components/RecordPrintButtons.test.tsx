import { mockIPC } from "@tauri-apps/api/mocks";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { RecordDetailRequest } from "../bindings";
import { render } from "../test/render";
import { RecordPrintButtons } from "./RecordPrintButtons";

const REQUEST: RecordDetailRequest = { tenantId: "t-1", entity: "invoice", xeroId: "inv-1" };

describe("a record on paper", () => {
  it("saves the record as a PDF and names the file", async () => {
    const asked: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "export_record") {
        asked.push((args as { request: unknown }).request);
        return { path: "/data/exports/invoice-inv-0001.pdf", rows: 3 };
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<RecordPrintButtons request={REQUEST} />);
    await user.click(screen.getByRole("button", { name: "Save as PDF" }));
    expect(await screen.findByTestId("record-pdf-path")).toHaveTextContent("/data/exports/invoice-inv-0001.pdf");
    expect(asked).toEqual([{ record: REQUEST }]);
  });

  it("shows a refusal's message", async () => {
    mockIPC(() => {
      throw { code: "invalid", message: "This ledger holds no invoice with the id inv-1 in this organisation." };
    });
    const user = userEvent.setup();
    render(<RecordPrintButtons request={REQUEST} />);
    await user.click(screen.getByRole("button", { name: "Save as PDF" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("holds no invoice");
    expect(screen.queryByTestId("record-pdf-path")).toBeNull();
  });

  it("prints the page from the Print button", async () => {
    mockIPC(() => null);
    const print = vi.spyOn(window, "print").mockImplementation(() => undefined);
    const user = userEvent.setup();
    render(<RecordPrintButtons request={REQUEST} />);
    await user.click(screen.getByRole("button", { name: "Print" }));
    expect(print).toHaveBeenCalledTimes(1);
  });
});

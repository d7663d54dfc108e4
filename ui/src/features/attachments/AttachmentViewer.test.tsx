import { mockIPC } from "@tauri-apps/api/mocks";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AttachmentView } from "../../bindings";
import { render } from "../../test/render";
import { AttachmentList, AttachmentViewer, bytesOf } from "./AttachmentViewer";

// pdf.js draws on a canvas, which jsdom has not: the drawing is replaced by one that records
// the bytes it was handed and adds one element per page.
const drawn: Uint8Array[] = [];
vi.mock("./pdf", () => ({
  MAX_PAGES: 50,
  drawPdf: vi.fn(async (data: Uint8Array, into: HTMLElement) => {
    drawn.push(data);
    for (let n = 1; n <= 2; n++) {
      const page = document.createElement("canvas");
      page.setAttribute("role", "img");
      page.setAttribute("aria-label", `Page ${n} of 2`);
      into.append(page);
    }
    return { pages: 2, drawn: 2 };
  }),
}));

const PDF_BYTES = "%PDF-1.4 bill";
const PDF: AttachmentView = { attachmentId: "a-pdf", fileName: "bill.pdf", mimeType: "application/pdf", size: 13, show: "pdf" };
const PNG: AttachmentView = { attachmentId: "a-png", fileName: "receipt.png", mimeType: "image/png", size: 4, show: "image" };
const XLS: AttachmentView = { attachmentId: "a-xls", fileName: "sheet.xlsx", mimeType: null, size: 9, show: "other" };

function ipc(calls: { cmd: string; args: unknown }[]) {
  mockIPC((cmd, args) => {
    // The app's event listeners, not a command.
    if (cmd.startsWith("plugin:")) return null;
    calls.push({ cmd, args });
    const id = (args as { request?: { attachmentId?: string } }).request?.attachmentId;
    if (cmd === "document_attachments") return [PDF, PNG, XLS];
    if (cmd === "attachment_file") {
      if (id === "a-pdf") return { attachment: PDF, base64: btoa(PDF_BYTES) };
      if (id === "a-png") return { attachment: PNG, base64: btoa("\x89PNG") };
      if (id === "a-xls") return { attachment: XLS, base64: btoa("PK sheet") };
      throw {
        code: "corrupt",
        message: "The file gone.pdf is missing from the attachments folder. A restore from a backup brings it back.",
      };
    }
    if (cmd === "open_attachment") return { attachment: XLS, path: "/data/opened/a-xls/sheet.xlsx" };
    throw { code: "internal", message: `unexpected ${cmd}` };
  });
}

describe("Attachments, offline", () => {
  beforeEach(() => {
    drawn.length = 0;
  });

  it("lists a document's files and draws a PDF's pages from its checked bytes", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    ipc(calls);
    const user = userEvent.setup();
    render(<AttachmentList tenantId="t-1" entity="invoice" xeroId="inv-1" />);
    await user.click(await screen.findByTestId("attachment-a-pdf"));
    expect(await screen.findByRole("img", { name: "Page 2 of 2" })).toBeInTheDocument();
    expect(new TextDecoder().decode(drawn[0])).toBe(PDF_BYTES);
    expect(calls).toEqual([
      { cmd: "document_attachments", args: { request: { tenantId: "t-1", entity: "invoice", xeroId: "inv-1" } } },
      { cmd: "attachment_file", args: { request: { tenantId: "t-1", attachmentId: "a-pdf" } } },
    ]);
  });

  it("shows an image as it is, and offers another app for anything else", async () => {
    const calls: { cmd: string; args: unknown }[] = [];
    ipc(calls);
    const user = userEvent.setup();
    render(<AttachmentList tenantId="t-1" entity="invoice" xeroId="inv-1" attachments={[PNG, XLS]} />);
    await user.click(screen.getByTestId("attachment-a-png"));
    const img = await screen.findByRole("img", { name: "receipt.png" });
    expect(img).toHaveAttribute("src", `data:image/png;base64,${btoa("\x89PNG")}`);
    // The rows were given: the list is not read again.
    expect(calls.some((c) => c.cmd === "document_attachments")).toBe(false);

    await user.click(screen.getByTestId("attachment-a-xls"));
    expect(await screen.findByTestId("attachment-other")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Open sheet.xlsx with another app" }));
    expect(await screen.findByTestId("attachment-opened")).toHaveTextContent("Opened in another app.");
    expect(calls.at(-1)).toEqual({ cmd: "open_attachment", args: { request: { tenantId: "t-1", attachmentId: "a-xls" } } });
  });

  it("says when a file is missing or altered, never showing it", async () => {
    ipc([]);
    render(
      <AttachmentViewer tenantId="t-1" attachment={{ attachmentId: "a-gone", fileName: "gone.pdf", mimeType: "application/pdf" }} />,
    );
    const alert = await screen.findByTestId("attachment-error");
    expect(alert).toHaveAttribute("data-error-code", "corrupt");
    expect(alert).toHaveTextContent("missing from the attachments folder");
    await waitFor(() => expect(screen.queryByTestId("attachment-pdf")).toBeNull());
    expect(drawn).toEqual([]);
  });

  it("reads base64 into the same bytes", () => {
    expect(Array.from(bytesOf(btoa("\x00\x01\xff")))).toEqual([0, 1, 255]);
  });
});

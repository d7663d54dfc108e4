import { mockIPC } from "@tauri-apps/api/mocks";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { AttachmentSettings, AttachmentSettingsView } from "../../bindings";
import { render } from "../../test/render";
import { AttachmentsSection, sizeText } from "./AttachmentsSection";

const VIEW: AttachmentSettingsView = {
  settings: { enabled: true, maxMegabytes: 10 },
  attachments: 42,
  files: 40,
  sizeKib: 3 * 1024 + 512,
  folder: "/data/attachments",
};

describe("Settings → Attachments", () => {
  it("shows the space used and saves the toggle and the size cap", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "attachment_settings") return VIEW;
      if (cmd === "set_attachment_settings") {
        sent.push(args);
        const settings = (args as { request: AttachmentSettings }).request;
        return { ...VIEW, settings };
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<AttachmentsSection />);
    expect(await screen.findByTestId("attachments-space")).toHaveTextContent(
      "42 attachments kept (40 files), taking 3.5 MB.",
    );
    const enabled = screen.getByLabelText("Keep the documents' attachments on this computer");
    expect(enabled).toBeChecked();
    const cap = screen.getByLabelText("Largest file to fetch (MB)");
    expect(cap).toHaveValue("10");
    await user.clear(cap);
    await user.type(cap, "5");
    await user.click(screen.getByTestId("save-attachment-settings"));
    expect(await screen.findByTestId("attachment-settings-saved")).toHaveTextContent("Saved.");
    await user.click(enabled);
    expect(cap).toBeDisabled();
    await user.click(screen.getByTestId("save-attachment-settings"));
    expect(sent).toEqual([
      { request: { enabled: true, maxMegabytes: 5 } },
      { request: { enabled: false, maxMegabytes: 5 } },
    ]);
  });

  it("shows a refusal beside the cap and sends nothing that is not a whole number", async () => {
    const sent: unknown[] = [];
    mockIPC((cmd, args) => {
      if (cmd === "attachment_settings") return { ...VIEW, attachments: 0, files: 0, sizeKib: 0 };
      if (cmd === "set_attachment_settings") {
        sent.push(args);
        throw {
          code: "invalid",
          message: "Files of 1 to 25 MB.",
          fields: [{ field: "maxMegabytes", message: "Files of 1 to 25 MB." }],
        };
      }
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const user = userEvent.setup();
    render(<AttachmentsSection />);
    expect(await screen.findByTestId("attachments-space")).toHaveTextContent("No attachment is kept");
    const cap = screen.getByLabelText("Largest file to fetch (MB)");
    await user.clear(cap);
    await user.type(cap, "ten");
    await user.click(screen.getByTestId("save-attachment-settings"));
    expect(await screen.findByTestId("error-maxMegabytes")).toHaveTextContent("A whole number of MB.");
    expect(sent).toEqual([]);
    await user.clear(cap);
    await user.type(cap, "99");
    await user.click(screen.getByTestId("save-attachment-settings"));
    expect(await screen.findByTestId("error-maxMegabytes")).toHaveTextContent("Files of 1 to 25 MB.");
    expect(cap).toHaveAttribute("aria-invalid", "true");
    expect(sent).toHaveLength(1);
  });

  it("words sizes as the owner reads them", () => {
    expect(sizeText(0)).toBe("0 KB");
    expect(sizeText(1023)).toBe("1023 KB");
    expect(sizeText(1536)).toBe("1.5 MB");
    expect(sizeText(50 * 1024)).toBe("50 MB");
    expect(sizeText(3 * 1024 * 1024)).toBe("3.0 GB");
  });
});

// End to end: a record of every document type, opened as a page of its own by its address
// (`#/records/<entity>/<Xero id>`) in the real window, on the demo company's ledger, shows its
// lines as the ledger keeps them (unit amounts to 4 places). Then, with the network to the demo's
// simulator cut, a bill's PDF attachment is drawn from the copy kept on this computer, and a
// report is saved as a PDF. Run through tests/e2e/run.sh.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By } from "selenium-webdriver";
import { byTestId, click, currentTenant, e4, ledger, openWithDemo, setInput, settle, sqlText, textOf, workspace } from "./harness.mjs";

/** Each document type as the bindings spell it, its table and its lines' table (none: the page makes them). */
const TYPES = [
  ["invoice", "invoices", "invoice_lines"],
  ["creditNote", "credit_notes", "credit_note_lines"],
  ["payment", "payments", null],
  ["overpayment", "overpayments", "overpayment_lines"],
  ["prepayment", "prepayments", "prepayment_lines"],
  ["bankTransaction", "bank_transactions", "bank_transaction_lines"],
  ["bankTransfer", "bank_transfers", null],
  ["manualJournal", "manual_journals", "manual_journal_lines"],
  ["purchaseOrder", "purchase_orders", "purchase_order_lines"],
  ["quote", "quotes", "quote_lines"],
  ["repeatingInvoice", "repeating_invoices", "repeating_invoice_lines"],
  ["batchPayment", "batch_payments", null],
];

/**
 * How many lines the page makes for a record of `table` that has none of its own: a payment's one
 * movement, a transfer's two, a batch payment's one per payment it lists.
 * @param {string | null | undefined} table
 */
function moneyLines(table) {
  if (table === "payments") return "1";
  if (table === "batch_payments") return "(SELECT COUNT(*) FROM batch_payment_members m WHERE m.parent_id = x.id)";
  return "2";
}

/**
 * An exact decimal text as the page shows it in en-US: grouped in thousands, at least 2 places,
 * every digit kept.
 * @param {string} text
 */
function shown(text) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  assert.ok(m, text);
  const [, sign, whole = "", frac = ""] = m;
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${frac.padEnd(2, "0")}`;
}

describe("a record's own page", () => {
  const { work, env: base, dataDir, ledgerFile } = workspace("records");
  // Once this file exists, the demo's simulator is cut off the network (debug builds).
  const cutFile = path.join(work, "cut-the-network");
  // The demo's books end the day before the app's clock starts: 30 June 2026.
  const env = { ...base, LEDGERKEEP_DEMO_CUT_FILE: cutFile, LEDGERKEEP_CLOCK_START: "2026-07-01" };
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;

  before(async () => {
    ({ driver, close } = await openWithDemo(env));
  });

  after(async () => {
    await close();
    rmSync(work, { recursive: true, force: true });
  });

  it("opens one record of every document type by its address and shows its lines", async () => {
    const tenant = await currentTenant(driver);
    let fourPlaces = 0;
    for (const [entity, table, lines] of TYPES) {
      // One record of the type, with lines where the type has them: one with the most decimal
      // places in a unit amount, first kept by the sync.
      const places = "CASE WHEN instr(l.unit_amount, '.') > 0 THEN length(l.unit_amount) - instr(l.unit_amount, '.') ELSE 0 END";
      const sql = lines
        ? `SELECT x.id, x.xero_id, (SELECT COUNT(*) FROM ${lines} l WHERE l.parent_id = x.id)
           FROM ${table} x WHERE x.tenant_id = ${sqlText(tenant)}
             AND EXISTS (SELECT 1 FROM ${lines} l WHERE l.parent_id = x.id)
           ORDER BY (SELECT MAX(${entity === "manualJournal" ? "0" : places}) FROM ${lines} l WHERE l.parent_id = x.id) DESC, x.id LIMIT 1`
        : `SELECT x.id, x.xero_id, ${moneyLines(table)} FROM ${table} x WHERE x.tenant_id = ${sqlText(tenant)} ORDER BY x.id LIMIT 1`;
      const [row] = await settle(driver, async () => {
        const rows = ledger(ledgerFile, sql);
        return rows.length > 0 ? rows : null;
      }, `a ${entity} in the demo's ledger`);
      const [rowId = "", id = "", count = "0"] = row ?? [];
      // Its lines' unit amounts as the ledger keeps them, in order.
      const units =
        lines && entity !== "manualJournal"
          ? ledger(ledgerFile, `SELECT COALESCE(unit_amount, '-') FROM ${lines} WHERE parent_id = ${Number(rowId)} ORDER BY position`).map((r) => r[0] ?? "-")
          : [];
      await driver.executeScript("window.location.hash = arguments[0];", `#/records/${entity}/${id}`);
      const seen = await settle(
        driver,
        async () => {
          const page = await driver.findElement(byTestId("record-page"));
          if ((await page.getAttribute("data-entity")) !== entity) return null;
          const header = await driver.findElements(byTestId("record-header"));
          if (header.length === 0 || !(await header[0]?.getText())?.includes(id)) return null;
          const found = await driver.findElements(byTestId("record-line"));
          return found.length === Number(count) ? found : null;
        },
        `the ${entity} ${id} with its ${count} lines`,
      );
      assert.ok(seen.length > 0, `${entity}: no lines`);
      for (const [i, unit] of units.entries()) {
        const cell = await seen[i]?.findElement(byTestId("unit-amount"));
        assert.equal(await cell?.getText(), unit === "-" ? "" : shown(unit), `${entity}: line ${i + 1}'s unit amount as stored`);
        if (/\.\d{3}[1-9]$/.test(unit)) fourPlaces += 1;
      }
      // Every line says something: its description, account or amount.
      for (const line of seen) assert.notEqual((await line.getText()).trim(), "", `${entity}: an empty line`);
      assert.match(await textOf(driver, "history"), /insert by sync:/, `${entity}: its history`);
      assert.equal((await driver.findElements(By.css('[data-testid="record-error"]'))).length, 0);
    }
    assert.ok(fourPlaces > 0, "no unit amount with 4 places was shown");
  });

  it("draws a bill's PDF attachment from this computer with the network to the simulator cut", async () => {
    const tenant = await currentTenant(driver);
    // Attachments are fetched by a job after the books: wait until a bill's PDF is kept.
    const [bill] = await settle(
      driver,
      async () => {
        const rows = ledger(
          ledgerFile,
          `SELECT a.record_id, a.attachment_id, a.file_name, a.content_length, a.sha256 FROM attachments a
             JOIN invoices i ON i.tenant_id = a.tenant_id AND i.xero_id = a.record_id
            WHERE a.tenant_id = ${sqlText(tenant)} AND a.entity = 'Invoices' AND i.type = 'ACCPAY'
              AND a.mime_type = 'application/pdf'
            ORDER BY a.record_id, a.attachment_id LIMIT 1`,
        );
        return rows.length > 0 ? rows : null;
      },
      "a bill's PDF kept by the attachments job",
      6 * 20_000,
    );
    const [billId = "", attachmentId = "", fileName = "", size = "0", sha = ""] = bill ?? [];
    // The file itself, in the content-addressed folder beside the ledger.
    const kept = path.join(dataDir, "attachments", sha.slice(0, 2), sha);
    assert.ok(existsSync(kept), `no kept file at ${kept}`);
    assert.equal(readFileSync(kept).length, Number(size));
    assert.equal(readFileSync(kept).subarray(0, 5).toString("latin1"), "%PDF-");

    // Cut the network, and wait for the app to say it was cut.
    writeFileSync(cutFile, "");
    const logs = path.join(dataDir, "logs");
    await settle(
      driver,
      async () =>
        readdirSync(logs, { withFileTypes: true }).some((f) => f.isFile() && readFileSync(path.join(logs, f.name), "utf8").includes("cut off the network")),
      "the demo's simulator cut off the network",
    );

    await driver.executeScript("window.location.hash = arguments[0];", `#/records/invoice/${billId}`);
    await settle(
      driver,
      async () => ((await driver.findElement(byTestId("record-header")).getText()).includes(billId) ? true : null),
      `the bill ${billId}`,
    );
    await click(driver, `attachment-${attachmentId}`);
    // Drawn by pdf.js in the real WebKit: a canvas per page, with ink on it (not a blank page).
    const drawn = await settle(
      driver,
      async () => {
        const failed = await driver.findElements(byTestId("attachment-pdf-failed"));
        if (failed.length > 0) return { failed: await failed[0]?.getText() };
        const error = await driver.findElements(byTestId("attachment-error"));
        if (error.length > 0) return { failed: await error[0]?.getText() };
        return /** @type {Promise<{ pages: number, label: string | null, inked: number } | null>} */ (
          driver.executeScript(`
            const figure = document.querySelector('[data-testid="attachment-pdf"]');
            const canvases = figure ? [...figure.querySelectorAll("canvas.pdf-page")] : [];
            if (canvases.length === 0) return null;
            const c = canvases[0];
            const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            let inked = 0;
            for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i] + data[i + 1] + data[i + 2] < 600) inked++;
            return { pages: canvases.length, label: c.getAttribute("aria-label"), inked };
          `)
        );
      },
      `${fileName} drawn`,
      3 * 20_000,
    );
    assert.ok(drawn && !("failed" in drawn), `${fileName} was not drawn: ${drawn && "failed" in drawn ? drawn.failed : ""}`);
    assert.ok(drawn.pages >= 1);
    assert.match(drawn.label ?? "", /^Page 1 of \d+$/);
    assert.ok(drawn.inked > 100, `page 1 of ${fileName} is blank (${drawn.inked} dark pixels)`);
  });

  it("saves a report as a PDF whose text is the report's, with the network still cut", async () => {
    assert.ok(existsSync(cutFile), "the network is cut by the test before");
    await click(driver, "nav-reports");
    // The demo books run to 30 June 2026: their last financial quarter.
    await setInput(driver, "report-from", "2026-04-01");
    await setInput(driver, "report-to", "2026-06-30");
    const [title, figure] = await settle(
      driver,
      async () => {
        const columns = await driver.findElements(By.css('[data-testid="report-column"][data-from="2026-04-01"][data-to="2026-06-30"]'));
        if (columns.length === 0) return null;
        // An amount shown on screen, of some size (not a zero that any report has).
        for (const f of await driver.findElements(byTestId("report-figure"))) {
          const text = (await f.getText()).trim();
          if (/^\d{1,3}(,\d{3})*\.\d{2}$/.test(text) && e4(text) >= 10_000_000n) {
            return [await textOf(driver, "report-title"), text];
          }
        }
        return null;
      },
      "the profit and loss over the quarter",
    );
    await click(driver, "export-pdf");
    const file = await textOf(driver, "export-path");
    assert.ok(file.startsWith(path.join(dataDir, "exports") + path.sep), file);
    assert.ok(file.endsWith(".pdf"), file);
    assert.equal(readFileSync(file).subarray(0, 5).toString("latin1"), "%PDF-");
    const text = spawnSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
    assert.equal(text.status, 0, text.stderr);
    // The screen's title is the report's and its organisation's: both are in the file.
    const [reportTitle = "", organisation = ""] = title.split(" · ");
    assert.ok(reportTitle !== "" && text.stdout.includes(reportTitle), `"${reportTitle}" is not in the PDF:\n${text.stdout}`);
    assert.ok(organisation !== "" && text.stdout.includes(organisation), `"${organisation}" is not in the PDF`);
    assert.ok(text.stdout.includes(figure), `${figure}, shown on screen, is not in the PDF:\n${text.stdout}`);
  });
});

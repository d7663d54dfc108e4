// End to end: a record of every document type, opened as a page of its own by its address
// (`#/records/<entity>/<Xero id>`) in the real window, on the demo company's ledger, shows its
// lines as the ledger keeps them (unit amounts to 4 places). Run through tests/e2e/run.sh.
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By } from "selenium-webdriver";
import { byTestId, currentTenant, ledger, openWithDemo, settle, sqlText, textOf, workspace } from "./harness.mjs";

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
];

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
  const { work, env, ledgerFile } = workspace("records");
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
        : `SELECT x.id, x.xero_id, ${table === "payments" ? 1 : 2} FROM ${table} x WHERE x.tenant_id = ${sqlText(tenant)} ORDER BY x.id LIMIT 1`;
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
});

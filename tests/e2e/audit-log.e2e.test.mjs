// End to end: the Audit log screen on the demo company's synced ledger. Its
// filters by table and by actor are compared with the ledger file (read with
// sqlite3), and the chain check's result is shown. Run through tests/e2e/run.sh.
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By, until } from "selenium-webdriver";
import { TIMEOUT, byTestId, click, currentTenant, ledger, openWithDemo, settle, sqlText, tableRows, textOf, workspace } from "./harness.mjs";

describe("the audit log", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  const { work, env, ledgerFile } = workspace("audit");
  let tenant = "";

  before(async () => {
    ({ driver, close } = await openWithDemo(env));
    tenant = await currentTenant(driver);
    await click(driver, "nav-audit-log");
    await driver.wait(until.elementLocated(byTestId("audit-row")), TIMEOUT);
  });

  after(async () => {
    await close();
    rmSync(work, { recursive: true, force: true });
  });

  /**
   * Sets the filters (empty ones cleared), shows, and waits for the answer.
   * @param {{ table?: string, actor?: string }} filters
   */
  async function show({ table = "", actor = "" }) {
    const form = await driver.findElement(By.css('form[aria-label="Audit log filters"]'));
    for (const [label, value] of [
      ["Table", table],
      ["Actor", actor],
    ]) {
      const input = await form.findElement(By.xpath(`.//label[starts-with(normalize-space(), '${label}')]/input`));
      await input.clear();
      if (value) await input.sendKeys(value);
    }
    const before = await driver.findElements(byTestId("audit-table"));
    await form.findElement(By.xpath(".//button[normalize-space()='Show']")).click();
    // The old table goes while the new page loads; wait for the answer (rows, or none).
    if (before.length > 0) await driver.wait(until.stalenessOf(before[0]), TIMEOUT).catch(() => undefined);
    // The rows are read in the same try that finds them (the page may draw again meanwhile).
    return settle(
      driver,
      async () => {
        const tables = await driver.findElements(byTestId("audit-table"));
        if (tables.length > 0) {
          const rows = await tableRows(tables[0]);
          return rows.length > 0 ? rows : false;
        }
        const none = await driver.findElements(By.xpath("//p[normalize-space()='No changes match.']"));
        return none.length > 0 ? [] : false;
      },
      "the audit log's answer",
    );
  }

  it("filters by table: the newest rows of that table, as in the ledger", async () => {
    const rows = await show({ table: "accounts" });
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r[2] === "accounts"), "only the accounts table");
    const stored = ledger(ledgerFile, `SELECT seq FROM audit_log WHERE tenant_id = ${sqlText(tenant)} AND table_name = 'accounts' ORDER BY seq DESC LIMIT 100`);
    assert.deepEqual(
      rows.map((r) => r[0]),
      stored.map(([s]) => s),
      "the same rows, newest first",
    );
  });

  it("filters by actor, alone and with a table", async () => {
    const [[actor]] = ledger(ledgerFile, `SELECT actor FROM audit_log WHERE tenant_id = ${sqlText(tenant)} AND table_name = 'contacts' ORDER BY seq DESC LIMIT 1`);
    const rows = await show({ table: "contacts", actor });
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r[2] === "contacts" && r[5] === actor), `only ${actor}'s changes to contacts`);
    const [[count]] = ledger(ledgerFile, `SELECT COUNT(*) FROM audit_log WHERE tenant_id = ${sqlText(tenant)} AND table_name = 'contacts' AND actor = ${sqlText(actor)}`);
    assert.equal(rows.length, Math.min(Number(count), 100));

    const sync = await show({ actor: "sync" });
    assert.ok(sync.length > 0 && sync.every((r) => r[5].startsWith("sync")), "the prefix `sync` is every sync run");
    assert.deepEqual(await show({ actor: "nobody-at-all" }), [], "no changes by an actor that made none");
  });

  it("verifies the hash chain and shows the result", async () => {
    const [[before]] = ledger(ledgerFile, "SELECT COUNT(*) FROM audit_log");
    await click(driver, "verify-audit");
    const text = await textOf(driver, "audit-intact");
    const [[afterCount]] = ledger(ledgerFile, "SELECT COUNT(*) FROM audit_log");
    // The demo keeps its documents' attachments: those it holds by then are checked too.
    const m = /^The chain is intact: ([\d,]+) rows checked(?:, and ([\d,]+) attachment files? match(?:es)? (?:its|their) hash(?:es)?)?\.$/.exec(text);
    assert.ok(m, text);
    const checked = Number(m[1].replace(/,/g, ""));
    assert.ok(checked >= Number(before) && checked <= Number(afterCount), `${checked} rows of ${before}..${afterCount}`);
    if (m[2] !== undefined) {
      const files = Number(m[2].replace(/,/g, ""));
      const [[kept]] = ledger(ledgerFile, "SELECT COUNT(*) FROM attachments");
      assert.ok(files > 0 && files <= Number(kept), `${files} files checked of ${kept} kept`);
    }
    assert.equal((await driver.findElements(byTestId("audit-broken"))).length, 0);
  });
});

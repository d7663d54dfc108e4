// End to end: the Audit log screen on the demo company's synced ledger. Its
// filters by table and by actor are compared with the ledger file (read with
// sqlite3), and the chain check's result is shown. Run through tests/e2e/run.sh.
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By, until } from "selenium-webdriver";
import { TIMEOUT, byTestId, click, currentTenant, ledger, openWithDemo, settle, sqlText, textOf, workspace } from "./harness.mjs";

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
   * Sets the filters (record type and who made it, by their values; empty is any), shows, and
   * waits for the answer: each entry's stored row, `{ seq, table, actor }`, from its attributes.
   * @param {{ table?: string, actor?: string }} filters
   */
  async function show({ table = "", actor = "" }) {
    const form = await driver.findElement(By.css('form[aria-label="Audit log filters"]'));
    for (const [label, value] of [
      ["Record type", table],
      ["Changed by", actor],
    ]) {
      const select = await form.findElement(By.xpath(`.//label[starts-with(normalize-space(), '${label}')]/select`));
      await select.findElement(By.css(`option[value="${value}"]`)).click();
    }
    const before = await driver.findElements(byTestId("audit-table"));
    await form.findElement(By.xpath(".//button[normalize-space()='Show']")).click();
    // The old table goes while the new page loads; wait for the answer (rows, or none).
    if (before.length > 0) await driver.wait(until.stalenessOf(before[0]), TIMEOUT).catch(() => undefined);
    // The rows are read in the same try that finds them (the page may draw again meanwhile).
    return settle(
      driver,
      async () => {
        const rows = await driver.findElements(byTestId("audit-row"));
        if (rows.length > 0) {
          return Promise.all(
            rows.map(async (r) => ({ seq: await r.getAttribute("data-seq"), table: await r.getAttribute("data-table"), actor: await r.getAttribute("data-actor") })),
          );
        }
        const none = await driver.findElements(By.xpath("//p[normalize-space()='No changes match.']"));
        return none.length > 0 ? [] : false;
      },
      "the audit log's answer",
    );
  }

  it("filters by record type: the newest rows of that table, as in the ledger", async () => {
    const rows = await show({ table: "accounts" });
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.table === "accounts"), "only the accounts table");
    const stored = ledger(ledgerFile, `SELECT seq FROM audit_log WHERE tenant_id = ${sqlText(tenant)} AND table_name = 'accounts' ORDER BY seq DESC LIMIT 100`);
    assert.deepEqual(
      rows.map((r) => r.seq),
      stored.map(([s]) => s),
      "the same rows, newest first",
    );
  });

  it("filters by who made the change, alone and with a record type", async () => {
    const rows = await show({ table: "contacts", actor: "sync" });
    assert.ok(rows.length > 0);
    assert.ok(rows.every((r) => r.table === "contacts" && r.actor?.startsWith("sync:") === true), "only the syncs' changes to contacts");
    const [[count]] = ledger(ledgerFile, `SELECT COUNT(*) FROM audit_log WHERE tenant_id = ${sqlText(tenant)} AND table_name = 'contacts' AND actor LIKE 'sync:%'`);
    assert.equal(rows.length, Math.min(Number(count), 100));

    const sync = await show({ actor: "sync" });
    assert.ok(sync.length > 0 && sync.every((r) => r.actor?.startsWith("sync") === true), "`sync` is every sync run");
    const [[byCli]] = ledger(ledgerFile, `SELECT COUNT(*) FROM audit_log WHERE tenant_id = ${sqlText(tenant)} AND actor LIKE 'cli:%'`);
    assert.equal((await show({ actor: "cli" })).length, Math.min(Number(byCli), 100), "the command line's changes, if any");
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

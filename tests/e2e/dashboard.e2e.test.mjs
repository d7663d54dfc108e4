// End to end: the Dashboard of the demo company in the real window. Its cash per
// bank account and its receivables are compared with the ledger file itself
// (read with sqlite3 and summed here exactly, in ten-thousandths), and its sync
// status names the finished sync. Run through tests/e2e/run.sh.
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By, until } from "selenium-webdriver";
import { TIMEOUT, byTestId, click, currentTenant, e4, ledger, localToday, openWithDemo, rowsOf, settle, sqlText, textOf, workspace } from "./harness.mjs";

describe("the dashboard", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  const { work, env, ledgerFile } = workspace("dashboard");
  let tenant = "";

  before(async () => {
    ({ driver, close } = await openWithDemo(env));
    tenant = await currentTenant(driver);
    // The scheduler syncs a newly kept organisation at once: wait until that run is over
    // (the panel reads the status again as it ends), then read the figures afresh.
    await settle(driver, async () => /^Last sync succeeded/.test(await textOf(driver, "sync-last-run")), "the launch sync to end", 120_000);
    await click(driver, "nav-accounts");
    await click(driver, "nav-dashboard");
    await driver.wait(until.elementLocated(byTestId("dashboard-figures")), TIMEOUT);
  });

  after(async () => {
    await close();
    rmSync(work, { recursive: true, force: true });
  });

  it("shows the cash in each bank account, as the general ledger's lines add up", async () => {
    const today = localToday();
    // One tile per bank account: its name and the ledger's balance.
    const tiles = await settle(
      driver,
      async () => {
        const found = await driver.findElements(byTestId("bank-tile"));
        const read = [];
        for (const t of found) read.push([(await t.findElement(By.css(".bank-name")).getText()).trim(), (await t.findElement(By.css(".bank-balance")).getText()).trim()]);
        return read.length > 0 ? read : false;
      },
      "the bank tiles",
    );
    const shown = new Map(tiles.map(([name, balance]) => [name, e4(balance.replace(/^[A-Z]{3} /, ""))]));
    const banks = ledger(ledgerFile, `SELECT xero_id, COALESCE(name, code, xero_id) FROM accounts WHERE tenant_id = ${sqlText(tenant)} AND type = 'BANK'`);
    assert.ok(banks.length > 0, "the demo company has bank accounts");
    assert.deepEqual([...shown.keys()].sort(), banks.map(([, name]) => name).sort(), "one row per bank account");
    for (const [id, name] of banks) {
      const lines = ledger(
        ledgerFile,
        `SELECT l.net_amount FROM gl_entries j JOIN gl_lines l ON l.parent_id = j.id
          WHERE j.tenant_id = ${sqlText(tenant)} AND l.account_xero_id = ${sqlText(id)} AND j.date IS NOT NULL AND j.date <= '${today}'
            AND l.net_amount IS NOT NULL`,
      );
      const balance = lines.reduce((sum, [a]) => sum + e4(a), 0n);
      assert.equal(shown.get(name), balance, `${name}'s balance`);
    }
  });

  it("shows what customers owe, due and overdue, per currency, as the ledger's invoices and credits add up", async () => {
    const today = localToday();
    // Open invoices less the customers' credit notes and overpayments not yet used (credits
    // count as documents, never as overdue), each in its own currency.
    const docs = ledger(
      ledgerFile,
      `SELECT COALESCE(currency_code, '—'), amount_due, COALESCE(due_date, ''), 'invoice' FROM invoices
        WHERE tenant_id = ${sqlText(tenant)} AND type = 'ACCREC' AND status = 'AUTHORISED' AND date <= '${today}'
          AND amount_due IS NOT NULL AND amount_due_e4 IS NOT 0
       UNION ALL
       SELECT COALESCE(currency_code, '—'), remaining_credit, '', 'credit' FROM credit_notes
        WHERE tenant_id = ${sqlText(tenant)} AND type = 'ACCRECCREDIT' AND status = 'AUTHORISED' AND date <= '${today}'
          AND remaining_credit IS NOT NULL AND trim(remaining_credit, '0.-') != ''
       UNION ALL
       SELECT COALESCE(currency_code, '—'), remaining_credit, '', 'credit' FROM overpayments
        WHERE tenant_id = ${sqlText(tenant)} AND type = 'RECEIVE-OVERPAYMENT' AND status = 'AUTHORISED' AND date <= '${today}'
          AND remaining_credit IS NOT NULL AND trim(remaining_credit, '0.-') != ''`,
    );
    assert.ok(docs.some(([, , , kind]) => kind === "invoice"), "the demo company has open invoices");
    /** @type {Map<string, {due: bigint, count: number, overdue: bigint, overdueCount: number}>} */
    const expected = new Map();
    for (const [currency, amount, due, kind] of docs) {
      const t = expected.get(currency) ?? { due: 0n, count: 0, overdue: 0n, overdueCount: 0 };
      t.due += kind === "credit" ? -e4(amount) : e4(amount);
      t.count += 1;
      if (kind === "invoice" && due !== "" && due < today) {
        t.overdue += e4(amount);
        t.overdueCount += 1;
      }
      expected.set(currency, t);
    }
    // The table per currency (the demo has a customer abroad): each row's currency (its
    // row header), then the outstanding and past-due cells.
    const rows = await settle(
      driver,
      async () => {
        const box = await driver.findElement(byTestId("dashboard-receivables-currencies"));
        const read = [];
        for (const tr of await box.findElements(By.css("tbody tr"))) {
          const cells = [];
          for (const c of await tr.findElements(By.css("th, td"))) cells.push((await c.getText()).trim());
          read.push(cells);
        }
        return read.length > 0 ? read : false;
      },
      "the receivables per currency",
    );
    assert.equal(rows.length, expected.size, `one row per currency: ${JSON.stringify(rows)} ${JSON.stringify([...expected.keys()])}`);
    for (const [currency, due, overdue] of rows) {
      const t = expected.get(currency);
      assert.ok(t, `no open invoices in ${currency}`);
      const [dueAmount, dueCount] = /^(\S+) \((\d+)\)$/.exec(due)?.slice(1) ?? [];
      const [overAmount, overCount] = /^(\S+) \((\d+)\)$/.exec(overdue)?.slice(1) ?? [];
      assert.equal(e4(dueAmount ?? ""), t.due, `${currency} due`);
      assert.equal(Number(dueCount), t.count, `${currency} invoices due`);
      assert.equal(e4(overAmount ?? ""), t.overdue, `${currency} overdue`);
      assert.equal(Number(overCount), t.overdueCount, `${currency} invoices overdue`);
    }
  });

  it("shows the sync status: the last run and each stream's state", async () => {
    const lastRun = await textOf(driver, "sync-last-run");
    // The start in the organisation's timezone, named, in the window's locale (en-US here).
    assert.match(lastRun, /^Last sync succeeded, started [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M [A-Z]{2,4}([+-]\d{1,2})?: [\d,]+ records changed\./);
    const streams = await rowsOf(driver, "sync-streams", (r) => r.length > 0);
    const stored = ledger(ledgerFile, `SELECT stream FROM sync_streams WHERE tenant_id = ${sqlText(tenant)}`).map(([s]) => s);
    assert.deepEqual(streams.map(([s]) => s).sort(), stored.sort(), "every stream of the organisation");
    assert.ok(streams.some(([, state]) => state === "idle"), `no stream at rest: ${JSON.stringify(streams)}`);
  });
});

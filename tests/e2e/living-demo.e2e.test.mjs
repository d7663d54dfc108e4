// End to end: the demo company started "on a given day" through the clock setting
// (LEDGERKEEP_CLOCK_START) has books that end that day: its newest document is within the
// week before it, its bank balances are positive, and each ageing bucket of what customers
// owe is non-empty as at that day. The day is the last month end before this computer's
// today; the window takes its today from the app's clock, so it opens on that day too.
// Run through tests/e2e/run.sh.
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By, until } from "selenium-webdriver";
import { TIMEOUT, byTestId, click, currentTenant, e4, ledger, openWithDemo, setInput, settle, sqlText, textOf, workspace } from "./harness.mjs";

/** The last day of the month before this computer's today, `YYYY-MM-DD`. */
function lastMonthEnd() {
  const now = new Date();
  const end = new Date(now.getFullYear(), now.getMonth(), 0);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${end.getFullYear()}-${pad(end.getMonth() + 1)}-${pad(end.getDate())}`;
}

/** `day` moved by `days`, `YYYY-MM-DD`. */
function addDays(/** @type {string} */ day, /** @type {number} */ days) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The "As at" day of Invoices & Bills. */
const AS_AT = '[data-testid="screen-invoices-and-bills"] input[aria-label="As at"]';

describe("the living demo company", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  const { work, env, ledgerFile } = workspace("living-demo");
  const day = lastMonthEnd();
  let tenant = "";

  before(async () => {
    ({ driver, close } = await openWithDemo({ ...env, LEDGERKEEP_CLOCK_START: day }));
    tenant = await currentTenant(driver);
    await settle(driver, async () => /^Last sync succeeded/.test(await textOf(driver, "sync-last-run")), "the launch sync to end", 120_000);
    await click(driver, "nav-accounts");
    await click(driver, "nav-dashboard");
    await driver.wait(until.elementLocated(byTestId("dashboard-figures")), TIMEOUT);
  });

  after(async () => {
    await close();
    rmSync(work, { recursive: true, force: true });
  });

  it("has its newest document within the week before the day, and none after it", async () => {
    const [[newest]] = ledger(
      ledgerFile,
      `SELECT MAX(date) FROM (SELECT date FROM invoices WHERE tenant_id = ${sqlText(tenant)}
        UNION ALL SELECT date FROM bank_transactions WHERE tenant_id = ${sqlText(tenant)})`,
    );
    assert.ok(newest <= day && newest >= addDays(day, -7), `newest document ${newest}, the day ${day}`);
  });

  it("shows every bank account in credit", async () => {
    /** @type {string[][]} */
    let shown = [];
    await settle(
      driver,
      async () => {
        shown = [];
        for (const tile of await driver.findElements(byTestId("bank-tile"))) {
          const name = await tile.findElement(By.css(".bank-name")).getText();
          const balance = await tile.findElement(By.css(".bank-balance")).getText();
          shown.push([name.trim(), balance.trim()]);
        }
        return shown.length > 0;
      },
      "the bank tiles",
    );
    for (const [name, balance] of shown) {
      assert.ok(e4(balance.replace(/[^0-9.,\-−]/g, "")) > 0n, `${name}: ${balance}`);
    }
  });

  it("owes in every ageing bucket as at the day", async () => {
    await click(driver, "nav-invoices-and-bills");
    const asAt = await driver.wait(until.elementLocated(By.css(AS_AT)), TIMEOUT);
    // The window's today is the app's clock's: the day given at start, not this computer's.
    const shown = await settle(
      driver,
      async () => (await driver.findElement(By.css(AS_AT)).getAttribute("value")) || false,
      "the as-at day",
    );
    assert.equal(shown, day);
    await setInput(driver, By.css(AS_AT), day);
    const [[base]] = ledger(ledgerFile, `SELECT base_currency FROM organisations WHERE tenant_id = ${sqlText(tenant)}`);
    /** @type {string[][]} */
    let buckets = [];
    await settle(
      driver,
      async () => {
        buckets = [];
        for (const section of await driver.findElements(byTestId("ageing"))) {
          if ((await section.findElement(By.css("h2")).getText()).trim() !== base) continue;
          for (const b of await section.findElements(byTestId("ageing-bucket"))) {
            const label = (await b.findElement(By.css("span")).getText()).trim();
            const amount = (await b.findElement(By.css("strong")).getText()).trim();
            buckets.push([label, amount]);
          }
        }
        return (await asAt.getAttribute("value")) === day && buckets.length >= 5;
      },
      "the ageing as at the day",
    );
    // Current, then 1–30, 31–60, 61–90 and older: each holds something.
    for (const [label, amount] of buckets) {
      const figure = amount.replace(/[^0-9.,\-−]/g, "");
      assert.ok(figure !== "" && e4(figure) > 0n, `${label}: "${amount}" as at ${day} (${JSON.stringify(buckets)})`);
    }
  });
});

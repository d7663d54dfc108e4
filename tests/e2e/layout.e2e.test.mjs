// End to end: the screens fit a 1024×700 window in the real WebKitGTK window. The demo
// company's table screens are opened one after another (the Transactions grid with several
// kinds, Invoices & Bills, Contacts, Reports with a comparison column, Accounts, the General
// ledger, the Dashboard) and, on each, every money cell (header or figure) must show its whole
// content (scrollWidth <= clientWidth: nothing clipped, no ellipsis), the page must not scroll
// sideways, and a table's header must be sticky. The navigation is collapsed at this width.
// Then the same at 2560×1440, the navigation open again. Run through tests/e2e/run.sh.
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By, until } from "selenium-webdriver";
import { TIMEOUT, byTestId, click, openWithDemo, setInput, settle, textOf, workspace } from "./harness.mjs";

const WIDTH = 1024;
const HEIGHT = 700;
/** The window's size now, for the failures' messages. */
let size = `${WIDTH}×${HEIGHT}`;

/**
 * Sets the window's size and waits until the page has it (give or take the window's frame).
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {number} width
 * @param {number} height
 */
async function resize(driver, width, height) {
  await driver.manage().window().setRect({ width, height });
  await settle(
    driver,
    async () => {
      const [w, h] = /** @type {[number, number]} */ (await driver.executeScript("return [window.innerWidth, window.innerHeight]"));
      return w <= width && w >= width - 40 && h <= height && h >= height - 80;
    },
    `the window to be ${width}×${height}`,
  );
  size = `${width}×${height}`;
}

/**
 * The money cells of the current screen that do not show their whole content, and how many
 * there are in all (only those drawn: a hidden table's are not on screen).
 * @param {import("selenium-webdriver").WebDriver} driver
 * @returns {Promise<{ count: number, clipped: { text: string, scrollWidth: number, clientWidth: number }[], pageOverflow: number }>}
 */
async function moneyCells(driver) {
  return driver.executeScript(`
    const cells = Array.from(document.querySelectorAll("main .data-table .amount, main .grid .amount"))
      .filter((el) => el.getClientRects().length > 0 && el.clientWidth > 0 && el.textContent.trim() !== "");
    const clipped = cells
      .filter((el) => el.scrollWidth > el.clientWidth)
      .map((el) => ({ text: el.textContent.trim(), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
    return { count: cells.length, clipped, pageOverflow: document.documentElement.scrollWidth - window.innerWidth };
  `);
}

/**
 * Waits until the screen shows at least `atLeast` money cells, then asserts none is clipped.
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} screen
 * @param {number} [atLeast]
 */
async function assertMoneyFits(driver, screen, atLeast = 1) {
  const found = await settle(
    driver,
    async () => {
      const r = await moneyCells(driver);
      return r.count >= atLeast ? r : false;
    },
    `${atLeast} money cells on ${screen}`,
  );
  // Let the rows that were still arriving settle, then read again.
  await driver.sleep(500);
  const r = await moneyCells(driver);
  assert.ok(r.count > 0, `${screen}: no money cells left after ${found.count}`);
  assert.deepEqual(r.clipped, [], `${screen}: money cells cut at ${size}`);
  assert.ok(r.pageOverflow <= 0, `${screen}: the page scrolls sideways by ${r.pageOverflow} px`);
  return r.count;
}

/**
 * Picks `value` in the select `testId` as a click on its option would.
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} testId
 * @param {string} value
 */
async function choose(driver, testId, value) {
  await settle(
    driver,
    async () => {
      await driver.findElement(By.css(`[data-testid="${testId}"] option[value="${value}"]`)).click();
      return (await driver.findElement(byTestId(testId)).getAttribute("value")) === value;
    },
    `${value} in ${testId}`,
  );
}

describe("screens from 1024×700 to 2560×1440", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  const { work, env: base } = workspace("layout");
  // The demo's books end the day before the app's clock starts: 30 June 2026.
  const env = { ...base, LEDGERKEEP_CLOCK_START: "2026-07-01" };

  before(async () => {
    ({ driver, close } = await openWithDemo(env));
    await settle(driver, async () => /^Last sync succeeded/.test(await textOf(driver, "sync-last-run")), "the launch sync to end", 120_000);
    await resize(driver, WIDTH, HEIGHT);
  });

  after(async () => {
    await close();
    rmSync(work, { recursive: true, force: true });
  });

  it("collapses the side navigation, which still opens every screen and expands on request", async () => {
    // The window has just narrowed: the shell follows its media query.
    await settle(driver, async () => (await driver.findElement(byTestId("nav-toggle")).getAttribute("aria-expanded")) === "false", "the navigation to collapse by itself");
    assert.equal(await driver.findElement(byTestId("nav-toggle")).getAttribute("aria-label"), "Expand navigation");
    const navWidth = await driver.executeScript("return document.querySelector('.sidebar').getBoundingClientRect().width");
    assert.ok(Number(navWidth) < 100, `the collapsed navigation is ${navWidth} px wide`);
    await click(driver, "nav-toggle");
    await settle(driver, async () => (await driver.findElement(byTestId("nav-toggle")).getAttribute("aria-expanded")) === "true", "the navigation to expand");
    await click(driver, "nav-toggle");
    await settle(driver, async () => (await driver.findElement(byTestId("nav-toggle")).getAttribute("aria-expanded")) === "false", "the navigation to collapse");
  });

  it("shows every amount whole on the Transactions grid, kind after kind", async () => {
    await click(driver, "nav-transactions");
    await driver.wait(until.elementLocated(byTestId("filter-kind")), TIMEOUT);
    for (const kind of ["invoices", "bankTransactions", "payments", "creditNotes", "manualJournals"]) {
      await choose(driver, "filter-kind", kind);
      // This kind's totals are counted: its rows have replaced the previous kind's.
      await settle(driver, async () => !/Totalling/.test(await textOf(driver, "totals")), `the totals of ${kind}`);
      // The rows of this kind (a kind the demo has few of still shows its header's money cells).
      await settle(driver, async () => (await driver.findElements(byTestId("grid-row"))).length > 0, `rows of ${kind}`);
      await assertMoneyFits(driver, `Transactions (${kind})`, 2);
    }
    // The grid's head sticks to the top of its scroll box.
    const position = await driver.executeScript("return getComputedStyle(document.querySelector('.grid-head')).position");
    assert.equal(position, "sticky");
  });

  it("shows every amount whole on Invoices & Bills, Contacts and Accounts", async () => {
    for (const screen of ["invoices-and-bills", "contacts", "accounts"]) {
      await click(driver, `nav-${screen}`);
      await driver.wait(until.elementLocated(byTestId(`screen-${screen}`)), TIMEOUT);
      await assertMoneyFits(driver, screen);
    }
  });

  it("shows every amount whole on a report with a comparison column, its header sticky", async () => {
    await click(driver, "nav-reports");
    await driver.wait(until.elementLocated(byTestId("report-kind")), TIMEOUT);
    await setInput(driver, "report-from", "2026-04-01");
    await setInput(driver, "report-to", "2026-06-30");
    await choose(driver, "report-comparison", "previousPeriod");
    await settle(driver, async () => (await driver.findElements(byTestId("report-figure"))).length > 0, "the report's figures");
    await assertMoneyFits(driver, "Reports (profit and loss, previous period)", 4);
    for (const kind of ["balanceSheet", "trialBalance"]) {
      await choose(driver, "report-kind", kind);
      await settle(driver, async () => (await driver.findElements(byTestId("report-figure"))).length > 0, `the figures of ${kind}`);
      await assertMoneyFits(driver, `Reports (${kind})`, 2);
    }
    const position = await driver.executeScript("return getComputedStyle(document.querySelector('main .data-table thead th')).position");
    assert.equal(position, "sticky");
  });

  it("shows every amount whole on an account's general ledger", async () => {
    await click(driver, "nav-general-ledger");
    await driver.wait(until.elementLocated(byTestId("gl-account")), TIMEOUT);
    // Accounts receivable over a year: many lines, and the largest balances.
    const account = await settle(
      driver,
      async () => {
        const options = /** @type {[string, string][]} */ (
          await driver.executeScript("return Array.from(document.querySelectorAll('[data-testid=\"gl-account\"] option')).map((o) => [o.value, o.textContent])")
        );
        return options.find(([v, text]) => v !== "" && /Receivable/.test(text))?.[0];
      },
      "accounts receivable to pick",
    );
    await choose(driver, "gl-account", account);
    for (const [label, value] of [["From", "2025-07-01"], ["To", "2026-06-30"]]) {
      await setInput(driver, By.css(`[data-testid="screen-general-ledger"] input[aria-label="${label}"]`), value);
    }
    await settle(driver, async () => (await driver.findElements(byTestId("gl-row"))).length > 0, "the account's lines");
    await assertMoneyFits(driver, "General ledger", 2);
  });

  it("shows every amount whole on the Dashboard", async () => {
    await click(driver, "nav-dashboard");
    await driver.wait(until.elementLocated(byTestId("dashboard-figures")), TIMEOUT);
    await assertMoneyFits(driver, "Dashboard");
  });

  it("at 2560×1440, opens the navigation out again and shows every amount whole", async () => {
    await resize(driver, 2560, 1440);
    await settle(driver, async () => (await driver.findElement(byTestId("nav-toggle")).getAttribute("aria-expanded")) === "true", "the navigation to open out by itself");
    await assertMoneyFits(driver, "Dashboard");
    await click(driver, "nav-transactions");
    await settle(driver, async () => (await driver.findElements(byTestId("grid-row"))).length > 0, "the grid's rows");
    await assertMoneyFits(driver, "Transactions", 2);
    for (const screen of ["invoices-and-bills", "contacts", "accounts", "reports"]) {
      await click(driver, `nav-${screen}`);
      await driver.wait(until.elementLocated(byTestId(`screen-${screen}`)), TIMEOUT);
      await assertMoneyFits(driver, screen);
    }
  });
});

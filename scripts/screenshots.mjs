// Regenerates docs/screenshots/<screen>.png (light) and <screen>-dark.png: each main screen, taken
// of the real app (the binary `make app` builds, or $LEDGERKEEP_APP) in a
// virtual display, with the demo company connected and synced into a fresh data
// folder. Driven by tauri-driver and WebKitWebDriver like the end-to-end tests,
// whose helpers it uses. Run it through `make screenshots`, which starts the
// private desktop session (scripts/with-desktop-session.sh) around it.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { By, until } from "selenium-webdriver";
import { ROOT, TIMEOUT, byTestId, click, openWithDemo, setInput, settle, textOf, workspace } from "../tests/e2e/harness.mjs";

const OUT = path.join(ROOT, "docs/screenshots");

/**
 * Sets the screen's date field labelled `label` as typing would (a date input takes no keys here).
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} label
 * @param {string} value
 */
async function setDate(driver, label, value) {
  const el = await driver.wait(until.elementLocated(By.css(`main input[type="date"][aria-label="${label}"]`)), TIMEOUT);
  await driver.executeScript(
    `Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(arguments[0], arguments[1]);
     arguments[0].dispatchEvent(new Event("input", { bubbles: true }));`,
    el,
    value,
  );
}

/**
 * The demo books' last quarter (they end on 30 June 2026) on a screen with From and To dates.
 * @param {import("selenium-webdriver").WebDriver} driver
 */
async function lastQuarter(driver) {
  await setDate(driver, "From", "2026-04-01");
  await setDate(driver, "To", "2026-06-30");
}

/**
 * Each main screen: its slug (the PNG's name unless `file` names it), what shows it is ready to be
 * seen, and what to scroll to (the top otherwise): the window shows one screenful.
 * A shot with `open` is of no screen of the navigation: `open` brings it (the slug names the PNG).
 * @type {{ slug: string, ready: string, file?: string, scrollTo?: string, prepare?: (driver: import("selenium-webdriver").WebDriver) => Promise<void>, open?: (driver: import("selenium-webdriver").WebDriver) => Promise<void> }[]}
 */
const SHOTS = [
  { slug: "dashboard", ready: '[data-testid="sync-last-run"]' },
  { slug: "transactions", ready: '[data-testid="grid-row"]' },
  { slug: "invoices-and-bills", ready: '[data-testid="ageing-bucket"]' },
  { slug: "contacts", ready: '[data-testid="contact-row"]' },
  {
    slug: "reports",
    ready: '[data-testid="report-figure"]',
    // The demo books end on 30 June 2026: their last quarter.
    prepare: async (driver) => {
      await setInput(driver, "report-from", "2026-04-01");
      await setInput(driver, "report-to", "2026-06-30");
    },
  },
  { slug: "accounts", ready: '[data-testid="account-row"]' },
  {
    slug: "general-ledger",
    ready: '[data-testid="gl-row"]',
    // The first account of the list, over the last quarter.
    prepare: async (driver) => {
      await lastQuarter(driver);
      await settle(
        driver,
        async () => {
          await driver.findElement(By.css('[data-testid="gl-account"] option:not([value=""])')).click();
          return true;
        },
        "an account",
      );
    },
  },
  { slug: "tax-summary", ready: '[data-testid="tax-row"]', prepare: lastQuarter },
  { slug: "items", ready: '[data-testid="item-row"]' },
  { slug: "tax-rates", ready: '[data-testid="tax-rate-row"]' },
  {
    slug: "record-page",
    ready: '[data-testid="record-line"]',
    scrollTo: '[data-testid="record-lines"]',
    // A bill opened from the explorer: its own page, with its lines, payments and files.
    open: async (driver) => {
      await click(driver, "nav-transactions");
      await settle(
        driver,
        async () => {
          await driver.findElement(By.css('[data-testid="filter-kind"] option[value="invoices"]')).click();
          return true;
        },
        "the invoices kind",
      );
      // Until the new listing arrives the bank transactions stay on screen: find a bill and open it in one try.
      await settle(
        driver,
        async () => {
          for (const row of await driver.findElements(byTestId("grid-row"))) {
            if (((await row.getAttribute("textContent")) ?? "").includes("ACCPAY")) {
              await row.click();
              return true;
            }
          }
          return false;
        },
        "a bill to open",
      );
      await driver.wait(until.elementLocated(byTestId("record-page")), TIMEOUT);
    },
  },
  { slug: "checklists", ready: '[data-testid="screen-checklists"]' },
  {
    slug: "audit-log",
    ready: '[data-testid="audit-intact"]',
    prepare: async (driver) => click(driver, "verify-audit"),
  },
  { slug: "settings", ready: '[data-testid="backups-list"], [data-testid="no-backups"]' },
  { slug: "settings", file: "settings-data-and-backups", ready: '[data-testid="backups-list"]', scrollTo: '[data-testid="data-settings"]' },
  { slug: "diagnostics", ready: '[data-testid="health-checks"]' },
];

async function main() {
  const { work, env } = workspace("screenshots");
  const { driver, close } = await openWithDemo(env);
  let failed = false;
  try {
    // The scheduler syncs the kept organisations at once: let that run end first.
    await driver.wait(async () => /^Last sync succeeded/.test(await textOf(driver, "sync-last-run")), 120_000);
    mkdirSync(OUT, { recursive: true });
    // Every screen in the light theme, then in the dark one, chosen in Settings as an owner would.
    for (const theme of ["light", "dark"]) {
      await click(driver, "nav-settings");
      await driver.wait(until.elementLocated(byTestId("theme-select")), TIMEOUT);
      await driver.findElement(By.css(`[data-testid="theme-select"] option[value="${theme}"]`)).click();
      await driver.wait(async () => (await driver.executeScript("return document.documentElement.dataset.theme")) === theme, TIMEOUT);
      for (const shot of SHOTS) {
        if (shot.open) {
          await shot.open(driver);
        } else {
          await click(driver, `nav-${shot.slug}`);
          await driver.wait(until.elementLocated(byTestId(`screen-${shot.slug}`)), TIMEOUT);
        }
        if (shot.prepare) await shot.prepare(driver);
        await driver.wait(until.elementLocated(By.css(shot.ready)), TIMEOUT);
        // Let the last answers draw, and show the top of the screen.
        await driver.sleep(800);
        await driver.executeScript(
          `window.scrollTo(0, 0);
           const to = arguments[0] && document.querySelector(arguments[0]);
           if (to) to.previousElementSibling?.scrollIntoView({ block: "start" });`,
          shot.scrollTo ?? null,
        );
        await driver.sleep(200);
        const file = path.join(OUT, `${shot.file ?? shot.slug}${theme === "dark" ? "-dark" : ""}.png`);
        writeFileSync(file, Buffer.from(await driver.takeScreenshot(), "base64"));
        process.stdout.write(`${path.relative(ROOT, file)}\n`);
      }
    }
  } catch (err) {
    failed = true;
    process.stderr.write(`screenshots: ${err instanceof Error ? err.stack : String(err)}\n`);
  } finally {
    await close();
    rmSync(work, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

await main();

// Regenerates docs/screenshots/<screen>.png: one PNG of each main screen, taken
// of the real app (the binary `make app` builds, or $LEDGERKEEP_APP) in a
// virtual display, with the demo company connected and synced into a fresh data
// folder. Driven by tauri-driver and WebKitWebDriver like the end-to-end tests,
// whose helpers it uses. Run it through `make screenshots`, which starts the
// private desktop session (scripts/with-desktop-session.sh) around it.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { By, until } from "selenium-webdriver";
import { ROOT, TIMEOUT, byTestId, click, openWithDemo, setInput, textOf, workspace } from "../tests/e2e/harness.mjs";

const OUT = path.join(ROOT, "docs/screenshots");

/**
 * Each main screen: its slug (the PNG's name unless `file` names it), what shows it is ready to be
 * seen, and what to scroll to (the top otherwise): the window shows one screenful.
 * @type {{ slug: string, ready: string, file?: string, scrollTo?: string, prepare?: (driver: import("selenium-webdriver").WebDriver) => Promise<void> }[]}
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
    await click(driver, "nav-settings");
    for (const shot of SHOTS) {
      await click(driver, `nav-${shot.slug}`);
      await driver.wait(until.elementLocated(byTestId(`screen-${shot.slug}`)), TIMEOUT);
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
      const file = path.join(OUT, `${shot.file ?? shot.slug}.png`);
      writeFileSync(file, Buffer.from(await driver.takeScreenshot(), "base64"));
      process.stdout.write(`${path.relative(ROOT, file)}\n`);
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

// Regenerates docs/screenshots/: each main screen at 1280×800 (<screen>.png, <screen>-dark.png) and
// at 1024×700 (<screen>-1024.png, <screen>-1024-dark.png), light and dark, taken of the real app (the binary `make app` builds, or $LEDGERKEEP_APP) in a
// virtual display, with the demo company connected and synced into a fresh data
// folder: the living demo, whose books end on its today. Driven by tauri-driver and WebKitWebDriver like the end-to-end tests,
// whose helpers it uses. Run it through `make screenshots`, which starts the
// private desktop session (scripts/with-desktop-session.sh) around it.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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
  await setInput(driver, By.css(`main input[type="date"][aria-label="${label}"]`), value);
}

/**
 * The last whole quarter before this computer's today, `[from, to]` as `YYYY-MM-DD`: the living
 * demo's books end on its today, so this quarter is full of them.
 * @returns {[string, string]}
 */
function quarterBefore() {
  const now = new Date();
  const start = new Date(Date.UTC(now.getFullYear(), Math.floor(now.getMonth() / 3) * 3 - 3, 1));
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 3, 0));
  return [start.toISOString().slice(0, 10), end.toISOString().slice(0, 10)];
}
const QUARTER = quarterBefore();

/**
 * The last whole quarter on a screen with From and To dates.
 * @param {import("selenium-webdriver").WebDriver} driver
 */
async function lastQuarter(driver) {
  await setDate(driver, "From", QUARTER[0]);
  await setDate(driver, "To", QUARTER[1]);
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
    // The last whole quarter of the demo's books.
    prepare: async (driver) => {
      await setInput(driver, "report-from", QUARTER[0]);
      await setInput(driver, "report-to", QUARTER[1]);
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
  { slug: "budget-vs-actual", ready: '[data-testid="budget-row"]' },
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
              // Clear of the sticky header and the totals line.
              await driver.executeScript('arguments[0].scrollIntoView({ block: "center" })', row);
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
  {
    slug: "connect-xero",
    ready: '[data-testid="redirect-uri"]',
    open: async (driver) => {
      await driver.executeScript("window.location.hash = '#/connect-xero'");
      await driver.wait(until.elementLocated(byTestId("connect-xero-guide")), TIMEOUT);
    },
  },
];

/** The window sizes, and the suffix of their files. */
const SIZES = [
  { width: 1280, height: 800, suffix: "" },
  { width: 1024, height: 700, suffix: "-1024" },
];

/** What each shot shows, for the README's table. */
const TITLES = {
  dashboard: "Dashboard",
  transactions: "Transactions",
  "invoices-and-bills": "Invoices & Bills",
  contacts: "Contacts",
  reports: "Reports",
  accounts: "Accounts",
  "general-ledger": "General ledger",
  "tax-summary": "Tax summary",
  "budget-vs-actual": "Budget vs actual",
  items: "Items",
  "tax-rates": "Tax rates",
  "record-page": "A record's own page (a bill)",
  checklists: "Checklists",
  "audit-log": "Audit log",
  settings: "Settings",
  "settings-data-and-backups": "Settings: data, sync and backups",
  diagnostics: "Diagnostics",
  "connect-xero": "Connect your own Xero",
};

/** docs/screenshots/README.md: a row per shot, a column per size and theme. */
function readme() {
  const rows = SHOTS.map((shot) => {
    const name = shot.file ?? shot.slug;
    const title = /** @type {Record<string, string>} */ (TITLES)[name] ?? name;
    const cells = SIZES.flatMap((size) =>
      ["", "-dark"].map((dark) => `![${title}${dark ? ", dark" : ""}, ${size.width}×${size.height}](${name}${size.suffix}${dark}.png)`),
    );
    return `| ${title} | ${cells.join(" | ")} |`;
  });
  return `# Screenshots

Each main screen of the real app (the debug build with the UI embedded) in a virtual display, at
1280×800 and at 1024×700, in the light theme and the dark one (chosen in Settings), with the living
demo company connected and synced into a fresh data folder: its books end on the day the shots were
taken. \`make screenshots\` regenerates them and this page (\`scripts/screenshots.mjs\`, driven
through the end-to-end tests' harness).

| screen | 1280×800 light | 1280×800 dark | 1024×700 light | 1024×700 dark |
| --- | --- | --- | --- | --- |
${rows.join("\n")}
`;
}

async function main() {
  const { work, env } = workspace("screenshots");
  const { driver, close } = await openWithDemo(env);
  let failed = false;
  try {
    // The scheduler syncs the kept organisations at once: let that run end first.
    await driver.wait(async () => /^Last sync succeeded/.test(await textOf(driver, "sync-last-run")), 120_000);
    mkdirSync(OUT, { recursive: true });
    // Shots of screens since renamed or removed go: the folder holds this run's only.
    for (const f of readdirSync(OUT).filter((f) => f.endsWith(".png"))) rmSync(path.join(OUT, f));
    // Every screen at each size, in the light theme, then in the dark one, chosen in Settings as an owner would.
    for (const size of SIZES) {
      await driver.manage().window().setRect({ width: size.width, height: size.height });
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
          const file = path.join(OUT, `${shot.file ?? shot.slug}${size.suffix}${theme === "dark" ? "-dark" : ""}.png`);
          writeFileSync(file, Buffer.from(await driver.takeScreenshot(), "base64"));
          process.stdout.write(`${path.relative(ROOT, file)}\n`);
        }
      }
    }
    writeFileSync(path.join(OUT, "README.md"), readme());
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

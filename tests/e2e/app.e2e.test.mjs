// End to end: the real `ledgerkeep` binary in a real WebKitGTK window, driven by
// tauri-driver + WebKitWebDriver. Run through `make e2e` (tests/e2e/run.sh).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By, Key, until } from "selenium-webdriver";
import { APP, TIMEOUT, byTestId, cargoVersion, click, heading, latestMigration, openApp, openSettings, settle, textOf } from "./harness.mjs";

describe("the desktop app", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  const work = mkdtempSync(path.join(tmpdir(), "ledgerkeep-e2e-"));
  const dataDir = path.join(work, "data");
  // The app writes .desktop files for its link scheme into $HOME: keep them here.
  const env = { ...process.env, LEDGERKEEP_DATA_DIR: dataDir, HOME: path.join(work, "home"), XDG_DATA_HOME: path.join(work, "home/.local/share") };

  before(async () => {
    ({ driver, close } = await openApp(APP, env));
  });

  after(async () => {
    await close();
    rmSync(work, { recursive: true, force: true });
  });

  it("opens on the dashboard", async () => {
    await driver.wait(until.elementLocated(byTestId("screen-dashboard")), TIMEOUT);
    assert.equal(await heading(driver), "Dashboard");
  });

  it("offers the demo company and connects to it through the real sign-in", async () => {
    assert.match(await textOf(driver, "demo-banner"), /Demo company/);
    // The sync's progress, however briefly it shows: recorded in the page as it is drawn.
    await driver.executeScript(`
      window.__progressSeen = [];
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="sync-progress"]');
        if (el && el.textContent) window.__progressSeen.push(el.textContent);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    `);
    await click(driver, "explore-demo");
    const connected = await textOf(driver, "demo-connected");
    /** @type {string[]} */
    const seen = await driver.executeScript("return window.__progressSeen");
    assert.ok(
      seen.some((t) => /Syncing \w+: [\d,]+ records, \d+ pages, \d+% of the minute's calls/.test(t)),
      `no sync progress was shown: ${JSON.stringify(seen.slice(0, 3))}`,
    );
    const names = connected.replace(/^Connected to the demo company: /, "").replace(/\.$/, "").split(", ");
    assert.equal(names.length, 3, connected);
    // Settings lists the same organisations, from the keyring-backed connection.
    await openSettings(driver);
    const kept = await textOf(driver, "xero-organisations");
    for (const name of names) assert.ok(kept.includes(name), `${name} is not in ${kept}`);
  });

  it("shows the synced demo books in the transactions explorer, and searches them", async () => {
    await click(driver, "nav-transactions");
    await driver.wait(until.elementLocated(byTestId("grid-row")), TIMEOUT);
    assert.match(await textOf(driver, "totals"), /\d+ in [A-Z]{3}: /);
    // An invoice's number from the listing; a fragment of it is searched for, as typed.
    const kind = await driver.findElement(byTestId("filter-kind"));
    await kind.findElement(By.css('option[value="invoices"]')).click();
    // The listing may be drawn again meanwhile (the demo's launch sync ending refreshes it):
    // settle looks the rows up afresh on each try.
    const reference = await settle(
      driver,
      async () => {
        const rows = await driver.findElements(byTestId("grid-row"));
        if (rows.length === 0 || !/ACC(REC|PAY)/.test((await rows[0]?.getAttribute("textContent")) ?? "")) return false;
        for (const row of rows) {
          const cells = await row.findElements(By.css('[role="cell"], [role="rowheader"]'));
          // textContent: WebDriver counts the virtualised rows' translated boxes as not displayed.
          const text = ((await cells[2]?.getAttribute("textContent")) ?? "").trim();
          // The fragment keeps at least 3 characters of its last word, which then matches as a prefix.
          if (/[A-Za-z0-9]{4,}$/.test(text)) return text;
        }
        return false;
      },
      "an invoice or bill with a reference to search for",
    );
    const fragment = reference.slice(0, -1);
    const before = await textOf(driver, "totals");
    await (await driver.findElement(byTestId("filter-text"))).sendKeys(fragment);
    // The search has answered when the totals (the count of what matches) change.
    await settle(driver, async () => (await textOf(driver, "totals")) !== before, "the search's totals");
    // Opens the row with that reference (found and clicked in one try).
    await settle(
      driver,
      async () => {
        for (const row of await driver.findElements(byTestId("grid-row"))) {
          if (((await row.getAttribute("textContent")) ?? "").includes(reference)) {
            await row.click();
            return true;
          }
        }
        return false;
      },
      `${reference} among the results for ${fragment}`,
    );
    // Details with the record's audit history from the sync.
    assert.match(await textOf(driver, "history"), /insert by sync:/);
  });

  it("shows, after a click on Settings, what the Rust app_info command answered", async () => {
    await click(driver, "nav-settings");
    // Each value comes from Rust: the folder this test gave the app, the schema of
    // the ledger file it created there, the crate's version.
    assert.equal(await textOf(driver, "data-dir"), dataDir);
    assert.equal(await textOf(driver, "ledger-file"), path.join(dataDir, "ledger.sqlite"));
    assert.equal(await textOf(driver, "schema-version"), `${latestMigration()} (up to date)`);
    assert.equal(await textOf(driver, "app-version"), cargoVersion());
    assert.ok(existsSync(path.join(dataDir, "ledger.sqlite")), "the app did not create its ledger");
  });

  it("moves between screens from the keyboard", async () => {
    await driver.findElement(By.css("body")).sendKeys(Key.chord(Key.CONTROL, "5"));
    await settle(driver, async () => (await heading(driver)) === "Reports", "the Reports screen");
  });

  it("shows the Rust health checks on Diagnostics, and makes a support bundle", async () => {
    await click(driver, "nav-diagnostics");
    const [dbStatus, dbText] = await settle(
      driver,
      async () => {
        const db = await driver.findElement(byTestId("check-database"));
        return [await db.getAttribute("data-status"), await db.getText()];
      },
      "the database check",
    );
    assert.equal(dbStatus, "ok");
    assert.match(dbText, /integrity check/);
    // The tests run in a desktop session with an unlocked keyring.
    const [keyStatus, keyText] = await settle(
      driver,
      async () => {
        const keyring = await driver.findElement(byTestId("check-keyring"));
        return [await keyring.getAttribute("data-status"), await keyring.getText()];
      },
      "the keyring check",
    );
    assert.equal(keyStatus, "ok", keyText);
    // The ledger's named queries, timed in Rust since the app started (the saved
    // log level is read at start).
    // Its row: runs, then p50, p95 and the longest in milliseconds.
    const cells = await settle(
      driver,
      async () => {
        const setting = await driver.findElement(
          By.xpath('//table[@aria-label="Database queries"]//td[normalize-space()="setting"]'),
        );
        const tds = await setting.findElements(By.xpath("following-sibling::td"));
        return Promise.all(tds.map((td) => td.getText()));
      },
      "the timings of the query named setting",
    );
    assert.match(cells[0] ?? "", /^[1-9]\d*$/);
    assert.match(cells[1] ?? "", /^\d+\.\d\d$/);
    assert.match(await textOf(driver, "metric-connections"), /^\d+$/);
    await click(driver, "make-bundle");
    const saved = await textOf(driver, "bundle-path");
    const zip = saved.replace(/^Saved to /, "");
    assert.ok(zip.startsWith(path.join(dataDir, "support")), saved);
    assert.ok(existsSync(zip), `no bundle at ${zip}`);
  });

  it("hands a ledgerkeep:// link from a second launch to the running window", async () => {
    const second = spawnSync(APP, ["ledgerkeep://open/audit-log"], { env, timeout: TIMEOUT });
    assert.equal(second.status, 0, `second launch failed: ${second.stderr?.toString()}`);
    await settle(driver, async () => (await heading(driver)) === "Audit log", "the Audit log screen");
  });
});

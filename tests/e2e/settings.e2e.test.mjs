// End to end: Settings → Data and sync, Backups and Appearance in the real
// window: a refused value named beside its input, the retention saved and
// applied to the next backup, "Back up now" listing the new file, a restore
// checked and waiting for the close, and the theme applied. Run through
// tests/e2e/run.sh.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By, until } from "selenium-webdriver";
import { APP, TIMEOUT, appProcesses, byTestId, click, openApp, openSettings, textOf, workspace } from "./harness.mjs";

describe("settings: data, backups and appearance", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  const { work, dataDir, env } = workspace("settings");
  const backupsDir = path.join(dataDir, "backups");
  const backupFiles = () => readdirSync(backupsDir).filter((f) => /^ledger-.*\.sqlite$/.test(f));

  before(async () => {
    ({ driver, close } = await openApp(APP, env));
    // The upkeep at start backs up a ledger that has no backup yet: let it finish first,
    // so that the list on screen stays as it is until the test changes it.
    await driver.wait(() => existsSync(backupsDir) && backupFiles().length > 0, TIMEOUT);
    await openSettings(driver);
    await driver.wait(until.elementLocated(byTestId("data-settings")), TIMEOUT);
  });

  after(async () => {
    await close();
    rmSync(work, { recursive: true, force: true });
  });

  /** @param {string} testId */
  const rowsOf = async (testId) => driver.findElements(By.css(`[data-testid="${testId}"] [data-testid="backup-row"]`));

  /**
   * @param {string} field
   * @param {string} value
   */
  async function setField(field, value) {
    const input = await driver.findElement(byTestId(`data-${field}`));
    await input.clear();
    await input.sendKeys(value);
  }

  it("backs up now, and the new backup appears in the list and in the backups folder", async () => {
    await driver.wait(until.elementLocated(byTestId("backups-list")), TIMEOUT);
    const before = (await rowsOf("backups-list")).length;
    assert.equal(before, backupFiles().length, "the start's backup is listed");
    await click(driver, "backup-now");
    const made = await textOf(driver, "backup-made");
    const file = /^Backed up and checked: (.+\.sqlite) \(/.exec(made)?.[1];
    assert.ok(file, made);
    assert.equal(path.dirname(file), backupsDir);
    assert.ok(existsSync(file));
    await driver.wait(async () => (await rowsOf("backups-list")).length === before + 1, TIMEOUT);
    const titles = await Promise.all((await rowsOf("backups-list")).map((r) => r.getAttribute("title")));
    assert.equal(titles[0], path.basename(file), "the newest first");
    assert.deepEqual([...titles].sort(), backupFiles().sort(), "the list is the folder's backups");
  });

  it("refuses an interval out of range beside its input, and applies the retention it saves", async () => {
    await setField("syncIntervalMinutes", "2");
    await click(driver, "save-data-settings");
    assert.match(await textOf(driver, "error-syncIntervalMinutes"), /5 to 1,440 minutes/);
    assert.equal(await driver.findElement(byTestId("data-syncIntervalMinutes")).getAttribute("aria-invalid"), "true");

    await setField("syncIntervalMinutes", "30");
    await setField("backupKeep", "1");
    await click(driver, "save-data-settings");
    await textOf(driver, "data-settings-saved");
    assert.equal((await driver.findElements(byTestId("error-syncIntervalMinutes"))).length, 0);

    await click(driver, "backup-now");
    await driver.wait(async () => (await rowsOf("backups-list")).length === 1, TIMEOUT);
    assert.equal(backupFiles().length, 1, "one backup kept");
  });

  it("checks a backup chosen for restore and says the restore waits for the close", async () => {
    const row = (await rowsOf("backups-list"))[0];
    assert.ok(row);
    await row.findElement(By.css("button")).click();
    await click(driver, "confirm-restore-yes");
    assert.match(await textOf(driver, "pending-restore"), /The restore runs when Ledgerkeep closes/);
    assert.ok(existsSync(path.join(dataDir, "restore-pending.json")));
    await click(driver, "cancel-restore");
    await driver.wait(async () => (await driver.findElements(byTestId("pending-restore"))).length === 0, TIMEOUT);
    assert.ok(!existsSync(path.join(dataDir, "restore-pending.json")));
  });

  it("applies the theme chosen at once", async () => {
    const select = await driver.findElement(byTestId("theme-select"));
    await select.findElement(By.css('option[value="dark"]')).click();
    assert.equal(await driver.executeScript("return document.documentElement.dataset.theme ?? null"), "dark");
    assert.match(await (await driver.findElement(byTestId("theme-toggle"))).getText(), /dark/);
    await select.findElement(By.css('option[value="system"]')).click();
    assert.equal(await driver.executeScript("return document.documentElement.dataset.theme ?? null"), null);
  });

  it("restores the chosen backup on \"Restart now\", keeping the replaced ledger", async () => {
    const row = (await rowsOf("backups-list"))[0];
    assert.ok(row);
    const chosen = await row.getAttribute("title");
    await row.findElement(By.css("button")).click();
    await click(driver, "confirm-restore-yes");
    await textOf(driver, "pending-restore");
    const first = await appProcesses(dataDir, Date.now() + TIMEOUT, []);
    assert.equal(first.length, 1, "the driver's copy of the app");
    // The app closes the normal way (syncs stopped, ledger closed, the restore run) and starts
    // again on its own, out of the driver's reach: the click's answer may never come.
    await click(driver, "restart-to-restore").catch(() => undefined);
    const note = path.join(dataDir, "restore-last.json");
    const end = Date.now() + TIMEOUT;
    while (!existsSync(note) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    // The copy it started belongs to this test's data folder: end it by its id.
    for (const pid of await appProcesses(dataDir, end, first)) {
      try {
        process.kill(pid);
      } catch {
        // It ended by itself.
      }
    }
    await close().catch(() => undefined);
    close = async () => undefined;

    const last = JSON.parse(readFileSync(note, "utf8"));
    assert.equal(last.restored, true, last.message);
    assert.equal(path.basename(last.from), chosen);
    assert.ok(last.previousCopy && existsSync(last.previousCopy), "the replaced ledger is kept");
    assert.match(path.basename(last.previousCopy), /-before-restore\.sqlite$/);
    assert.ok(!existsSync(path.join(dataDir, "restore-pending.json")), "a restore runs once");
    const check = spawnSync("sqlite3", ["-readonly", path.join(dataDir, "ledger.sqlite"), "PRAGMA integrity_check"], { encoding: "utf8" });
    assert.equal(check.stdout.trim(), "ok");
  });
});

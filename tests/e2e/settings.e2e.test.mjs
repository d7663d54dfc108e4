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
import { APP, TIMEOUT, appProcesses, byTestId, click, openApp, openSettings, settle, textOf, workspace } from "./harness.mjs";

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

  const BACKUP_ROWS = By.css('[data-testid="backups-list"] [data-testid="backup-row"]');
  /**
   * The backups listed (each row's title: its file name), read in one try, once `ready` holds.
   * @param {(titles: string[]) => boolean} [ready]
   */
  const backupsListed = (ready = () => true) =>
    settle(
      driver,
      async () => {
        const titles = await Promise.all((await driver.findElements(BACKUP_ROWS)).map(async (r) => (await r.getAttribute("title")) ?? ""));
        return ready(titles) ? titles : false;
      },
      "the backups list",
    );
  /** Clicks the restore button of the first backup listed, and returns its file name. */
  const chooseFirstBackup = () =>
    settle(
      driver,
      async () => {
        const row = (await driver.findElements(BACKUP_ROWS))[0];
        if (!row) return false;
        const title = (await row.getAttribute("title")) ?? "";
        await row.findElement(By.css("button")).click();
        return title;
      },
      "the first backup's restore button",
    );

  /**
   * @param {string} field
   * @param {string} value
   */
  async function setField(field, value) {
    await settle(
      driver,
      async () => {
        const input = await driver.findElement(byTestId(`data-${field}`));
        await input.clear();
        await input.sendKeys(value);
        return true;
      },
      `typing into data-${field}`,
    );
  }

  it("backs up now, and the new backup appears in the list and in the backups folder", async () => {
    await driver.wait(until.elementLocated(byTestId("backups-list")), TIMEOUT);
    const before = (await backupsListed()).length;
    assert.equal(before, backupFiles().length, "the start's backup is listed");
    await click(driver, "backup-now");
    const made = await textOf(driver, "backup-made");
    const file = /^Backed up and checked: (.+\.sqlite) \(/.exec(made)?.[1];
    assert.ok(file, made);
    assert.equal(path.dirname(file), backupsDir);
    assert.ok(existsSync(file));
    const titles = await backupsListed((t) => t.length === before + 1);
    assert.equal(titles[0], path.basename(file), "the newest first");
    assert.deepEqual([...titles].sort(), backupFiles().sort(), "the list is the folder's backups");
  });

  it("refuses an interval out of range beside its input, and applies the retention it saves", async () => {
    await setField("syncIntervalMinutes", "2");
    await click(driver, "save-data-settings");
    assert.match(await textOf(driver, "error-syncIntervalMinutes"), /5 to 1,440 minutes/);
    assert.equal(
      await settle(driver, async () => driver.findElement(byTestId("data-syncIntervalMinutes")).getAttribute("aria-invalid"), "the interval's state"),
      "true",
    );

    await setField("syncIntervalMinutes", "30");
    await setField("backupKeep", "1");
    await click(driver, "save-data-settings");
    await textOf(driver, "data-settings-saved");
    assert.equal((await driver.findElements(byTestId("error-syncIntervalMinutes"))).length, 0);

    await click(driver, "backup-now");
    await backupsListed((t) => t.length === 1);
    assert.equal(backupFiles().length, 1, "one backup kept");
  });

  it("checks a backup chosen for restore and says the restore waits for the close", async () => {
    await chooseFirstBackup();
    await click(driver, "confirm-restore-yes");
    assert.match(await textOf(driver, "pending-restore"), /The restore runs when Ledgerkeep closes/);
    assert.ok(existsSync(path.join(dataDir, "restore-pending.json")));
    await click(driver, "cancel-restore");
    await settle(driver, async () => (await driver.findElements(byTestId("pending-restore"))).length === 0, "the pending restore gone");
    assert.ok(!existsSync(path.join(dataDir, "restore-pending.json")));
  });

  it("applies the theme chosen at once", async () => {
    /** @param {string} theme */
    const choose = (theme) =>
      settle(
        driver,
        async () => {
          await driver.findElement(By.css(`[data-testid="theme-select"] option[value="${theme}"]`)).click();
          return true;
        },
        `the ${theme} theme`,
      );
    await choose("dark");
    assert.equal(await driver.executeScript("return document.documentElement.dataset.theme ?? null"), "dark");
    assert.match(await textOf(driver, "theme-toggle"), /dark/);
    await choose("system");
    assert.equal(await driver.executeScript("return document.documentElement.dataset.theme ?? null"), null);
  });

  it("restores the chosen backup on \"Restart now\", keeping the replaced ledger", async () => {
    const chosen = await chooseFirstBackup();
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

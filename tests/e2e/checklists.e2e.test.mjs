// End to end: a procedure and a month-end close in the real window, against the
// demo company's books synced by the real engine. Run through tests/e2e/run.sh.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By } from "selenium-webdriver";
import { APP, byTestId, click, heading, openApp, settle, textOf } from "./harness.mjs";

/**
 * Last month as `YYYY-MM`, as the screen offers it: the month before the organisation's today.
 * Every zone's today is within UTC-12..UTC+14 of now, so it is one of these (two near a month's end).
 */
function lastMonths() {
  return new Set(
    [-12, 0, 14].map((hours) => {
      const there = new Date(Date.now() + hours * 3_600_000);
      const d = new Date(Date.UTC(there.getUTCFullYear(), there.getUTCMonth() - 1, 1));
      return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
    }),
  );
}

describe("the month-end close", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  const work = mkdtempSync(path.join(tmpdir(), "ledgerkeep-e2e-close-"));
  const env = {
    ...process.env,
    LEDGERKEEP_DATA_DIR: path.join(work, "data"),
    HOME: path.join(work, "home"),
    XDG_DATA_HOME: path.join(work, "home/.local/share"),
  };

  before(async () => {
    ({ driver, close } = await openApp(APP, env));
    // The demo company's books, synced into this run's fresh ledger.
    await click(driver, "explore-demo");
    await textOf(driver, "demo-connected");
  });

  after(async () => {
    await close();
    rmSync(work, { recursive: true, force: true });
  });

  /**
   * @param {string} testId
   * @param {string} text
   */
  async function type(testId, text) {
    await settle(
      driver,
      async () => {
        const el = await driver.findElement(byTestId(testId));
        await el.clear();
        await el.sendKeys(text);
        return true;
      },
      `typing into [data-testid="${testId}"]`,
    );
  }

  /**
   * @param {string} selectTestId
   * @param {string} value
   */
  async function choose(selectTestId, value) {
    await (await driver.findElement(By.css(`[data-testid="${selectTestId}"] option[value="${value}"]`))).click();
  }

  it("refuses a procedure without a title, naming the field, then saves one with two automated steps", async () => {
    await click(driver, "nav-checklists");
    await settle(driver, async () => (await heading(driver)) === "Checklists", "the Checklists screen");
    await click(driver, "sop-new");
    await click(driver, "sop-save");
    assert.equal(await textOf(driver, "error-title"), "Title is required.");
    assert.match(await textOf(driver, "error-steps[0].body"), /Step 1 is empty/);
    assert.equal((await driver.findElements(byTestId("sop-row"))).length, 0, "a refused procedure was listed");

    await type("sop-title", "E2E month-end close");
    await type("sop-owner", "Sam");
    await type("sop-step-body-0", "Sync **every** bank account after the month ends.");
    await choose("sop-step-check-0", "bank_accounts_synced");
    await click(driver, "sop-add-step");
    await type("sop-step-body-1", "Set the period lock date in Xero.");
    await choose("sop-step-check-1", "period_locked");
    await click(driver, "sop-save");
    await settle(
      driver,
      async () => {
        const rows = await driver.findElements(byTestId("sop-row"));
        const texts = await Promise.all(rows.map((r) => r.getText()));
        return texts.some((t) => t.includes("E2E month-end close") && t.includes("2 automated"));
      },
      "the saved procedure in the list",
    );
  });

  it("starts last month's close: one automated step passes, one fails with its evidence", async () => {
    const period = await (await driver.findElement(byTestId("run-period"))).getAttribute("value");
    assert.ok(lastMonths().has(period ?? ""), `${period} is not last month`);
    await click(driver, "start-run");
    assert.match(await textOf(driver, "run-title"), / close$/);
    /** A run step's status, text, summary and evidence, read in one try. @param {string} check */
    const step = (check) =>
      settle(
        driver,
        async () => {
          const el = await driver.findElement(By.css(`[data-testid="run-step"][data-check="${check}"]`));
          const evidence = await el.findElements(byTestId("evidence"));
          return {
            status: await el.getAttribute("data-status"),
            text: await el.getText(),
            summary: await el.findElement(byTestId("check-summary")).getText(),
            evidence: evidence.length > 0 ? await evidence[0].getText() : "",
          };
        },
        `the run step ${check}`,
      );
    const synced = await step("bank_accounts_synced");
    const locked = await step("period_locked");
    // The demo books were synced just now, after last month ended.
    assert.equal(synced.status, "pass", synced.text);
    assert.match(synced.summary, /bank accounts? synced since/);
    // The simulator's organisations have no lock date: the evidence is the organisation's record.
    assert.equal(locked.status, "fail", locked.text);
    assert.equal(locked.summary, "No lock date is set in Xero.");
    assert.match(locked.evidence, /Period lock date not set/);
  });

  it("refuses sign-off while the failing step is open, then signs off once it is ticked with a note", async () => {
    await type("run-who", "Sam");
    await click(driver, "sign-off");
    assert.match(await textOf(driver, "run-error"), /1 step is still open/);
    const lockedStep = By.css('[data-testid="run-step"][data-check="period_locked"]');
    await settle(
      driver,
      async () => {
        await driver.findElement(lockedStep).findElement(By.css('input[aria-label="Note"]')).sendKeys("Locked in Xero after the GST return");
        return true;
      },
      "the note of the lock step",
    );
    await settle(
      driver,
      async () => {
        await driver.findElement(lockedStep).findElement(By.css('input[type="checkbox"]')).click();
        return true;
      },
      "a tick of the lock step",
    );
    await settle(driver, async () => (await driver.findElement(lockedStep).getText()).includes("done by Sam"), "the lock step done by Sam");
    await click(driver, "sign-off");
    // The sign-off's time in the organisation's timezone, named, in the window's locale (en-US here).
    assert.match(await textOf(driver, "signed-off"), /^Signed off by Sam at [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M [A-Z]{2,4}([+-]\d{1,2})?\./);
    // Locked: no more ticking.
    const enabled = await settle(
      driver,
      async () => Promise.all((await driver.findElements(By.css('[data-testid="run-step"] input[type="checkbox"]'))).map((b) => b.isEnabled())),
      "the run's check boxes",
    );
    assert.ok(enabled.length > 0);
    for (const e of enabled) assert.equal(e, false);
  });
});

// End to end: recording a payment on an open invoice in the real window,
// against the demo company (the simulator in the app), sent to it by the real
// outbox and shown as recorded. Run through tests/e2e/run.sh.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By, Key, until } from "selenium-webdriver";
import { APP, TIMEOUT, byTestId, click, openApp, textOf } from "./harness.mjs";

describe("recording a payment", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  const work = mkdtempSync(path.join(tmpdir(), "ledgerkeep-e2e-pay-"));
  const env = {
    ...process.env,
    LEDGERKEEP_DATA_DIR: path.join(work, "data"),
    HOME: path.join(work, "home"),
    XDG_DATA_HOME: path.join(work, "home/.local/share"),
  };

  before(async () => {
    ({ driver, close } = await openApp(APP, env));
    await click(driver, "explore-demo");
    await textOf(driver, "demo-connected");
  });

  after(async () => {
    await close();
    rmSync(work, { recursive: true, force: true });
  });

  it("records a payment from an open invoice's details and shows it recorded by Xero", async () => {
    await click(driver, "nav-transactions");
    const kind = await driver.wait(until.elementLocated(byTestId("filter-kind")), TIMEOUT);
    await kind.findElement(By.css('option[value="invoices"]')).click();
    await (await driver.findElement(By.css('input[aria-label="Status"]'))).sendKeys("AUTHORISED");
    // Until the new listing arrives the bank transactions stay on screen: wait for an invoice or bill.
    // The list may draw again between finding a row and reading it: each try
    // looks the row up afresh, and a stale reference is one more try.
    await driver.wait(async () => {
      try {
        const rows = await driver.findElements(byTestId("grid-row"));
        if (rows.length === 0) return false;
        const text = (await rows[0]?.getAttribute("textContent")) ?? "";
        if (!(/ACC(REC|PAY)/.test(text) && text.includes("AUTHORISED"))) return false;
        await (await driver.findElement(byTestId("grid-row"))).click();
        return true;
      } catch {
        return false;
      }
    }, TIMEOUT);

    // The account list comes from the ledger's bank accounts. The drawer may draw
    // its form again meanwhile (the demo's launch sync ending refreshes it), so
    // the form is looked up afresh on each try, and the fields by their ids.
    await driver.wait(async () => {
      try {
        const form = await driver.findElement(byTestId("payment-form"));
        return (await form.findElements(By.css('#payment-account option:not([value=""])'))).length > 0;
      } catch {
        return false;
      }
    }, TIMEOUT);
    const form = await driver.findElement(byTestId("payment-form"));
    // Refused here first, beside the amount.
    const amount = await form.findElement(By.css("#payment-amount"));
    // Enter submits the form (the drawer may have its button scrolled out of view).
    await amount.sendKeys("0", Key.ENTER);
    assert.match(await textOf(driver, "error-amount"), /more than zero/);
    assert.equal(await amount.getAttribute("aria-invalid"), "true");

    await amount.clear();
    await amount.sendKeys("0.01");
    await form.findElement(By.css("#payment-reference")).sendKeys("e2e payment", Key.ENTER);
    const panel = await driver.findElement(byTestId("payments"));
    const recorded = await driver
      .wait(async () => /Recorded in Xero/.test(await panel.getText()), TIMEOUT)
      .catch(() => false);
    assert.ok(recorded, `not recorded: ${await panel.getText()}`);
    const list = await driver.findElement(byTestId("payment-list"));
    assert.match(await list.getText(), /0\.01 on [A-Z][a-z]{2} \d{1,2}, \d{4} from .* · e2e payment — Recorded in Xero/);
  });
});

// End to end: recording a payment on an open invoice in the real window,
// against the demo company (the simulator in the app), sent to it by the real
// outbox and shown as recorded. Run through tests/e2e/run.sh.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { By, Key } from "selenium-webdriver";
import { APP, byTestId, click, openApp, settle, textOf } from "./harness.mjs";

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
    await settle(
      driver,
      async () => {
        await driver.findElement(By.css('[data-testid="filter-kind"] option[value="invoices"]')).click();
        return true;
      },
      "the invoices kind",
    );
    await (await driver.findElement(By.css('input[aria-label="Status"]'))).sendKeys("AUTHORISED");
    // Until the new listing arrives the bank transactions stay on screen: wait for an
    // invoice or bill, and open it in the same try that finds it.
    await settle(
      driver,
      async () => {
        const rows = await driver.findElements(byTestId("grid-row"));
        const text = (await rows[0]?.getAttribute("textContent")) ?? "";
        if (!(/ACC(REC|PAY)/.test(text) && text.includes("AUTHORISED"))) return false;
        await rows[0]?.click();
        return true;
      },
      "an authorised invoice or bill to open",
    );

    // The account list comes from the ledger's bank accounts. The page may draw its form
    // again meanwhile (the demo's launch sync ending refreshes it): every step below finds
    // the form's fields afresh, by their ids.
    await settle(
      driver,
      async () => (await driver.findElements(By.css('[data-testid="payment-form"] #payment-account option:not([value=""])'))).length > 0,
      "the payment form's bank accounts",
    );
    /** Types into a field of the payment form. @param {string} id @param {...string} keys */
    const typeInto = (id, ...keys) =>
      settle(
        driver,
        async () => {
          await driver.findElement(By.css(`[data-testid="payment-form"] #${id}`)).sendKeys(...keys);
          return true;
        },
        `typing into #${id}`,
      );
    // Refused here first, beside the amount. Enter submits the form (the page may have its
    // button scrolled out of view).
    await typeInto("payment-amount", "0", Key.ENTER);
    assert.match(await textOf(driver, "error-amount"), /more than zero/);
    assert.equal(
      await settle(driver, async () => driver.findElement(By.css("#payment-amount")).getAttribute("aria-invalid"), "the amount's state"),
      "true",
    );

    await settle(
      driver,
      async () => {
        await driver.findElement(By.css("#payment-amount")).clear();
        return true;
      },
      "clearing the amount",
    );
    await typeInto("payment-amount", "0.01");
    await typeInto("payment-reference", "e2e payment", Key.ENTER);
    /** @type {string} */
    let last = "";
    const recorded = await settle(
      driver,
      async () => {
        last = await driver.findElement(byTestId("payments")).getText();
        return /Recorded in Xero/.test(last);
      },
      "the payment recorded in Xero",
    ).catch(() => false);
    assert.ok(recorded, `not recorded: ${last}`);
    const list = await settle(driver, async () => driver.findElement(byTestId("payment-list")).getText(), "the payment list");
    assert.match(list, /0\.01 on [A-Z][a-z]{2} \d{1,2}, \d{4} from .* · e2e payment — Recorded in Xero/);
  });
});

// End to end: signing in to Xero (the simulator) through an https bounce page and
// the ledgerkeep:// deep link. The app starts the sign-in and opens "the browser";
// the test plays the browser and the bounce page: it follows the authorize address
// to the simulator's redirect, then launches a second copy of the app with the
// deep link, as the bounce page would. single-instance hands the link to the
// first copy, which completes the sign-in (PKCE, state, token exchange) and keeps
// the tokens in the session's keyring.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { APP, ROOT, TIMEOUT, byTestId, click, openApp, openSettings, settle, textOf } from "./harness.mjs";

const CLI = process.env.LEDGERKEEP_CLI ?? path.join(ROOT, "target/debug/ledgerkeep-cli");
const BOUNCE = "https://bounce.ledgerkeep.test/callback";

describe("signing in to Xero by deep link", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  /** @type {import("node:child_process").ChildProcess} */
  let sim;
  /** @type {{ baseUrl: string, clientId: string, tenants: { name: string, tenantId: string }[] }} */
  let simInfo;
  /** @type {NodeJS.ProcessEnv} */
  let env;
  const work = mkdtempSync(path.join(tmpdir(), "ledgerkeep-signin-"));
  const browserLog = path.join(work, "browser.log");

  before(async () => {
    assert.ok(existsSync(CLI), `no CLI binary at ${CLI}: build it with \`make app\``);
    sim = spawn(CLI, ["simulator", "--auto-consent", "--redirect-uri", BOUNCE], { stdio: ["ignore", "pipe", "inherit"] });
    const firstLine = await new Promise((resolve, reject) => {
      const out = sim.stdout;
      if (!out) return reject(new Error("no simulator output"));
      createInterface({ input: out }).once("line", resolve);
      sim.once("exit", (code) => reject(new Error(`the simulator exited with ${code}`)));
    });
    simInfo = JSON.parse(String(firstLine));

    // "The browser": records the address the app asks it to open.
    const bin = path.join(work, "bin");
    mkdirSync(bin);
    writeFileSync(path.join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$1" >> "${browserLog}"\n`);
    chmodSync(path.join(bin, "xdg-open"), 0o755);

    env = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      LEDGERKEEP_DATA_DIR: path.join(work, "data"),
      LEDGERKEEP_XERO_LOGIN_URL: simInfo.baseUrl,
      LEDGERKEEP_XERO_IDENTITY_URL: simInfo.baseUrl,
      LEDGERKEEP_XERO_API_URL: simInfo.baseUrl,
      LEDGERKEEP_XERO_CLIENT_ID: simInfo.clientId,
      HOME: path.join(work, "home"),
      XDG_DATA_HOME: path.join(work, "home/.local/share"),
    };
    ({ driver, close } = await openApp(APP, env));
  });

  after(async () => {
    await close();
    sim?.kill();
    rmSync(work, { recursive: true, force: true });
  });

  it("completes a sign-in started in the app when the deep link arrives in a second launch", async () => {
    await openSettings(driver);
    await settle(
      driver,
      async () => {
        await driver.findElement({ css: "details summary" }).click();
        return true;
      },
      "the sign-in's other ways",
    );
    await settle(
      driver,
      async () => {
        await driver.findElement(byTestId("bounce-page")).sendKeys(BOUNCE);
        return true;
      },
      "the bounce page's address",
    );
    await click(driver, "connect-via-page");

    // The app opened the system browser on Xero's authorize page.
    await driver.wait(() => existsSync(browserLog), TIMEOUT);
    const authorize = readFileSync(browserLog, "utf8").trim().split("\n")[0] ?? "";
    const url = new URL(authorize);
    assert.equal(url.origin + url.pathname, `${simInfo.baseUrl}/identity/connect/authorize`);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.equal(url.searchParams.get("redirect_uri"), BOUNCE);

    // Xero (auto-consent) sends the browser to the bounce page with a code.
    const answer = await fetch(authorize, { redirect: "manual" });
    const location = answer.headers.get("location") ?? "";
    assert.ok(location.startsWith(`${BOUNCE}?`), `unexpected redirect: ${answer.status} ${location}`);
    const query = location.slice(BOUNCE.length + 1);

    // The bounce page hands the query to the app; the OS starts a second copy with it.
    const second = spawnSync(APP, [`ledgerkeep://oauth/callback?${query}`], { env, timeout: TIMEOUT });
    assert.equal(second.status, 0, `second launch failed: ${second.stderr?.toString()}`);

    const offered = await textOf(driver, "choose-organisations");
    for (const t of simInfo.tenants) assert.ok(offered.includes(t.name), `${t.name} not offered: ${offered}`);
    await settle(
      driver,
      async () => {
        await driver.findElement({ xpath: "//*[@data-testid='choose-organisations']//button[normalize-space()='Keep these']" }).click();
        return true;
      },
      "Keep these",
    );
    const kept = await textOf(driver, "xero-organisations");
    for (const t of simInfo.tenants) assert.ok(kept.includes(t.name), `${t.name} not kept: ${kept}`);
    assert.match(kept, /Kept on this computer/);

    // A replayed link is refused, and says so.
    spawnSync(APP, [`ledgerkeep://oauth/callback?${query}`], { env, timeout: TIMEOUT });
    assert.ok((await textOf(driver, "xero-error")).length > 0);
  });
});

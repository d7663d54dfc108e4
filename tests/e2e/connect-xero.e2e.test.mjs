// End to end: "Connect your own Xero", the first-run guide, in the real app against the simulator
// acting as an owner's new Xero app on the Starter tier (granular scopes, 1,000 calls a day, no
// Journals). The app starts with its Xero app set by the environment, as an owner's would be after
// saving the client id and restarting. From the Dashboard's first-run link: the redirect address
// is the loopback one the app listens on, the sign-in goes through "the browser" (the test follows
// the simulator's redirect to the app's loopback listener), the connection test names the
// organisations and the Starter day read from X-DayLimit-Remaining, and keeping them starts the
// first sync, which the Dashboard then shows.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { APP, ROOT, TIMEOUT, byTestId, click, diagnose, freePort, openApp, rowsOf, settle, textOf } from "./harness.mjs";

const CLI = process.env.LEDGERKEEP_CLI ?? path.join(ROOT, "target/debug/ledgerkeep-cli");

describe("connecting an owner's own Xero app from the first-run guide", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  /** @type {import("node:child_process").ChildProcess} */
  let sim;
  /** @type {{ baseUrl: string, clientId: string, tier: string, tenants: { name: string, tenantId: string }[] }} */
  let simInfo;
  /** @type {number} */
  let port;
  /** @type {NodeJS.ProcessEnv} */
  let env;
  const work = mkdtempSync(path.join(tmpdir(), "ledgerkeep-onboarding-"));
  const browserLog = path.join(work, "browser.log");

  before(async () => {
    assert.ok(existsSync(CLI), `no CLI binary at ${CLI}: build it with \`make app\``);
    sim = spawn(CLI, ["simulator", "--auto-consent", "--new-starter-app"], { stdio: ["ignore", "pipe", "inherit"] });
    const firstLine = await new Promise((resolve, reject) => {
      const out = sim.stdout;
      if (!out) return reject(new Error("no simulator output"));
      createInterface({ input: out }).once("line", resolve);
      sim.once("exit", (code) => reject(new Error(`the simulator exited with ${code}`)));
    });
    simInfo = JSON.parse(String(firstLine));
    port = await freePort();

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
      LEDGERKEEP_OAUTH_PORT: String(port),
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

  it("guides, signs in over loopback, tests the connection and starts the first sync", async () => {
    assert.equal(simInfo.tier, "Starter");
    await click(driver, "open-connect-guide");
    await settle(driver, async () => driver.findElement(byTestId("connect-xero-guide")), "the guide");

    // The exact redirect address the app listens on, ready to copy.
    const redirect = await settle(
      driver,
      async () => (await driver.findElement(byTestId("redirect-uri")).getAttribute("value")) || false,
      "the redirect address",
    );
    assert.equal(redirect, `http://localhost:${port}/callback`);
    assert.match(await textOf(driver, "plan-facts"), /1,000 calls a day/);
    // The client id comes from the environment, and has Xero's shape.
    assert.equal(await driver.findElement(byTestId("guide-client-id")).getAttribute("value"), simInfo.clientId);
    assert.match(await textOf(driver, "client-id-check"), /environment/);

    await click(driver, "guide-connect");
    await driver.wait(() => existsSync(browserLog), TIMEOUT);
    const authorize = readFileSync(browserLog, "utf8").trim().split("\n")[0] ?? "";
    const url = new URL(authorize);
    assert.equal(url.searchParams.get("redirect_uri"), redirect);
    assert.ok(!(url.searchParams.get("scope") ?? "").includes("accounting.transactions"), "a new app asks for granular scopes");
    // Xero (auto-consent) sends the browser to the app's loopback listener.
    const answer = await fetch(authorize, { redirect: "manual" });
    const location = answer.headers.get("location") ?? "";
    assert.ok(location.startsWith(`${redirect}?`), `unexpected redirect: ${answer.status} ${location}`);
    const back = await fetch(location);
    assert.equal(back.status, 200);

    const tested = await textOf(driver, "tested-organisations").catch(async (err) => {
      throw new Error(`${err.message}\n${await diagnose(driver, env)}`, { cause: err });
    });
    for (const t of simInfo.tenants) assert.ok(tested.includes(t.name), `${t.name} not tested: ${tested}`);
    assert.match(tested, /1,000 calls a day \(Starter\)/);
    assert.match(tested, /left today/);

    await click(driver, "guide-keep");
    assert.match(await textOf(driver, "guide-done"), /first sync has started/);

    // The first sync, on the Dashboard.
    await driver.executeScript("window.location.hash = '#/dashboard'");
    const streams = await rowsOf(driver, "sync-streams", (r) => r.length > 0);
    assert.ok(streams.length > 0);
  });
});

// Shared by the end-to-end tests: start tauri-driver, open a session on an app
// binary, and find things in its window.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import assert from "node:assert/strict";
import { Builder, By, until } from "selenium-webdriver";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const APP = process.env.LEDGERKEEP_APP ?? path.join(ROOT, "target/debug/ledgerkeep");
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER ?? "/usr/bin/WebKitWebDriver";
export const TIMEOUT = 20_000;

/** The newest migration number in migrations/: what the app must report as its schema. */
export function latestMigration() {
  const versions = readdirSync(path.join(ROOT, "migrations"))
    .map((f) => /^(\d+)_.*\.sql$/.exec(f)?.[1])
    .filter((v) => v !== undefined)
    .map(Number);
  return Math.max(...versions);
}

/** The shell package's version, from the workspace Cargo.toml. */
export function cargoVersion() {
  const toml = readFileSync(path.join(ROOT, "Cargo.toml"), "utf8");
  const m = /\[workspace\.package\][^[]*?\nversion = "([^"]+)"/.exec(toml);
  assert.ok(m, "no [workspace.package] version in Cargo.toml");
  return m[1];
}

/** @returns {Promise<number>} */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === "object" ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** @param {number} port */
async function waitForPort(port, ms = TIMEOUT) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port} within ${ms} ms`);
}

/**
 * Starts tauri-driver and opens the app at `app` with `env`.
 * @param {string} app
 * @param {NodeJS.ProcessEnv} env
 */
export async function openApp(app, env) {
  assert.ok(existsSync(app), `no app binary at ${app}: build it with \`make app\``);
  assert.ok(existsSync(WEBKIT_DRIVER), `no ${WEBKIT_DRIVER}: install webkit2gtk-driver`);
  const port = await freePort();
  const nativePort = await freePort();
  const tauriDriver = spawn(
    "tauri-driver",
    ["--port", String(port), "--native-port", String(nativePort), "--native-driver", WEBKIT_DRIVER],
    { env, stdio: ["ignore", "inherit", "inherit"] },
  );
  await waitForPort(port);
  // A session that cannot start (another copy of the app still running takes the
  // launch, say) fails the test instead of waiting for ever.
  const session = new Builder()
    .usingServer(`http://127.0.0.1:${port}/`)
    .withCapabilities({ browserName: "wry", "tauri:options": { application: app } })
    .build();
  const driver = await Promise.race([
    session,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no session with ${app} within 60 s`)), 60_000)),
  ]).catch((err) => {
    tauriDriver.kill();
    throw err;
  });
  await driver.manage().setTimeouts({ implicit: 0 });
  const close = async () => {
    // Ending the session ends the app: WebKitWebDriver closes its page, then
    // ends the process it launched, a moment after it has answered. So wait for
    // the process itself before stopping the drivers: stopped too soon, they
    // leave the app running, and the app is single-instance, so that copy would
    // take the next test's launch. A session that does not end in 15 s, or an
    // app still running 15 s after it ended, fails the test.
    const quit = driver.quit().then(
      () => true,
      () => true,
    );
    const ended = await Promise.race([quit, new Promise((r) => setTimeout(() => r(false), 15_000))]);
    const exited = ended && (await appExited(app, 15_000));
    tauriDriver.kill();
    if (!exited) {
      spawnSync("pkill", ["-KILL", "-f", appPattern(app)]);
      assert.fail(`the app at ${app} did not quit within 15 s of its window closing`);
    }
  };
  return { driver, close };
}

/** A pgrep/pkill pattern for the app binary itself, not for others sharing its prefix. */
const appPattern = (/** @type {string} */ app) => `^${app}( |$)`;

/**
 * Whether no process of the app binary is left within `ms`.
 * @param {string} app
 * @param {number} ms
 */
async function appExited(app, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (spawnSync("pgrep", ["-f", appPattern(app)]).status === 1) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** @param {string} testId */
export const byTestId = (testId) => By.css(`[data-testid="${testId}"]`);

/**
 * The trimmed text of an element, once it has some.
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} testId
 */
export async function textOf(driver, testId) {
  const el = await driver.wait(until.elementLocated(byTestId(testId)), TIMEOUT);
  await driver.wait(async () => (await el.getText()).trim() !== "", TIMEOUT);
  return (await el.getText()).trim();
}

/** @param {import("selenium-webdriver").WebDriver} driver */
export async function heading(driver) {
  return (await driver.wait(until.elementLocated(By.css("main h1")), TIMEOUT)).getText();
}

/**
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} testId
 */
export async function click(driver, testId) {
  await (await driver.wait(until.elementLocated(byTestId(testId)), TIMEOUT)).click();
}

/**
 * Opens Settings and waits until its sections have loaded, so that nothing moves
 * under a click.
 * @param {import("selenium-webdriver").WebDriver} driver
 */
export async function openSettings(driver) {
  await click(driver, "nav-settings");
  await textOf(driver, "data-dir");
  await driver.wait(until.elementLocated(byTestId("update-channel")), TIMEOUT);
  await driver.wait(until.elementLocated(byTestId("log-level")), TIMEOUT);
  await driver.sleep(300);
}

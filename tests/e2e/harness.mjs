// Shared by the end-to-end tests: start tauri-driver, open a session on an app
// binary, and find things in its window.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
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

/** The tauri-drivers this test file started: none outlives it, even when a test times out. */
const drivers = new Set();
process.on("exit", () => {
  for (const d of drivers) d.kill("SIGKILL");
});

/** The last `n` lines of a file, or "" when it cannot be read. */
function tail(/** @type {string} */ file, n = 20) {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-n - 1).join("\n");
  } catch {
    return "";
  }
}

/**
 * Starts tauri-driver and opens the app at `app` with `env`. A session that does not start is
 * tried once more on fresh ports (a port taken between choosing it and listening on it).
 * @param {string} app
 * @param {NodeJS.ProcessEnv} env
 */
export async function openApp(app, env) {
  try {
    return await openAppOnce(app, env);
  } catch (err) {
    spawnSync("pkill", ["-KILL", "-f", appPattern(app)]);
    await appExited(app, 15_000);
    console.error(`# the first launch failed, trying once more: ${/** @type {Error} */ (err).message}`);
    return openAppOnce(app, env);
  }
}

/**
 * @param {string} app
 * @param {NodeJS.ProcessEnv} env
 */
async function openAppOnce(app, env) {
  assert.ok(existsSync(app), `no app binary at ${app}: build it with \`make app\``);
  assert.ok(existsSync(WEBKIT_DRIVER), `no ${WEBKIT_DRIVER}: install webkit2gtk-driver`);
  // The app is single-instance: a copy still letting go of its name on the session bus (the
  // previous test's, exiting slowly on a busy machine) would take this launch and vanish
  // without answering it. Wait until the name is free.
  await singleInstanceFree(env);
  const port = await freePort();
  let nativePort = await freePort();
  while (nativePort === port) nativePort = await freePort();
  // The drivers write to a file, not to the test runner's output: a driver left spinning on
  // a dead port fills no log, and holds no pipe of the runner open.
  const driverLog = path.join(mkdtempSync(path.join(tmpdir(), "ledgerkeep-driver-")), "tauri-driver.log");
  const out = openSync(driverLog, "a");
  const tauriDriver = spawn(
    "tauri-driver",
    ["--port", String(port), "--native-port", String(nativePort), "--native-driver", WEBKIT_DRIVER],
    { env, stdio: ["ignore", out, out] },
  );
  closeSync(out);
  drivers.add(tauriDriver);
  tauriDriver.once("exit", () => drivers.delete(tauriDriver));
  try {
    await waitForPort(port);
  } catch (err) {
    tauriDriver.kill("SIGKILL");
    throw new Error(`${/** @type {Error} */ (err).message}; tauri-driver said:\n${tail(driverLog)}`, { cause: err });
  }
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
    tauriDriver.kill("SIGKILL");
    throw new Error(`${/** @type {Error} */ (err).message}; tauri-driver said:\n${tail(driverLog)}`, { cause: err });
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
    tauriDriver.kill("SIGKILL");
    if (!exited) {
      spawnSync("pkill", ["-KILL", "-f", appPattern(app)]);
      assert.fail(`the app at ${app} did not quit within 15 s of its window closing`);
    }
  };
  return { driver, close };
}

/** The app's single-instance name on the session bus (tauri-plugin-single-instance: identifier + ".SingleInstance"). */
const SINGLE_INSTANCE = `${JSON.parse(readFileSync(path.join(ROOT, "tauri.conf.json"), "utf8")).identifier}.SingleInstance`;

/**
 * Waits (up to `ms`) until no process owns the app's single-instance name on `env`'s session
 * bus. Without a session bus, or without dbus-send, there is nothing to wait for.
 * @param {NodeJS.ProcessEnv} env
 * @param {number} [ms]
 */
async function singleInstanceFree(env, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const r = spawnSync(
      "dbus-send",
      ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", `string:${SINGLE_INSTANCE}`],
      { env, encoding: "utf8" },
    );
    if (r.status !== 0 || !/boolean true/.test(r.stdout) || Date.now() > end) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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

/** Errors that mean "the page moved under us", not "the test failed": try again. */
const MOVING = new Set([
  "StaleElementReferenceError",
  "NoSuchElementError",
  "ElementNotInteractableError",
  "ElementClickInterceptedError",
]);

/**
 * THE wait of these tests: calls `read` until it returns something other than `undefined`,
 * `null` or `false`, and returns that. `read` looks up every element it uses itself, on each
 * try, so a list or form React draws again between finding an element and reading it costs one
 * more try (a stale or vanished element is no answer yet), never a failure. Any other error
 * fails the wait at once. Hold no element across calls: read it afresh inside `read`.
 * @template T
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {() => Promise<T | undefined | null | false>} read
 * @param {string} what  what is being waited for, for the timeout's message
 * @param {number} [ms]
 * @returns {Promise<T>}
 */
export async function settle(driver, read, what, ms = TIMEOUT) {
  /** @type {string | undefined} */
  let moved;
  try {
    return /** @type {T} */ (
      await driver.wait(async () => {
        try {
          const v = await read();
          return v === undefined || v === null || v === false ? false : v;
        } catch (err) {
          const name = /** @type {{ name?: string }} */ (err)?.name ?? "";
          if (!MOVING.has(name)) throw err;
          moved = name;
          return false;
        }
      }, ms)
    );
  } catch (err) {
    if (/** @type {{ name?: string }} */ (err)?.name === "TimeoutError") {
      throw new Error(`timed out after ${ms} ms waiting for ${what}${moved ? ` (the page last moved under it: ${moved})` : ""}`, {
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * The trimmed text of an element, once it has some (looked up afresh on each try).
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} testId
 */
export async function textOf(driver, testId) {
  return settle(
    driver,
    async () => (await driver.findElement(byTestId(testId)).getText()).trim() || false,
    `text in [data-testid="${testId}"]`,
  );
}

/** @param {import("selenium-webdriver").WebDriver} driver */
export async function heading(driver) {
  return settle(driver, async () => driver.findElement(By.css("main h1")).getText(), "the screen's heading");
}

/**
 * Clicks an element, found afresh until the click lands.
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} testId
 */
export async function click(driver, testId) {
  await settle(
    driver,
    async () => {
      await driver.findElement(byTestId(testId)).click();
      return true;
    },
    `a click on [data-testid="${testId}"]`,
  );
}

/**
 * The text of each cell of each body row of the table `testId`, read in one go from a fresh
 * lookup (retried if the table draws again meanwhile).
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} testId
 * @param {(rows: string[][]) => boolean} [ready]  until this holds of the rows (default: any)
 */
export async function rowsOf(driver, testId, ready = () => true) {
  return settle(
    driver,
    async () => {
      const rows = await tableRows(await driver.findElement(byTestId(testId)));
      return ready(rows) ? rows : false;
    },
    `the rows of [data-testid="${testId}"]`,
  );
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

/**
 * An exact decimal ("−1,234.5", "-0.25") in ten-thousandths, as a BigInt.
 * @param {string} text
 */
export function e4(text) {
  const t = text.replace(/,/g, "").replace("−", "-").trim();
  const m = /^(-?)(\d+)(?:\.(\d{1,4}))?$/.exec(t);
  assert.ok(m, `not an amount: ${text}`);
  const v = BigInt(m[2]) * 10000n + BigInt((m[3] ?? "").padEnd(4, "0"));
  return m[1] === "-" ? -v : v;
}

/**
 * Rows of a read-only query on the ledger file.
 * @param {string} file
 * @param {string} sql
 */
export function ledger(file, sql) {
  const r = spawnSync("sqlite3", ["-readonly", "-separator", "\t", file, sql], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
}


/**
 * A fresh data folder and home for one run of the app (the app writes .desktop files for its
 * link scheme into $HOME: they stay in here).
 * @param {string} name
 */
export function workspace(name) {
  const work = mkdtempSync(path.join(tmpdir(), `ledgerkeep-e2e-${name}-`));
  const dataDir = path.join(work, "data");
  const env = { ...process.env, LEDGERKEEP_DATA_DIR: dataDir, HOME: path.join(work, "home"), XDG_DATA_HOME: path.join(work, "home/.local/share") };
  return { work, dataDir, env, ledgerFile: path.join(dataDir, "ledger.sqlite") };
}

/**
 * Opens the app and connects the demo company from the Dashboard (its first sync included).
 * When the demo does not connect, the app is closed and the error says what the window and the
 * app's log last said.
 * @param {NodeJS.ProcessEnv} env
 */
export async function openWithDemo(env) {
  const app = await openApp(APP, env);
  try {
    await app.driver.wait(until.elementLocated(byTestId("screen-dashboard")), TIMEOUT);
    await click(app.driver, "explore-demo");
    await textOf(app.driver, "demo-connected");
  } catch (err) {
    const why = await diagnose(app.driver, env);
    await app.close().catch(() => undefined);
    throw new Error(`${/** @type {Error} */ (err).message}\n${why}`, { cause: err });
  }
  return app;
}

/**
 * What the window shows (its alerts and errors) and the last lines of the app's log, for a
 * failure's message.
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {NodeJS.ProcessEnv} env
 */
export async function diagnose(driver, env) {
  /** @type {string[]} */
  const out = [];
  try {
    for (const el of await driver.findElements(By.css('[role="alert"], .error, [data-testid$="-error"]'))) {
      const text = (await el.getText()).trim();
      if (text) out.push(`the window: ${text}`);
    }
  } catch (err) {
    out.push(`the window could not be read: ${/** @type {Error} */ (err).message}`);
  }
  const logs = env.LEDGERKEEP_DATA_DIR ? path.join(env.LEDGERKEEP_DATA_DIR, "logs") : undefined;
  if (logs && existsSync(logs)) {
    for (const f of readdirSync(logs).filter((f) => f.endsWith(".jsonl"))) {
      const lines = tail(path.join(logs, f), 40)
        .split("\n")
        .filter((l) => /"level":"(WARN|ERROR)"/.test(l));
      out.push(...lines.map((l) => `the log: ${l.slice(0, 600)}`));
    }
  }
  return out.join("\n");
}

/** Today on this computer, `YYYY-MM-DD`, as the Dashboard asks for it. */
export function localToday() {
  const now = new Date();
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * The text of each cell of each body row of a table.
 * @param {import("selenium-webdriver").WebElement} table
 */
export async function tableRows(table) {
  const out = [];
  for (const tr of await table.findElements(By.css("tbody tr"))) {
    const cells = [];
    for (const td of await tr.findElements(By.css("td"))) cells.push((await td.getText()).trim());
    out.push(cells);
  }
  return out;
}

/**
 * Sets an input as typing would (a date input takes no keys here): React reads the native value
 * on `input`.
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string | import("selenium-webdriver").By} target  its test id, or a locator
 * @param {string} value
 */
export async function setInput(driver, target, value) {
  const el = await driver.wait(until.elementLocated(typeof target === "string" ? byTestId(target) : target), TIMEOUT);
  await driver.executeScript(
    `const el = arguments[0];
     Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(el, arguments[1]);
     el.dispatchEvent(new Event("input", { bubbles: true }));`,
    el,
    value,
  );
}

/**
 * A string as an SQL literal.
 * @param {string} s
 */
export const sqlText = (s) => `'${s.replace(/'/g, "''")}'`;

/**
 * The organisation being looked at: the switcher's tenant id.
 * @param {import("selenium-webdriver").WebDriver} driver
 */
export async function currentTenant(driver) {
  return settle(driver, async () => (await driver.findElement(byTestId("organisation")).getAttribute("value")) ?? "", "the organisation switcher");
}

/**
 * The ids of the app's processes (`app`) running on `dataDir`, but for those in `except`: waiting
 * until `end` for one to appear or, with `untilGone`, for all to be gone.
 * @param {string} dataDir
 * @param {number} end
 * @param {number[]} except
 * @param {string} [app]
 * @param {boolean} [untilGone]
 */
export async function appProcesses(dataDir, end, except, app = APP, untilGone = false) {
  const mark = `LEDGERKEEP_DATA_DIR=${dataDir}\0`;
  for (;;) {
    const found = [];
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
        if (path.resolve(cmd) === path.resolve(app) && readFileSync(`/proc/${pid}/environ`, "utf8").includes(mark) && !except.includes(Number(pid))) {
          found.push(Number(pid));
        }
      } catch {
        // A process that ended meanwhile, or one of another user's.
      }
    }
    if (found.length > 0 !== untilGone || Date.now() > end) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

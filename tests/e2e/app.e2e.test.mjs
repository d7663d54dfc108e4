// End to end: the real `ledgerkeep` binary in a real WebKitGTK window, driven by
// tauri-driver + WebKitWebDriver. Run through `make e2e` (which starts Xvfb and
// a D-Bus session), or `tests/e2e/run.sh`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Builder, By, Key, until } from "selenium-webdriver";

const ROOT = path.resolve(import.meta.dirname, "../..");
const APP = process.env.LEDGERKEEP_APP ?? path.join(ROOT, "target/debug/ledgerkeep");
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER ?? "/usr/bin/WebKitWebDriver";
const TIMEOUT = 20_000;

/** The newest migration number in migrations/: what the app must report as its schema. */
function latestMigration() {
  const versions = readdirSync(path.join(ROOT, "migrations"))
    .map((f) => /^(\d+)_.*\.sql$/.exec(f)?.[1])
    .filter((v) => v !== undefined)
    .map(Number);
  return Math.max(...versions);
}

/** The shell package's version, from the workspace Cargo.toml. */
function cargoVersion() {
  const toml = readFileSync(path.join(ROOT, "Cargo.toml"), "utf8");
  const m = /\[workspace\.package\][^[]*?\nversion = "([^"]+)"/.exec(toml);
  assert.ok(m, "no [workspace.package] version in Cargo.toml");
  return m[1];
}

/** @returns {Promise<number>} */
function freePort() {
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

describe("the desktop app", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {import("node:child_process").ChildProcess} */
  let tauriDriver;
  const work = mkdtempSync(path.join(tmpdir(), "ledgerkeep-e2e-"));
  const dataDir = path.join(work, "data");
  // The app writes .desktop files for its link scheme into $HOME: keep them here.
  const env = { ...process.env, LEDGERKEEP_DATA_DIR: dataDir, HOME: path.join(work, "home"), XDG_DATA_HOME: path.join(work, "home/.local/share") };

  before(async () => {
    assert.ok(existsSync(APP), `no app binary at ${APP}: build it with \`make app\``);
    assert.ok(existsSync(WEBKIT_DRIVER), `no ${WEBKIT_DRIVER}: install webkit2gtk-driver`);
    const port = await freePort();
    const nativePort = await freePort();
    tauriDriver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort), "--native-driver", WEBKIT_DRIVER], {
      env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    await waitForPort(port);
    driver = await new Builder()
      .usingServer(`http://127.0.0.1:${port}/`)
      .withCapabilities({ browserName: "wry", "tauri:options": { application: APP } })
      .build();
    await driver.manage().setTimeouts({ implicit: 0 });
  });

  after(async () => {
    await driver?.quit().catch(() => undefined);
    tauriDriver?.kill();
    rmSync(work, { recursive: true, force: true });
  });

  /** @param {string} testId */
  const byTestId = (testId) => By.css(`[data-testid="${testId}"]`);
  /** @param {string} testId */
  const textOf = async (testId) => {
    const el = await driver.wait(until.elementLocated(byTestId(testId)), TIMEOUT);
    await driver.wait(async () => (await el.getText()).trim() !== "", TIMEOUT);
    return (await el.getText()).trim();
  };
  const heading = async () => (await driver.wait(until.elementLocated(By.css("main h1")), TIMEOUT)).getText();

  it("opens on the dashboard", async () => {
    await driver.wait(until.elementLocated(byTestId("screen-dashboard")), TIMEOUT);
    assert.equal(await heading(), "Dashboard");
  });

  it("shows, after a click on Settings, what the Rust app_info command answered", async () => {
    await (await driver.findElement(byTestId("nav-settings"))).click();
    // Each value comes from Rust: the folder this test gave the app, the schema of
    // the ledger file it created there, the crate's version.
    assert.equal(await textOf("data-dir"), dataDir);
    assert.equal(await textOf("ledger-file"), path.join(dataDir, "ledger.sqlite"));
    assert.equal(await textOf("schema-version"), `${latestMigration()} (up to date)`);
    assert.equal(await textOf("app-version"), cargoVersion());
    assert.ok(existsSync(path.join(dataDir, "ledger.sqlite")), "the app did not create its ledger");
  });

  it("moves between screens from the keyboard", async () => {
    await driver.findElement(By.css("body")).sendKeys(Key.chord(Key.CONTROL, "5"));
    await driver.wait(async () => (await heading()) === "Reports", TIMEOUT);
  });

  it("shows the Rust health checks on Diagnostics, and makes a support bundle", async () => {
    await (await driver.findElement(byTestId("nav-diagnostics"))).click();
    const db = await driver.wait(until.elementLocated(byTestId("check-database")), TIMEOUT);
    assert.equal(await db.getAttribute("data-status"), "ok");
    assert.match(await db.getText(), /integrity check/);
    // The tests run in a desktop session with an unlocked keyring.
    const keyring = await driver.findElement(byTestId("check-keyring"));
    assert.equal(await keyring.getAttribute("data-status"), "ok", await keyring.getText());
    await (await driver.findElement(byTestId("make-bundle"))).click();
    const saved = await textOf("bundle-path");
    const zip = saved.replace(/^Saved to /, "");
    assert.ok(zip.startsWith(path.join(dataDir, "support")), saved);
    assert.ok(existsSync(zip), `no bundle at ${zip}`);
  });

  it("hands a ledgerkeep:// link from a second launch to the running window", async () => {
    const second = spawnSync(APP, ["ledgerkeep://open/audit-log"], { env, timeout: TIMEOUT });
    assert.equal(second.status, 0, `second launch failed: ${second.stderr?.toString()}`);
    await driver.wait(async () => (await heading()) === "Audit log", TIMEOUT);
  });
});

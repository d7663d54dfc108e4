// End to end: the real updater code in the real app. A loopback server offers
// version 9.9.9, signed with the tests' key, which this debug build is told to
// trust through LEDGERKEEP_UPDATE_PUBKEY. A tampered artifact is refused; the
// genuine one replaces the binary, after the ledger has been backed up. Without
// that override the app trusts only the release key in tauri.conf.json, and the
// same genuine, test-signed update is refused. The app under test is a copy, so
// the build is untouched.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { APP, ROOT, click, openApp, openSettings, textOf } from "./harness.mjs";

const TEST_PUBKEY = readFileSync(path.join(ROOT, "tests/fixtures/updater/test.key.pub"), "utf8").trim();

/**
 * Copies the app, signs a "new version" with the test key, and serves it on loopback.
 * @param {string} work
 */
function updateServer(work) {
  const app = path.join(work, "bin", "ledgerkeep");
  // The "new version": any ELF executable will do for an AppImage-style install.
  const payload = path.join(work, "Ledgerkeep_9.9.9_amd64.AppImage");
  mkdirSync(path.dirname(app), { recursive: true });
  copyFileSync(APP, app);
  chmodSync(app, 0o755);
  copyFileSync("/bin/true", payload);
  execFileSync("npx", ["tauri", "signer", "sign", "-f", path.join(ROOT, "tests/fixtures/updater/test.key"), "-p", "", payload], {
    cwd: ROOT,
    stdio: "ignore",
  });
  const signature = readFileSync(`${payload}.sig`, "utf8").trim();
  const genuine = readFileSync(payload);
  const tampered = Buffer.concat([genuine, Buffer.from("tampered")]);
  /** @type {string[]} */
  const requested = [];
  const state = { tampered: true, requested };
  const server = http.createServer((req, res) => {
    state.requested.push(req.url ?? "");
    const port = /** @type {import("node:net").AddressInfo} */ (server.address()).port;
    if (req.url?.endsWith("/latest.json")) {
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          version: "9.9.9",
          notes: "Faster reports.",
          pub_date: "2026-11-20T10:00:00Z",
          platforms: { "linux-x86_64": { signature, url: `http://127.0.0.1:${port}/artifact` } },
        }),
      );
    } else if (req.url === "/artifact") {
      res.end(state.tampered ? tampered : genuine);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  const listening = new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  return { app, payload, server, state, listening };
}

/**
 * @param {string} work
 * @param {http.Server} server
 * @param {Record<string, string>} extra
 */
function appEnv(work, server, extra = {}) {
  const port = /** @type {import("node:net").AddressInfo} */ (server.address()).port;
  return {
    ...process.env,
    LEDGERKEEP_DATA_DIR: path.join(work, "data"),
    LEDGERKEEP_UPDATE_URL: `http://127.0.0.1:${port}`,
    HOME: path.join(work, "home"),
    XDG_DATA_HOME: path.join(work, "home/.local/share"),
    ...extra,
  };
}

describe("updates", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  const work = mkdtempSync(path.join(tmpdir(), "ledgerkeep-update-"));
  const dataDir = path.join(work, "data");
  const { app, payload, server, state, listening } = updateServer(work);
  const requested = state.requested;

  before(async () => {
    await listening;
    ({ driver, close } = await openApp(app, appEnv(work, server, { LEDGERKEEP_UPDATE_PUBKEY: TEST_PUBKEY })));
    await openSettings(driver);
  });

  after(async () => {
    await close();
    server.closeAllConnections();
    server.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("finds the newer version on the chosen channel", async () => {
    await click(driver, "check-update");
    assert.match(await textOf(driver, "update-status"), /Version 9\.9\.9 is available \(you have \d+\.\d+\.\d+\)/);
    assert.ok(requested.some((u) => /^\/stable\/linux\/x86_64\/[\d.]+\/latest\.json$/.test(u)), requested.join(", "));
  });

  it("refuses a tampered artifact and changes nothing", async () => {
    const before = readFileSync(app);
    await click(driver, "install-update");
    assert.match(await textOf(driver, "update-error"), /signature does not match/);
    assert.ok(readFileSync(app).equals(before), "the app binary changed");
  });

  it("installs the genuine artifact after backing the ledger up", async () => {
    state.tampered = false;
    await click(driver, "check-update");
    await click(driver, "install-update");
    assert.match(await textOf(driver, "update-installed"), /Version 9\.9\.9 is installed/);
    assert.ok(readFileSync(app).equals(readFileSync(payload)), "the binary was not replaced by the update");
    const backups = existsSync(path.join(dataDir, "backups")) ? readdirSync(path.join(dataDir, "backups")) : [];
    assert.ok(backups.some((f) => f.startsWith("before-update-")), `no backup before the update: ${backups.join(", ")}`);
  });
});

describe("updates without the test key", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  const work = mkdtempSync(path.join(tmpdir(), "ledgerkeep-update-"));
  const { app, server, state, listening } = updateServer(work);

  before(async () => {
    state.tampered = false;
    await listening;
    ({ driver, close } = await openApp(app, appEnv(work, server)));
    await openSettings(driver);
  });

  after(async () => {
    await close();
    server.closeAllConnections();
    server.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("refuses an update the release key did not sign, even when it is intact", async () => {
    const before = readFileSync(app);
    await click(driver, "check-update");
    await click(driver, "install-update");
    assert.match(await textOf(driver, "update-error"), /signature does not match/);
    assert.ok(readFileSync(app).equals(before), "the app binary changed");
  });
});

// End to end: the real updater code in the real app. A loopback server offers
// version 9.9.9, signed with the test key whose public half is in tauri.conf.json.
// A tampered artifact is refused; the genuine one replaces the binary, after the
// ledger has been backed up. The app under test is a copy, so the build is untouched.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { APP, ROOT, click, openApp, openSettings, textOf } from "./harness.mjs";

describe("updates", () => {
  /** @type {import("selenium-webdriver").WebDriver} */
  let driver;
  /** @type {() => Promise<void>} */
  let close = async () => undefined;
  /** @type {http.Server} */
  let server;
  /** @type {string[]} */
  const requested = [];
  let serveTampered = true;

  const work = mkdtempSync(path.join(tmpdir(), "ledgerkeep-update-"));
  const dataDir = path.join(work, "data");
  const app = path.join(work, "bin", "ledgerkeep");
  // The "new version": any ELF executable will do for an AppImage-style install.
  const payload = path.join(work, "Ledgerkeep_9.9.9_amd64.AppImage");

  before(async () => {
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

    server = http.createServer((req, res) => {
      requested.push(req.url ?? "");
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
        res.end(serveTampered ? tampered : genuine);
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
    const port = /** @type {import("node:net").AddressInfo} */ (server.address()).port;
    const env = {
      ...process.env,
      LEDGERKEEP_DATA_DIR: dataDir,
      LEDGERKEEP_UPDATE_URL: `http://127.0.0.1:${port}`,
      HOME: path.join(work, "home"),
      XDG_DATA_HOME: path.join(work, "home/.local/share"),
    };
    ({ driver, close } = await openApp(app, env));
    await openSettings(driver);
  });

  after(async () => {
    await close();
    server?.close();
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
    serveTampered = false;
    await click(driver, "check-update");
    await click(driver, "install-update");
    assert.match(await textOf(driver, "update-installed"), /Version 9\.9\.9 is installed/);
    assert.ok(readFileSync(app).equals(readFileSync(payload)), "the binary was not replaced by the update");
    const backups = existsSync(path.join(dataDir, "backups")) ? readdirSync(path.join(dataDir, "backups")) : [];
    assert.ok(backups.some((f) => f.startsWith("before-update-")), `no backup before the update: ${backups.join(", ")}`);
  });
});

// The app benchmark (`make bench-app`): the release binary in a real WebKitGTK
// window under Xvfb, driven by tauri-driver like the end-to-end tests. Prints:
//   1. cold start to interactive: from the process's start (a wrapper records the
//      time and execs the app) to the first screen showing Rust's first answer
//      (the UI's `ledgerkeep:first-screen` performance mark), on an empty data
//      folder, LEDGERKEEP_BENCH_RUNS times (5): every run, the median and the worst;
//   2. idle memory on the demo company: connected and synced, then left alone for
//      LEDGERKEEP_BENCH_SETTLE_S seconds (30); RSS and PSS of the app's process and
//      of each WebKit child process, and their sum;
//   3. with LEDGERKEEP_SCALE_DIR (the data folder `cargo bench --bench scale` keeps,
//      one organisation with 1,000,000 bank transactions): the app opened on it, and
//      from a click on Transactions to the explorer's first rows painted (the
//      `ledgerkeep:explorer-rows` mark), LEDGERKEEP_BENCH_RUNS * 2 times, each
//      click made from the dashboard once its reads have answered and
//      LEDGERKEEP_BENCH_QUIET_MS (3000) more have passed.
// Nothing here asserts a time: it prints the figures (docs/BENCHMARKS.md).
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { until } from "selenium-webdriver";
import { ROOT, TIMEOUT, byTestId, click, openApp, textOf } from "../e2e/harness.mjs";

const APP = path.resolve(process.env.LEDGERKEEP_APP ?? path.join(ROOT, "target/release/ledgerkeep"));
const RUNS = Number(process.env.LEDGERKEEP_BENCH_RUNS ?? 5);
const SETTLE_S = Number(process.env.LEDGERKEEP_BENCH_SETTLE_S ?? 30);
const SCALE_DIR = process.env.LEDGERKEEP_SCALE_DIR;
const QUIET_MS = Number(process.env.LEDGERKEEP_BENCH_QUIET_MS ?? 3000);
const MARK_FIRST = "ledgerkeep:first-screen";
const MARK_ROWS = "ledgerkeep:explorer-rows";

const work = mkdtempSync(path.join(tmpdir(), "ledgerkeep-bench-"));
const startedFile = path.join(work, "started");
// tauri-driver starts this instead of the app: it notes the time (ms since the epoch)
// and its pid, then becomes the app (exec keeps the pid).
const wrapper = path.join(work, "ledgerkeep-timed");
writeFileSync(wrapper, `#!/bin/sh\necho "$(date +%s%N) $$" > '${startedFile}'\nexec '${APP}' "$@"\n`);
chmodSync(wrapper, 0o755);

/** @param {string} dataDir */
function envFor(dataDir) {
  const home = path.join(work, "home");
  return { ...process.env, LEDGERKEEP_DATA_DIR: dataDir, HOME: home, XDG_DATA_HOME: path.join(home, ".local/share") };
}

function started() {
  const [ns, pid] = readFileSync(startedFile, "utf8").trim().split(" ");
  const at = BigInt(ns ?? "0");
  return { ms: Number(at / 1_000_000n) + Number(at % 1_000_000n) / 1e6, pid: Number(pid) };
}

/**
 * When the mark `name` was last made after `after` (ms since the epoch), waiting for it.
 * @param {import("selenium-webdriver").WebDriver} driver
 * @param {string} name
 * @param {number} after
 * @returns {Promise<number>}
 */
async function markTime(driver, name, after = 0) {
  const end = Date.now() + TIMEOUT * 3;
  while (Date.now() < end) {
    const at = await driver.executeScript(
      `const e = performance.getEntriesByName(arguments[0]).map((m) => performance.timeOrigin + m.startTime).filter((t) => t > arguments[1]);
       return e.length ? e[e.length - 1] : null;`,
      name,
      after,
    );
    if (typeof at === "number") return at;
    await driver.sleep(20);
  }
  throw new Error(`no ${name} mark within ${TIMEOUT * 3} ms`);
}

/**
 * Ends the session, then waits until the app's process is gone: a copy still
 * exiting would take the next launch (single instance) and no session would start.
 * @param {() => Promise<void>} close
 */
async function closeAndWait(close) {
  const { pid } = started();
  await close();
  const end = Date.now() + TIMEOUT;
  const alive = () => {
    try {
      return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      return false;
    }
  };
  while (alive() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

/** @param {number[]} v */
function median(v) {
  const s = [...v].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** @param {number[]} v @param {number} p */
function percentile(v, p) {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((s.length * p) / 100) - 1))] ?? 0;
}

const fmt = (/** @type {number} */ ms) => `${ms.toFixed(0)} ms`;

/** The process `pid` and every process below it: name, RSS and PSS in kB. */
function memoryOf(/** @type {number} */ pid) {
  /** @type {{pid: number, name: string, rssKb: number, pssKb: number}[]} */
  const out = [];
  const children = (/** @type {number} */ p) => {
    const tasks = path.join("/proc", String(p), "task");
    return existsSync(tasks)
      ? readdirSync(tasks).flatMap((t) => {
          try {
            return readFileSync(path.join(tasks, t, "children"), "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
          } catch {
            return [];
          }
        })
      : [];
  };
  const visit = (/** @type {number} */ p) => {
    const status = readFileSync(`/proc/${p}/status`, "utf8");
    const rollup = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
    out.push({
      pid: p,
      name: /^Name:\s+(.*)$/m.exec(status)?.[1] ?? "?",
      rssKb: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0),
      pssKb: Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0),
    });
    for (const c of children(p)) visit(c);
  };
  visit(pid);
  return out;
}

async function coldStarts() {
  console.log(`\n## Cold start to interactive (${RUNS} runs, empty data folder, release build)`);
  /** @type {number[]} */
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const dataDir = path.join(work, `cold-${i}`);
    rmSync(startedFile, { force: true });
    const { driver, close } = await openApp(wrapper, envFor(dataDir));
    try {
      const interactive = await markTime(driver, MARK_FIRST);
      const navStart = await driver.executeScript("return performance.timeOrigin");
      const s = started();
      times.push(interactive - s.ms);
      console.log(
        `  run ${i + 1}: ${fmt(interactive - s.ms)} (the webview's page began ${fmt(Number(navStart) - s.ms)} after the process started)`,
      );
    } finally {
      await closeAndWait(close);
    }
  }
  console.log(`  median ${fmt(median(times))}, worst ${fmt(Math.max(...times))}`);
}

async function idleMemory() {
  console.log(`\n## Idle memory on the demo company (connected and synced, then ${SETTLE_S} s idle)`);
  const dataDir = path.join(work, "demo");
  rmSync(startedFile, { force: true });
  const { driver, close } = await openApp(wrapper, envFor(dataDir));
  try {
    await markTime(driver, MARK_FIRST);
    await click(driver, "explore-demo");
    await textOf(driver, "demo-connected");
    await driver.wait(until.elementLocated(byTestId("screen-dashboard")), TIMEOUT);
    await driver.sleep(SETTLE_S * 1000);
    const procs = memoryOf(started().pid);
    for (const p of procs) {
      console.log(`  ${p.name.padEnd(24)} pid ${String(p.pid).padStart(7)}  RSS ${(p.rssKb / 1024).toFixed(1)} MiB  PSS ${(p.pssKb / 1024).toFixed(1)} MiB`);
    }
    const rss = procs.reduce((a, p) => a + p.rssKb, 0) / 1024;
    const pss = procs.reduce((a, p) => a + p.pssKb, 0) / 1024;
    console.log(`  sum of ${procs.length} processes: RSS ${rss.toFixed(1)} MiB, PSS ${pss.toFixed(1)} MiB (PSS counts shared pages once)`);
  } finally {
    await closeAndWait(close);
  }
}

async function explorerAtScale() {
  if (!SCALE_DIR) {
    console.log("\n(no LEDGERKEEP_SCALE_DIR: the explorer at 1M rows is skipped)");
    return;
  }
  console.log(`\n## The explorer's first rows on the 1M-row ledger (${RUNS * 2} navigations)`);
  rmSync(startedFile, { force: true });
  const { driver, close } = await openApp(wrapper, envFor(SCALE_DIR));
  try {
    const first = await markTime(driver, MARK_FIRST);
    console.log(`  the app's first screen on this ledger: ${fmt(first - started().ms)} after the process started`);
    /** @type {number[]} */
    const times = [];
    for (let i = 0; i < RUNS * 2; i++) {
      // From the dashboard, once its own reads have answered and the explorer's
      // last totals have had time to finish: the click is timed on a quiet app.
      await click(driver, "nav-dashboard");
      await driver.wait(until.elementLocated(byTestId("dashboard-figures")), TIMEOUT * 3);
      await driver.wait(until.elementLocated(byTestId("sync-streams")), TIMEOUT * 3);
      await driver.sleep(QUIET_MS);
      const clicked = Number(
        await driver.executeScript(
          `const t = performance.timeOrigin + performance.now();
           document.querySelector('[data-testid="nav-transactions"]').click();
           return t;`,
        ),
      );
      const rows = await markTime(driver, MARK_ROWS, clicked);
      times.push(rows - clicked);
      console.log(`  navigation ${i + 1}: ${fmt(rows - clicked)}`);
    }
    console.log(`  p50 ${fmt(percentile(times, 50))}, p95 ${fmt(percentile(times, 95))}, worst ${fmt(Math.max(...times))}`);
  } finally {
    await closeAndWait(close);
  }
}

try {
  console.log(`# The app benchmark: ${APP}`);
  const only = process.env.LEDGERKEEP_BENCH_ONLY ?? "cold,memory,explorer";
  if (only.includes("cold")) await coldStarts();
  if (only.includes("memory")) await idleMemory();
  if (only.includes("explorer")) await explorerAtScale();
} finally {
  rmSync(work, { recursive: true, force: true });
}

// Accessibility: axe checks every main screen of the built UI (ui/dist) in
// Debian's chromium, driven by Playwright, with the IPC mocked by Tauri's own
// mockIPC (@tauri-apps/api/mocks). Fails on any serious or critical violation.
//
//   npm run build && npm run test:a11y
//
// CHROMIUM names the browser (default /usr/bin/chromium); Playwright's own
// browsers are never downloaded.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";
import { chromium } from "playwright";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dist = join(root, "ui", "dist");
const SCREENS = [
  "dashboard", "transactions", "invoices-and-bills", "contacts", "reports", "accounts", "checklists", "audit-log", "settings", "diagnostics",
  "general-ledger?account=a-1&from=2026-07-01&to=2026-07-31", "tax-summary", "items", "tax-rates", "records/invoice/inv-1",
  "connect-xero",
];
/** What shows once a screen has its mocked data: proof that the IPC mock answered. */
const READY = {
  dashboard: "[data-testid=sync-streams]",
  reports: "[data-testid=xero-differences]",
  accounts: "[data-testid=accounts-table]",
  "audit-log": "[data-testid=audit-table]",
  settings: "[data-testid=backups-list]",
  "general-ledger?account=a-1&from=2026-07-01&to=2026-07-31": "[data-testid=gl-closing]",
  "tax-summary": "[data-testid=tax-form-box]",
  items: "[data-testid=screen-items] td",
  "tax-rates": "[data-testid=screen-tax-rates] td",
  "records/invoice/inv-1": "[data-testid=unit-amount]",
  "connect-xero": "[data-testid=redirect-uri][value^=http]",
};
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2", ".json": "application/json" };

/** Serves ui/dist as the app's webview would. */
function serve() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(dist, path === "/" ? "index.html" : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

/** The backend's answers, as the bindings' types have them: one organisation with a little data. */
function handler(cmd) {
  const org = { tenantId: "t-1", name: "Kōwhai Plumbing Ltd", baseCurrency: "NZD", timezone: null, ianaTimezone: null, periodLockDate: null, lastSyncedUtc: "2026-07-01T09:00:00.000Z" };
  const doc = {
    xeroId: "inv-1", docType: "ACCREC", number: "INV-0042", reference: "Job 17", contactId: "c-1", contactName: "Harbour Supplies",
    date: "2026-06-30", status: "AUTHORISED", currencyCode: "NZD", total: "1234.50", account: null, updatedUtc: "2026-06-30T21:04:11.000Z",
  };
  const drill = { ledger: { account: "a-1", from: null, to: "2026-07-01", sign: null, negate: false } };
  const answers = {
    organisations: [org],
    app_info: { appVersion: "0.1.0", schemaVersion: 5, latestSchemaVersion: 5, dataDir: "/d", ledgerFile: "/d/l", logsDir: "/d/logs", backupsDir: "/d/b", os: "linux", demo: false },
    dashboard: {
      asAt: "2026-07-01", baseCurrency: "NZD",
      cash: [{ xeroId: "a-1", code: "090", name: "Business Cheque", accountType: "BANK", class: "asset", status: "ACTIVE", balance: "15234.10", drill }],
      receivables: [{ currencyCode: "NZD", due: "1500.10", dueCount: 3, overdue: "200", overdueCount: 1 }],
      payables: [{ currencyCode: "NZD", due: "430", dueCount: 1, overdue: "0", overdueCount: 0 }],
      recent: [{ kind: "invoices", document: doc }],
      alerts: {
        reauthorisationNeeded: true, lastSyncFailed: "Xero could not be reached.", anomalies: 1,
        closesDue: [{ title: "June 2026 close for Kōwhai Plumbing Ltd", due: "2026-06-30", overdue: true }],
      },
      receivablesTotal: "1734.56", payablesTotal: "430",
      banks: [{ xeroId: "a-1", code: "090", name: "Business Cheque", balance: "15234.10", lastSyncedUtc: "2026-07-01T09:00:00.000Z" }],
      months: Array.from({ length: 12 }, (_, i) => {
        const month = `${i < 1 ? 2025 : 2026}-${String(((i + 6) % 12) + 1).padStart(2, "0")}`;
        return { month, from: `${month}-01`, to: `${month}-28`, moneyIn: `${1200 + i * 35}.10`, moneyOut: `${900 + i * 20}.55`, income: `${1500 + i * 40}.00`, expenses: `${1100 + i * 15}.25`, netProfit: `${400 + i * 25}.00` };
      }),
      receivablesAgeing: {
        docType: "ACCREC", total: "1734.56", pastDue: "734.56",
        buckets: [["current", "Current", "1000.00"], ["1-30", "1-30 days", "500.06"], ["31-60", "31-60 days", "-65.50"], ["61-90", "61-90 days", "0"], ["older", "Older", "300"]]
          .map(([key, label, amount], i) => ({ key, label, amount, count: i + 1, dueFrom: null, dueTo: null })),
      },
      payablesAgeing: {
        docType: "ACCPAY", total: "430", pastDue: "0",
        buckets: [["current", "Current", "430"], ["1-30", "1-30 days", "0"], ["31-60", "31-60 days", "0"], ["61-90", "61-90 days", "0"], ["older", "Older", "0"]]
          .map(([key, label, amount]) => ({ key, label, amount, count: amount === "0" ? 0 : 1, dueFrom: null, dueTo: null })),
      },
      sinceLastLook: { sinceUtc: "2026-06-30T08:00:00Z", newInvoices: 3, newBills: 1, paymentsReceived: 2, recordsChanged: 17 },
      billsDueSoon: { from: "2026-07-01", to: "2026-07-08", count: 1, totals: [{ currencyCode: "NZD", amount: "430.00" }] },
    },
    dashboard_look: { previousUtc: "2026-06-30T08:00:00Z", currentUtc: "2026-07-01T10:00:00Z" },
    list_anomalies: [],
    sync_status: {
      tenants: [{
        tenantId: "t-1", dayLimitUsedPct: 7,
        streams: [{ stream: "invoices", status: "idle", watermark: "2026-07-01T09:00:00.000Z", lastFullSweep: null, records: 1234, lastError: null }],
        lastRun: { kind: "incremental", startedAt: "2026-07-01T08:59:00.000Z", finishedAt: "2026-07-01T09:00:00.000Z", status: "ok", pages: 3, recordsSeen: 300, recordsChanged: 12 },
        refused: [{ stream: "Journals", reason: "plan", message: "Journals: not available on this Xero plan.", since: "2026-07-01T09:00:00.000Z" }],
      }],
    },
    list_documents: { rows: [doc], nextCursor: null },
    document_totals: [{ currencyCode: "NZD", count: 1, total: "1234.50" }],
    saved_views: [],
    list_contacts: { rows: [{ xeroId: "c-1", name: "Harbour Supplies", email: null, status: "ACTIVE", isCustomer: true, isSupplier: false, balances: [] }], nextCursor: null },
    run_report: {
      kind: "profitAndLoss", basis: "accrual", title: "Profit and loss", organisation: "Kōwhai Plumbing Ltd", currency: "NZD",
      columns: [{ label: "2026-07-01 to 2026-07-31", heading: "period", from: "2026-07-01", to: "2026-07-31" }],
      sections: [{ title: "Income", rows: [{ label: "200 Sales", code: "200", cells: [{ amount: "1234.50", drill }] }], total: { label: "Total income", code: null, cells: [{ amount: "1234.50", drill: null }] } }],
      summary: [{ label: "Net profit", code: null, cells: [{ amount: "1234.50", drill: null }] }],
      notes: ["Accrual basis: income and expenses count when invoiced or billed."],
      xero: {
        status: "differs", message: "1 figure differs from Xero's report, fetched 2026-07-01 09:00 UTC.", fetchedAt: "2026-07-01T09:00:00.000Z",
        differences: [{ label: "200 Sales", account: "a-2", local: "1234.50", xero: "1200.00" }], available: [],
      },
    },
    list_accounts: [{ xeroId: "a-1", code: "090", name: "Business Cheque", accountType: "BANK", class: "asset", status: "ACTIVE", balance: "15234.10", drill }],
    audit_log: {
      rows: [{
        table: "invoices", tenantId: "t-1", recordId: "inv-1", entity: "invoice",
        words: {
          title: "Invoice INV-0042 to Harbour Supplies", action: "changed", by: "sync",
          changes: [
            { field: "Status", label: "Status", old: { kind: "text", text: "Authorised" }, new: { kind: "text", text: "Paid" } },
            { field: "AmountDue", label: "Amount due", old: { kind: "money", amount: "120.00" }, new: { kind: "money", amount: "0.00" } },
          ],
          contactId: "c-1", contactName: "Harbour Supplies",
        },
        entry: { seq: 7, action: "update", actor: "sync:run-1", at: "2026-07-01T10:00:00.000Z", changes: [{ field: "AmountDue", old: "120.00", new: "0.00" }, { field: "Status", old: '"AUTHORISED"', new: '"PAID"' }], hash: "h" },
      }],
      nextCursor: null,
    },
    preferences: { logLevel: "info", logLevelOverridden: false },
    update_channel: "stable",
    xero_organisations: [],
    xero_app: {
      saved: { clientId: "0123ABCD", oauthPort: null, scopes: null, loginUrl: null, identityUrl: null, apiUrl: null, recordPayments: true },
      clientId: "0123ABCD", oauthPort: 53682, redirectUri: "http://localhost:53682/callback",
      scopes: ["offline_access", "accounting.invoices.read", "accounting.banktransactions.read", "accounting.payments"],
      legacyScopes: false, recordPayments: true,
      missingScopes: ["accounting.banktransactions.read", "accounting.payments"],
      scopeGrants: [
        { scope: "offline_access", grant: "granted", lacking: [], opens: [] },
        { scope: "accounting.invoices.read", grant: "granted", lacking: [], opens: ["Invoices", "CreditNotes"] },
        { scope: "accounting.banktransactions.read", grant: "notGranted", lacking: ["Kōwhai Plumbing Ltd"], opens: ["BankTransactions", "BankTransfers"] },
        { scope: "accounting.payments", grant: "notGranted", lacking: ["Kōwhai Plumbing Ltd"], opens: ["Payments", "Overpayments", "Prepayments"] },
      ],
      loginUrl: "https://login.xero.com", identityUrl: "https://identity.xero.com", apiUrl: "https://api.xero.com",
      fromEnvironment: [], restartNeeded: false, demo: false,
    },
    data_settings: { syncIntervalMinutes: 15, backupKeep: 10, backupEveryHours: 24, syncRunsKeepDays: 90 },
    list_backups: {
      folder: "/d/b",
      backups: [{ path: "/d/b/ledger-20260701T090000000Z-backup.sqlite", fileName: "ledger-20260701T090000000Z-backup.sqlite", madeAtUtc: "2026-07-01T09:00:00.000Z", sizeKib: 2048, kind: "backup" }],
      pendingRestore: { from: "/d/b/ledger-20260701T090000000Z-backup.sqlite", chosenAtUtc: "2026-07-01T10:00:00.000Z", schemaVersion: 5, auditRows: 120 },
      lastRestore: { atUtc: "2026-06-30T10:00:00.000Z", from: "/d/b/x.sqlite", restored: false, message: "The backup is damaged. Nothing was restored.", previousCopy: null },
    },
  };
  Object.assign(answers, {
    general_ledger: {
      account: "a-1", code: "090", name: "Business Cheque", accountType: "BANK", currency: "NZD", openingBalance: "14000.00", balanceNegated: false,
      rows: [{ date: "2026-07-03", sourceType: "ACCREC", entity: "invoice", xeroId: "inv-1", reference: "INV-0042", description: "Pipe fitting", debit: "1234.50", credit: null, balance: "15234.50", yearStart: false, currencyCode: null, foreignAmount: null }],
      nextCursor: null, closingBalance: "15234.50",
    },
    tax_summary: {
      from: "2026-07-01", to: "2026-07-31", currency: "NZD",
      rates: [{ taxType: "OUTPUT2", name: "GST on Income", rate: "15", sales: { net: "1073.48", tax: "161.02" }, purchases: { net: "0.00", tax: "0.00" }, lines: 1 }],
      sales: { net: "1073.48", tax: "161.02" }, purchases: { net: "0.00", tax: "0.00" }, netTax: "161.02", skipped: [],
      form: {
        name: "GST return (GST101A)", notes: ["Check the return in Xero before you file it."], chargedSales: "161.02", chargedPurchases: "0.00",
        boxes: [
          { label: "5", title: "Total sales and income, including GST and zero-rated supplies", amount: "1234.50", rates: ["GST on Income"], onLines: null },
          { label: "8", title: "Box 7 × 3 ÷ 23", amount: "161.02", rates: [], onLines: "161.02" },
          { label: "9", title: "Adjustments from your calculation sheet", amount: null, rates: [], onLines: null },
        ],
        unplaced: [{ taxType: "GSTONIMPORTS", name: "GST on Imports", side: "purchases", net: "90.00", tax: "0.00", reason: "Enter it as the form's guide says." }],
      },
    },
    list_items: { items: [{ xeroId: "it-1", code: "PIPE-15", name: "15 mm pipe", description: "Copper, per metre", isSold: true, isPurchased: true, quantityOnHand: null, salesUnitPrice: "12.5000", purchaseUnitPrice: "7.2500" }], truncated: false },
    list_tax_rates: [{ taxType: "OUTPUT2", name: "GST on Income", status: "ACTIVE", reportTaxType: "OUTPUT", effectiveRate: "15.0000", displayTaxRate: "15.0000" }],
    record_detail: {
      entity: "invoice", xeroId: "inv-1", title: "Invoice INV-0042", status: "AUTHORISED", currencyCode: "NZD",
      header: [{ label: "Contact", value: { kind: "text", text: "Harbour Supplies" } }, { label: "Date", value: { kind: "date", date: "2026-06-30" } }, { label: "Total", value: { kind: "money", amount: "1234.50", currency: "NZD" } }],
      lines: [{ description: "Pipe fitting", quantity: "2.0000", unitAmount: "536.7400", itemCode: "PIPE-15", accountCode: "200", accountName: "Sales", taxType: "OUTPUT2", taxName: "GST on Income", taxAmount: "161.02", tracking: [{ category: "Region", option: "North" }], lineAmount: "1073.48" }],
      links: [{ relation: "Paid by", entity: "payment", xeroId: "pay-1", label: "Payment of 200.00", amount: "200.00", currencyCode: "NZD", date: "2026-07-02", held: true }],
      attachments: [], history: [], openInXeroUrl: "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=inv-1",
    },
    document_attachments: [],
    record_xero_history: {
      available: true, scope: "accounting.invoices.read", fetchedAt: "2026-07-01T09:30:00.000Z",
      entries: [
        { at: "2026-07-01T08:00:00.000Z", user: "Mia Chen", change: "Note", details: "Agreed by email." },
        { at: "2026-06-30T09:12:00.000Z", user: "Ava Thompson", change: "Approved", details: "INV-0042 to Harbour Supplies for NZD 1234.50." },
        { at: "2026-06-30T09:00:00.000Z", user: "Ava Thompson", change: "Created", details: "INV-0042 to Harbour Supplies for NZD 1234.50." },
      ],
    },
  });
  if (cmd in answers) return answers[cmd];
  throw { code: "internal", message: `Not available in this check: ${cmd}` };
}

/** Tauri's mockIPC, run in the page before the app's own scripts. */
async function initScript() {
  const mocks = await readFile(join(root, "node_modules/@tauri-apps/api/mocks.js"), "utf8");
  const body = mocks.replace(/^export \{[^}]*\};?\s*$/m, "");
  return `${body}\nmockIPC((cmd) => (${String(handler)})(cmd), { shouldMockEvents: true });`;
}

const server = await serve();
const port = server.address().port;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
let failed = 0;
const script = await initScript();
try {
  for (const colorScheme of ["light", "dark"]) {
  const context = await browser.newContext({ colorScheme });
  await context.addInitScript({ content: script });
  for (const slug of SCREENS) {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/#/${slug}`);
    await page.locator(READY[slug] ?? "h1").first().waitFor({ timeout: 15000 });
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(300); // let the mocked answers render
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    if (bad.length === 0) {
      console.log(`ok   ${slug} (${colorScheme}): no serious or critical violations (${result.passes.length} rules passed)`);
    } else {
      failed += 1;
      console.log(`FAIL ${slug} (${colorScheme}):`);
      for (const v of bad) {
        console.log(`  [${v.impact}] ${v.id}: ${v.help}`);
        for (const n of v.nodes.slice(0, 5)) console.log(`      ${n.target.join(" ")}: ${n.failureSummary?.split("\n").join(" ")}`);
      }
    }
    await page.close();
  }
  await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
if (failed > 0) {
  console.log(`${failed} of ${SCREENS.length * 2} screen checks found serious or critical violations`);
  process.exit(1);
}
console.log(`${SCREENS.length} screens checked in light and dark: no serious or critical violations`);

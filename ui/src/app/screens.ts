import type { Screen } from "../bindings";

/** One entry per screen, in navigation order. The slugs are Rust's `Screen` enum. */
export interface ScreenInfo {
  slug: Screen;
  title: string;
  /** What the screen will hold, shown while it is empty. */
  empty: { heading: string; body: string };
}

export const SCREENS: readonly ScreenInfo[] = [
  {
    slug: "dashboard",
    title: "Dashboard",
    empty: {
      heading: "No organisation yet",
      body: "Connect a Xero organisation, or explore the demo company, to see cash per bank account, receivables and payables, recent activity and sync status here.",
    },
  },
  {
    slug: "transactions",
    title: "Transactions",
    empty: {
      heading: "No transactions yet",
      body: "Invoices and bills, credit notes, payments, overpayments, prepayments, bank transactions and transfers, manual journals, purchase orders, quotes and repeating invoices will appear here once an organisation has synced, each kind with its own filters, and one search across them all.",
    },
  },
  {
    slug: "invoices-and-bills",
    title: "Invoices & Bills",
    empty: {
      heading: "No invoices or bills yet",
      body: "Sales invoices and supplier bills will appear here with what is due and overdue, aged by 30, 60 and 90 days.",
    },
  },
  {
    slug: "contacts",
    title: "Contacts",
    empty: {
      heading: "No contacts yet",
      body: "Customers and suppliers will appear here with their balances and history.",
    },
  },
  {
    slug: "reports",
    title: "Reports",
    empty: {
      heading: "No reports yet",
      body: "Profit and loss, balance sheet, aged receivables and payables, cash summary and trial balance will be computed here from your local ledger.",
    },
  },
  {
    slug: "accounts",
    title: "Accounts",
    empty: {
      heading: "No accounts yet",
      body: "The chart of accounts will appear here with each account's balance, once an organisation has synced.",
    },
  },
  {
    slug: "general-ledger",
    title: "General ledger",
    empty: {
      heading: "No ledger yet",
      body: "Each account's lines, with a running balance and the document behind each, will appear here once an organisation has synced.",
    },
  },
  {
    slug: "tax-summary",
    title: "Tax summary",
    empty: {
      heading: "No tax summary yet",
      body: "Each tax rate's net and tax on sales and purchases will appear here once an organisation has synced.",
    },
  },
  {
    slug: "budget-vs-actual",
    title: "Budget vs actual",
    empty: {
      heading: "No budget yet",
      body: "Each profit and loss account's budget beside its actual, month by month, with the variance, will appear here once an organisation with a budget in Xero has synced.",
    },
  },
  {
    slug: "items",
    title: "Items",
    empty: {
      heading: "No items yet",
      body: "The products and services of your Xero organisation, with their prices, will appear here once it has synced.",
    },
  },
  {
    slug: "tax-rates",
    title: "Tax rates",
    empty: {
      heading: "No tax rates yet",
      body: "The tax rates of your Xero organisation will appear here once it has synced.",
    },
  },
  {
    slug: "checklists",
    title: "Checklists",
    empty: {
      heading: "No checklists yet",
      body: "Month-end close procedures and their checklist runs will appear here, with automated checks against your books.",
    },
  },
  {
    slug: "audit-log",
    title: "Audit log",
    empty: {
      heading: "Nothing recorded yet",
      body: "Every change to your ledger, from a sync or from you, will be listed here in a tamper-evident trail.",
    },
  },
  {
    slug: "settings",
    title: "Settings",
    empty: {
      heading: "Settings",
      body: "Xero connections, sync schedule, theme and updates.",
    },
  },
  {
    slug: "diagnostics",
    title: "Diagnostics",
    empty: {
      heading: "No health checks yet",
      body: "Health checks for the ledger, the keyring and Xero, with metrics and a support bundle, will appear here.",
    },
  },
];

export function screenBySlug(slug: string): ScreenInfo | undefined {
  return SCREENS.find((s) => s.slug === slug);
}

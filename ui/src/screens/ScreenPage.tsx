import { lazy, Suspense } from "react";
import { useOpenRecord } from "../app/records";
import { screenBySlug } from "../app/screens";
import { EmptyState } from "../components/EmptyState";
import { AccountsScreen } from "./AccountsScreen";
import { AuditLogScreen } from "./AuditLogScreen";
import { ChecklistsScreen } from "./ChecklistsScreen";
import { ContactsScreen } from "./ContactsScreen";
import { DashboardScreen } from "./DashboardScreen";
import { InvoicesScreen } from "./InvoicesScreen";
import { ReportsScreen } from "./ReportsScreen";
import { SettingsScreen } from "./SettingsScreen";
import { ItemsScreen } from "../features/catalog/ItemsScreen";
import { TaxRatesScreen } from "../features/catalog/TaxRatesScreen";
import { GeneralLedgerScreen } from "../features/general-ledger/GeneralLedgerScreen";
import { TaxSummaryScreen } from "../features/tax-summary/TaxSummaryScreen";
import { BudgetVsActualScreen } from "../features/budgets/BudgetVsActualScreen";

// Charts are heavy: load them with the first screen that shows one.
const DiagnosticsScreen = lazy(() => import("./DiagnosticsScreen").then((m) => ({ default: m.DiagnosticsScreen })));

/** Picks the screen for a route. Screens not built yet show what will appear there. */
export function ScreenPage({ slug }: { slug: string }) {
  // A record another screen links to opens at its own address in the Transactions screen.
  const openRecord = useOpenRecord();
  const screen = screenBySlug(slug);
  if (!screen) {
    return (
      <section>
        <h1 tabIndex={-1}>Not found</h1>
        <EmptyState heading="There is no such screen" body="Pick a screen from the list on the left." />
      </section>
    );
  }
  if (screen.slug === "settings") return <SettingsScreen />;
  if (screen.slug === "dashboard") return <DashboardScreen onOpenRecord={openRecord} />;
  if (screen.slug === "reports") return <ReportsScreen onOpenRecord={openRecord} />;
  if (screen.slug === "invoices-and-bills") return <InvoicesScreen onOpenRecord={openRecord} />;
  if (screen.slug === "contacts") return <ContactsScreen onOpenRecord={openRecord} />;
  if (screen.slug === "accounts") return <AccountsScreen onOpenRecord={openRecord} />;
  if (screen.slug === "items") return <ItemsScreen />;
  if (screen.slug === "tax-rates") return <TaxRatesScreen />;
  if (screen.slug === "general-ledger") return <GeneralLedgerScreen onOpenRecord={openRecord} />;
  if (screen.slug === "tax-summary") return <TaxSummaryScreen onOpenRecord={openRecord} />;
  if (screen.slug === "budget-vs-actual") return <BudgetVsActualScreen />;
  if (screen.slug === "checklists") return <ChecklistsScreen />;
  if (screen.slug === "audit-log") return <AuditLogScreen />;
  if (screen.slug === "diagnostics") {
    return (
      <Suspense fallback={<p role="status">Loading…</p>}>
        <DiagnosticsScreen />
      </Suspense>
    );
  }
  return (
    <section data-testid={`screen-${screen.slug}`}>
      <h1 tabIndex={-1}>{screen.title}</h1>
      <EmptyState heading={screen.empty.heading} body={screen.empty.body} />
    </section>
  );
}

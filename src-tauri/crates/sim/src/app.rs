//! The simulated Xero app as Xero sees it in 2026: when it was created (before
//! or from 2 March 2026), its tier, and the scopes each endpoint needs.
//!
//! - An app created from 2 March 2026 may not ask for the broad scopes
//!   (`accounting.transactions`, `accounting.transactions.read`,
//!   `accounting.reports.read`): authorize answers `error=invalid_scope`.
//! - Every Accounting API endpoint needs its granular scope (xero-facts.md's
//!   map). A broad scope granted to an older app implies the granular ones it
//!   covers. A GET needs the `.read` scope or the write scope; a PUT or POST
//!   needs the write scope.
//! - Journals answers 401 `AuthorizationUnsuccessful` below the Advanced tier.
//! - Each tier connects at most so many organisations, and Starter has 1,000
//!   calls a day per tenant.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::books::Collection;
use crate::limits::Limits;

/// Xero's app tiers since 2 March 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Free: 5 connections, 1,000 calls a day per tenant, no Journals.
    Starter,
    /// 50 connections.
    Core,
    /// 1,000 connections.
    Plus,
    /// 10,000 connections, and Journals.
    Advanced,
}

impl Tier {
    /// How many organisations the app may have connected at once.
    pub fn max_connections(self) -> usize {
        match self {
            Tier::Starter => 5,
            Tier::Core => 50,
            Tier::Plus => 1_000,
            Tier::Advanced => 10_000,
        }
    }

    /// The rate limits of the tier.
    pub fn limits(self) -> Limits {
        match self {
            Tier::Starter => Limits::STARTER,
            _ => Limits::XERO,
        }
    }

    /// Whether `GET Journals` is open to the app.
    pub fn has_journals(self) -> bool {
        self == Tier::Advanced
    }

    /// The tier's name, as Xero's pricing page writes it.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Starter => "Starter",
            Tier::Core => "Core",
            Tier::Plus => "Plus",
            Tier::Advanced => "Advanced",
        }
    }
}

/// The day from which new apps get granular scopes only: 2 March 2026.
pub fn granular_scopes_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or(NaiveDate::MIN)
}

/// The creation day of the builder's default app: an app made before the
/// granular scopes, which may still use the broad ones.
pub fn legacy_app_created() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 1).unwrap_or(NaiveDate::MIN)
}

/// The broad scopes an app created from 2 March 2026 may not ask for.
pub const BROAD_SCOPES: [&str; 3] = [
    "accounting.transactions",
    "accounting.transactions.read",
    "accounting.reports.read",
];

/// The granular scopes `accounting.transactions` covers (each with its `.read`).
pub const TRANSACTION_SCOPES: [&str; 4] = [
    "accounting.invoices",
    "accounting.payments",
    "accounting.banktransactions",
    "accounting.manualjournals",
];

/// The report scopes `accounting.reports.read` covers.
pub const REPORT_SCOPES: [&str; 8] = [
    "accounting.reports.profitandloss.read",
    "accounting.reports.balancesheet.read",
    "accounting.reports.trialbalance.read",
    "accounting.reports.aged.read",
    "accounting.reports.banksummary.read",
    "accounting.reports.budgetsummary.read",
    "accounting.reports.executivesummary.read",
    "accounting.reports.taxreports.read",
];

/// The simulated Xero app: its creation day, its tier, and whether the API
/// checks scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppProfile {
    pub tier: Tier,
    pub created: NaiveDate,
    /// Whether every Accounting API call checks its scope. Always on for an
    /// app created from 2 March 2026; off by default for an older app, which
    /// then behaves as the simulator did before scopes were modelled.
    pub check_scopes: bool,
}

impl Default for AppProfile {
    fn default() -> Self {
        AppProfile::legacy()
    }
}

impl AppProfile {
    /// An app created before 2 March 2026 on the Advanced tier: broad scopes
    /// accepted, Journals open, scopes not checked. The builder's default.
    pub fn legacy() -> AppProfile {
        AppProfile {
            tier: Tier::Advanced,
            created: legacy_app_created(),
            check_scopes: false,
        }
    }

    /// A new app on the Starter tier, as every owner's own app now starts:
    /// created on 2 March 2026, granular scopes only (checked), 5
    /// connections, 1,000 calls a day, no Journals.
    pub fn new_starter() -> AppProfile {
        AppProfile {
            tier: Tier::Starter,
            created: granular_scopes_from(),
            check_scopes: true,
        }
    }

    /// Whether the app was created from 2 March 2026.
    pub fn is_new(&self) -> bool {
        self.created >= granular_scopes_from()
    }

    /// Whether the API checks each call's scope.
    pub fn checks_scopes(&self) -> bool {
        self.check_scopes || self.is_new()
    }

    /// The broad scopes in `requested` this app may not ask for (none for an
    /// older app).
    pub fn refused_scopes<'a>(&self, requested: &'a str) -> Vec<&'a str> {
        if !self.is_new() {
            return Vec::new();
        }
        requested
            .split_whitespace()
            .filter(|s| BROAD_SCOPES.contains(s))
            .collect()
    }
}

/// What one endpoint needs: any of these scope families, read or write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// Scope names without `.read`; one of them (or its `.read` for a GET) is enough.
    pub families: &'static [&'static str],
    pub write: bool,
}

impl Need {
    /// The scope a refusal names (the first family, `.read` for a GET).
    pub fn describe(&self) -> String {
        let f = self.families.first().copied().unwrap_or_default();
        if self.write || f.ends_with(".read") {
            f.to_owned()
        } else {
            format!("{f}.read")
        }
    }
}

/// The scope families of a collection's endpoint (xero-facts.md's map).
pub fn collection_scopes(c: Collection) -> &'static [&'static str] {
    match c {
        Collection::Organisation
        | Collection::Accounts
        | Collection::TaxRates
        | Collection::TrackingCategories
        | Collection::Currencies => &["accounting.settings"],
        // Items is listed under both.
        Collection::Items => &["accounting.settings", "accounting.invoices"],
        Collection::Contacts | Collection::ContactGroups => &["accounting.contacts"],
        Collection::Invoices
        | Collection::CreditNotes
        | Collection::RepeatingInvoices
        | Collection::PurchaseOrders
        | Collection::Quotes => &["accounting.invoices"],
        Collection::Payments
        | Collection::BatchPayments
        | Collection::Overpayments
        | Collection::Prepayments => &["accounting.payments"],
        Collection::BankTransactions | Collection::BankTransfers => {
            &["accounting.banktransactions"]
        }
        Collection::ManualJournals => &["accounting.manualjournals"],
        Collection::Journals => &["accounting.journals.read"],
    }
}

/// The scope of the Budgets endpoints (`/Budgets`, `/Budgets/{BudgetID}`):
/// read-only, and not covered by any broad scope.
pub const BUDGETS_SCOPES: &[&str] = &["accounting.budgets.read"];

/// The scope of a report endpoint (`/Reports/{name}`), any letter case.
/// `None` for a report Xero does not have.
pub fn report_scope(name: &str) -> Option<&'static [&'static str]> {
    const TABLE: [(&str, &[&str]); 9] = [
        ("ProfitAndLoss", &["accounting.reports.profitandloss.read"]),
        ("BalanceSheet", &["accounting.reports.balancesheet.read"]),
        ("TrialBalance", &["accounting.reports.trialbalance.read"]),
        (
            "AgedReceivablesByContact",
            &["accounting.reports.aged.read"],
        ),
        ("AgedPayablesByContact", &["accounting.reports.aged.read"]),
        ("BankSummary", &["accounting.reports.banksummary.read"]),
        ("BudgetSummary", &["accounting.reports.budgetsummary.read"]),
        (
            "ExecutiveSummary",
            &["accounting.reports.executivesummary.read"],
        ),
        // The United States' 1099 report: a published tax report.
        ("TenNinetyNine", &["accounting.reports.taxreports.read"]),
    ];
    TABLE
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, s)| *s)
}

/// The scopes a granted scope string amounts to: each one named, plus the
/// granular ones a broad scope covers.
pub fn expand(granted: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in granted.split_whitespace() {
        out.insert(s.to_owned());
        match s {
            "accounting.transactions" => {
                for g in TRANSACTION_SCOPES {
                    out.insert(g.to_owned());
                    out.insert(format!("{g}.read"));
                }
            }
            "accounting.transactions.read" => {
                for g in TRANSACTION_SCOPES {
                    out.insert(format!("{g}.read"));
                }
            }
            "accounting.reports.read" => {
                for r in REPORT_SCOPES {
                    out.insert(r.to_owned());
                }
            }
            _ => {}
        }
        // A write scope implies its read.
        if !s.ends_with(".read") && s.starts_with("accounting.") {
            out.insert(format!("{s}.read"));
        }
    }
    out
}

/// Whether a grant of `granted` (space-separated) may make a call needing `need`.
pub fn permits(granted: &str, need: Need) -> bool {
    let have = expand(granted);
    need.families.iter().any(|f| {
        // A write needs the scope itself; a read takes it or its `.read`.
        have.contains(*f)
            || (!need.write && !f.ends_with(".read") && have.contains(&format!("{f}.read")))
    })
}

/// Joins two scope strings, each scope once, in first-seen order.
pub fn union(a: &str, b: &str) -> String {
    let mut seen = BTreeSet::new();
    a.split_whitespace()
        .chain(b.split_whitespace())
        .filter(|s| seen.insert(*s))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(c: Collection) -> Need {
        Need {
            families: collection_scopes(c),
            write: false,
        }
    }

    fn put(c: Collection) -> Need {
        Need {
            families: collection_scopes(c),
            write: true,
        }
    }

    #[test]
    fn read_scopes_allow_gets_and_not_writes() {
        assert!(permits(
            "accounting.payments.read",
            get(Collection::Payments)
        ));
        assert!(!permits(
            "accounting.payments.read",
            put(Collection::Payments)
        ));
        assert!(permits("accounting.payments", put(Collection::Payments)));
        assert!(permits(
            "accounting.payments",
            get(Collection::Overpayments)
        ));
        assert!(!permits(
            "accounting.invoices.read",
            get(Collection::Payments)
        ));
    }

    #[test]
    fn broad_scopes_cover_their_granular_ones_only() {
        let broad = "accounting.transactions.read";
        for c in [
            Collection::Invoices,
            Collection::Payments,
            Collection::BankTransfers,
            Collection::ManualJournals,
            Collection::Quotes,
        ] {
            assert!(permits(broad, get(c)), "{c}");
            assert!(!permits(broad, put(c)), "{c}");
        }
        assert!(!permits(broad, get(Collection::Contacts)));
        assert!(!permits(broad, get(Collection::Accounts)));
        assert!(!permits(broad, get(Collection::Journals)));
        assert!(permits(
            "accounting.transactions",
            put(Collection::Payments)
        ));
        let tb = Need {
            families: report_scope("trialbalance").unwrap(),
            write: false,
        };
        assert!(permits("accounting.reports.read", tb));
        assert!(permits("accounting.reports.trialbalance.read", tb));
        assert!(!permits("accounting.reports.profitandloss.read", tb));
    }

    #[test]
    fn items_take_either_scope() {
        assert!(permits("accounting.settings.read", get(Collection::Items)));
        assert!(permits("accounting.invoices.read", get(Collection::Items)));
        assert!(!permits("accounting.contacts.read", get(Collection::Items)));
    }

    #[test]
    fn only_new_apps_refuse_broad_scopes() {
        let asked = "openid offline_access accounting.transactions.read accounting.invoices.read accounting.reports.read";
        assert_eq!(
            AppProfile::new_starter().refused_scopes(asked),
            vec!["accounting.transactions.read", "accounting.reports.read"]
        );
        assert!(AppProfile::legacy().refused_scopes(asked).is_empty());
        let day_before = AppProfile {
            created: granular_scopes_from().pred_opt().unwrap(),
            ..AppProfile::new_starter()
        };
        assert!(!day_before.is_new());
    }

    #[test]
    fn union_keeps_each_scope_once() {
        assert_eq!(
            union(
                "openid accounting.invoices.read",
                "accounting.invoices.read accounting.payments"
            ),
            "openid accounting.invoices.read accounting.payments"
        );
    }
}

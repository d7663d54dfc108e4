//! The map of what each scope opens agrees with the simulator's own check of
//! each endpoint's scope (sim `app::collection_scopes`, `app::report_scope`
//! and `app::permits`, written from the same table of Xero's), so the two
//! cannot drift: for every scope Ledgerkeep asks for, an endpoint the
//! simulator serves is in the map exactly when the simulator lets a sign-in
//! granted only that scope read it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ledgerkeep_sim::app::{collection_scopes, permits, report_scope, Need, BUDGETS_SCOPES};
use ledgerkeep_sim::Collection;
use ledgerkeep_xero::{scope_endpoints, ScopeChoice};

/// Every report the simulator serves, as `/Reports/{name}`.
const SIM_REPORTS: [&str; 9] = [
    "ProfitAndLoss",
    "BalanceSheet",
    "TrialBalance",
    "AgedReceivablesByContact",
    "AgedPayablesByContact",
    "BankSummary",
    "BudgetSummary",
    "ExecutiveSummary",
    "TenNinetyNine",
];

/// Endpoints in Xero's table that the simulator does not serve (so it has no
/// say about them).
const NOT_SIMULATED: [&str; 8] = [
    "BrandingThemes",
    "Users",
    "LinkedTransactions",
    "BatchPayments",
    "ExpenseClaims",
    "Receipts",
    "Attachments",
    // The published tax returns' list.
    "Reports",
];

fn every_scope_asked_for() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for legacy in [false, true] {
        for record_payments in [false, true] {
            for s in (ScopeChoice {
                legacy,
                record_payments,
            })
            .scopes()
            {
                if !out.contains(&s) {
                    out.push(s);
                }
            }
        }
    }
    // What the simulator knows and Ledgerkeep does not ask for by default.
    for s in [
        "accounting.reports.budgetsummary.read",
        "accounting.reports.executivesummary.read",
        "accounting.transactions",
    ] {
        out.push(s.to_owned());
    }
    out
}

#[test]
fn every_scope_opens_exactly_the_endpoints_the_simulator_lets_it_read() {
    let mut checked = 0;
    for scope in every_scope_asked_for() {
        let opens = scope_endpoints(&scope);
        for c in Collection::ALL {
            let need = Need {
                families: collection_scopes(c),
                write: false,
            };
            assert_eq!(
                opens.contains(&c.path()),
                permits(&scope, need),
                "{scope} and {}: the map says {}, the simulator the opposite",
                c.path(),
                opens.contains(&c.path())
            );
            checked += 1;
        }
        for r in SIM_REPORTS {
            let need = Need {
                families: report_scope(r).expect("a report the simulator serves"),
                write: false,
            };
            let endpoint = format!("Reports/{r}");
            assert_eq!(
                opens.iter().any(|e| *e == endpoint),
                permits(&scope, need),
                "{scope} and {endpoint}"
            );
            checked += 1;
        }
        let budgets = Need {
            families: BUDGETS_SCOPES,
            write: false,
        };
        assert_eq!(
            opens.contains(&"Budgets"),
            permits(&scope, budgets),
            "{scope} and Budgets"
        );
        checked += 1;
        // Nothing in the map escapes the check but what the simulator does not serve.
        for e in &opens {
            let simulated = *e == "Budgets"
                || Collection::from_path(e).is_some_and(|c| c.path() == *e)
                || e.strip_prefix("Reports/")
                    .is_some_and(|r| SIM_REPORTS.contains(&r));
            assert!(
                simulated || NOT_SIMULATED.contains(e),
                "{scope} opens {e}, which neither the simulator nor the list of endpoints it lacks knows"
            );
        }
    }
    assert!(checked > 500, "{checked}");
}

#[test]
fn the_write_scope_for_payments_lets_the_simulator_accept_a_payment() {
    for scope in ["accounting.payments", "accounting.transactions"] {
        assert!(scope_endpoints(scope).contains(&"Payments"));
        assert!(permits(
            scope,
            Need {
                families: collection_scopes(Collection::Payments),
                write: true,
            }
        ));
    }
    assert!(!permits(
        "accounting.payments.read",
        Need {
            families: collection_scopes(Collection::Payments),
            write: true,
        }
    ));
}

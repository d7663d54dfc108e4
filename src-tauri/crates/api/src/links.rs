//! `ledgerkeep://` links: what each one asks the app to do.
//!
//! The shell receives links from the OS (a click in the browser, a second
//! launch) and hands their text here. Only what is listed here is accepted.

use serde::{Deserialize, Serialize};

use crate::ApiError;

/// The app's screens, as the UI's router names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum Screen {
    Dashboard,
    Transactions,
    InvoicesAndBills,
    Contacts,
    Reports,
    Accounts,
    GeneralLedger,
    TaxSummary,
    BudgetVsActual,
    Items,
    TaxRates,
    Checklists,
    AuditLog,
    Settings,
    Diagnostics,
}

impl Screen {
    pub const ALL: [Screen; 15] = [
        Screen::Dashboard,
        Screen::Transactions,
        Screen::InvoicesAndBills,
        Screen::Contacts,
        Screen::Reports,
        Screen::Accounts,
        Screen::GeneralLedger,
        Screen::TaxSummary,
        Screen::BudgetVsActual,
        Screen::Items,
        Screen::TaxRates,
        Screen::Checklists,
        Screen::AuditLog,
        Screen::Settings,
        Screen::Diagnostics,
    ];

    /// The name used in links and routes (`invoices-and-bills`).
    pub fn slug(self) -> &'static str {
        match self {
            Screen::Dashboard => "dashboard",
            Screen::Transactions => "transactions",
            Screen::InvoicesAndBills => "invoices-and-bills",
            Screen::Contacts => "contacts",
            Screen::Accounts => "accounts",
            Screen::GeneralLedger => "general-ledger",
            Screen::TaxSummary => "tax-summary",
            Screen::BudgetVsActual => "budget-vs-actual",
            Screen::Items => "items",
            Screen::TaxRates => "tax-rates",
            Screen::Reports => "reports",
            Screen::Checklists => "checklists",
            Screen::AuditLog => "audit-log",
            Screen::Settings => "settings",
            Screen::Diagnostics => "diagnostics",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Screen> {
        Screen::ALL.into_iter().find(|s| s.slug() == slug)
    }
}

/// What a `ledgerkeep://` link asks for.
#[derive(PartialEq, Eq)]
pub enum Link {
    /// `ledgerkeep://open/<screen>`: show that screen.
    Open(Screen),
    /// `ledgerkeep://oauth/callback?code=…&state=…`: the end of a Xero sign-in.
    /// The query holds a one-time code: it is never printed.
    OAuthCallback { query: String },
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Link::Open(screen) => f.debug_tuple("Open").field(screen).finish(),
            Link::OAuthCallback { .. } => f.write_str("OAuthCallback { query: <redacted> }"),
        }
    }
}

/// Reads a link. Anything that is not a `ledgerkeep://` link the app knows is refused.
pub fn parse_link(text: &str) -> Result<Link, ApiError> {
    let refuse = || ApiError::invalid("That link is not one Ledgerkeep knows.");
    let rest = text.strip_prefix("ledgerkeep://").ok_or_else(refuse)?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = path.trim_end_matches('/');
    if path == "oauth/callback" {
        return Ok(Link::OAuthCallback {
            query: query.to_owned(),
        });
    }
    path.strip_prefix("open/")
        .and_then(Screen::from_slug)
        .map(Link::Open)
        .ok_or_else(refuse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_links_name_a_screen() {
        assert_eq!(
            parse_link("ledgerkeep://open/reports").unwrap(),
            Link::Open(Screen::Reports)
        );
        assert_eq!(
            parse_link("ledgerkeep://open/invoices-and-bills/").unwrap(),
            Link::Open(Screen::InvoicesAndBills)
        );
    }

    #[test]
    fn every_screen_round_trips_through_its_slug() {
        for screen in Screen::ALL {
            assert_eq!(Screen::from_slug(screen.slug()), Some(screen));
            let json = serde_json::to_string(&screen).unwrap();
            assert_eq!(json, format!("\"{}\"", screen.slug()));
        }
    }

    #[test]
    fn unknown_links_are_refused() {
        for bad in [
            "https://open/reports",
            "ledgerkeep://open/nowhere",
            "ledgerkeep://delete/everything",
            "ledgerkeep:open/reports",
            "",
        ] {
            assert!(parse_link(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_oauth_callback_never_prints_its_code() {
        let link = parse_link("ledgerkeep://oauth/callback?code=SECRET123&state=abc").unwrap();
        let Link::OAuthCallback { query } = &link else {
            panic!("not a callback: {link:?}");
        };
        assert_eq!(query, "code=SECRET123&state=abc");
        assert!(!format!("{link:?}").contains("SECRET123"));
    }
}

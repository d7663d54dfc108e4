//! Xero's budgets, fetched with Xero's reports at the end of a complete sync
//! (`reports.rs`, when its regular reports are due: the first sync, a new
//! month, or every `SyncRequest::reports_every`) and kept in the ledger
//! (`ledgerkeep_store::budgets`), so that the profit and loss can be set
//! against them offline.
//!
//! Calls: `GET Budgets` (one), then `GET Budgets/{BudgetID}` with
//! `DateFrom`/`DateTo` for each budget (one each): the months from
//! [`MONTHS_BACK`] months before this month to [`MONTHS_AHEAD`] after it.
//! Like the reports, no call while less than a tenth of the day's budget is
//! left. A sign-in without `accounting.budgets.read` (Xero answers 401 or
//! 403) fetches nothing and fails nothing; neither does a budget that does
//! not parse (logged, not stored).

use chrono::{Datelike, Months, NaiveDate};
use ledgerkeep_domain::dates::parse_ms_date;
use ledgerkeep_domain::{canonical_json, format_instant, Actor, Money};
use ledgerkeep_store::budgets::{BudgetHeader, BudgetLineFact, BudgetRead};
use ledgerkeep_xero::{ApiRequest, XeroError, XeroResponse};
use serde_json::Value;

use crate::engine::{RunState, SyncEngine, SyncRequest};

/// The months before this month whose budget is kept.
pub const MONTHS_BACK: u32 = 23;
/// The months after this month whose budget is kept.
pub const MONTHS_AHEAD: u32 = 12;

/// What the fetch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BudgetsFetched {
    pub calls: u64,
    /// Budgets saved (changed or not).
    pub budgets: u64,
    /// Lines added, changed or removed.
    pub lines_changed: u64,
}

/// The months fetched on `today`: the first day of the first month and the
/// last day of the last.
pub fn window(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = today.with_day(1).unwrap_or(today);
    let from = first
        .checked_sub_months(Months::new(MONTHS_BACK))
        .unwrap_or(first);
    let to = first
        .checked_add_months(Months::new(MONTHS_AHEAD + 1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    (from, to)
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// A JSON amount as exact decimal text (a number's own text, or a string).
fn amount(v: &Value) -> Option<rust_decimal::Decimal> {
    let t = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    Money::parse(&t).ok().map(|m| m.as_decimal())
}

/// `YYYY-MM` from Xero's period: `2019-08`, an ISO date, or a `/Date(…)/`.
fn period(v: &Value) -> Option<String> {
    let s = v.as_str()?.trim();
    if s.starts_with("/Date(") {
        let d = parse_ms_date(s).ok()?.local_date();
        return Some(d.format("%Y-%m").to_string());
    }
    let head = s.get(..7)?;
    let ok = head.as_bytes().iter().enumerate().all(|(i, b)| {
        if i == 4 {
            *b == b'-'
        } else {
            b.is_ascii_digit()
        }
    });
    ok.then(|| head.to_owned())
}

/// A budget and its lines from Xero's JSON (one element of `Budgets`).
pub fn parse_budget(v: &Value) -> Result<(BudgetHeader, Vec<BudgetLineFact>), String> {
    let budget_id = text(v, "BudgetID").ok_or("a budget without a BudgetID")?;
    let updated_utc = match text(v, "UpdatedDateUTC") {
        Some(u) if u.starts_with("/Date(") => Some(format_instant(
            parse_ms_date(&u)
                .map_err(|e| format!("budget {budget_id}: UpdatedDateUTC: {e}"))?
                .instant,
        )),
        other => other,
    };
    let header = BudgetHeader {
        budget_type: text(v, "Type").unwrap_or_else(|| "OVERALL".to_owned()),
        status: text(v, "Status"),
        description: text(v, "Description"),
        tracking_json: canonical_json(&v.get("Tracking").cloned().unwrap_or(Value::Array(vec![]))),
        updated_utc,
        budget_id: budget_id.clone(),
    };
    let mut lines = Vec::new();
    for l in v["BudgetLines"].as_array().into_iter().flatten() {
        let account_id = text(l, "AccountID").unwrap_or_default();
        let account_code = text(l, "AccountCode").unwrap_or_default();
        if account_id.is_empty() && account_code.is_empty() {
            return Err(format!("budget {budget_id}: a line names no account"));
        }
        for b in l["BudgetBalances"].as_array().into_iter().flatten() {
            let p = period(&b["Period"])
                .ok_or_else(|| format!("budget {budget_id}: a period that is not a month"))?;
            let a = amount(&b["Amount"])
                .ok_or_else(|| format!("budget {budget_id}: an amount that is not a decimal"))?;
            lines.push(BudgetLineFact {
                account_id: account_id.clone(),
                account_code: account_code.clone(),
                period: p,
                amount: a,
                notes: text(b, "Notes"),
            });
        }
    }
    Ok((header, lines))
}

impl SyncEngine {
    /// One call for what is fetched beside the reports (budgets, published
    /// tax returns), counted in `calls`; `None` when cancelled, low on calls
    /// (under a tenth of the tenant's day), or failed (logged as `what` not fetched).
    pub(crate) async fn side_call(
        &self,
        st: &mut RunState<'_>,
        api: &ApiRequest,
        calls: &mut u64,
        what: &str,
    ) -> Option<Value> {
        let tenant = st.tenant;
        let limiter = self.xero().client().limiter();
        if limiter.day_left(tenant) < limiter.day_budget(tenant) / 10 || st.cancel.is_cancelled() {
            return None;
        }
        let client = self.xero().client();
        st.busy = None;
        let answer: Option<Result<XeroResponse, XeroError>> = tokio::select! {
            biased;
            () = st.cancel.cancelled() => None,
            r = client.get(tenant, api) => Some(r),
        };
        st.busy = self.time().sleeper.hold();
        let answer = answer?;
        self.note_call();
        *calls += 1;
        match answer {
            Ok(resp) => Some(resp.body),
            Err(e) => {
                tracing::warn!(error = %e, "{what} not fetched");
                None
            }
        }
    }

    /// Fetches and keeps the organisation's budgets (see the module).
    pub(crate) async fn fetch_budgets(
        &self,
        st: &mut RunState<'_>,
        req: &SyncRequest,
        today: NaiveDate,
    ) -> BudgetsFetched {
        let mut out = BudgetsFetched::default();
        let mut list = ApiRequest::get("Budgets");
        list.priority = req.priority;
        let Some(body) = self
            .side_call(st, &list, &mut out.calls, "Xero's budgets")
            .await
        else {
            return out;
        };
        let ids: Vec<String> = body["Budgets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| text(b, "BudgetID"))
            .collect();
        let (from, to) = window(today);
        let ymd = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let ym = |d: NaiveDate| d.format("%Y-%m").to_string();
        let actor = Actor::sync(format!("budgets-{}", uuid::Uuid::new_v4()));
        for id in ids {
            let mut one = ApiRequest::get(format!("Budgets/{id}"))
                .query("DateFrom", ymd(from))
                .query("DateTo", ymd(to));
            one.priority = req.priority;
            let Some(body) = self
                .side_call(st, &one, &mut out.calls, "Xero's budgets")
                .await
            else {
                break;
            };
            // One budget comes as the array's one element (or, as the spec's
            // example writes it, as the object itself).
            let v = match &body["Budgets"] {
                Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
                other => other.clone(),
            };
            let (header, lines) = match parse_budget(&v) {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "a budget from Xero not stored");
                    continue;
                }
            };
            let read = BudgetRead {
                header,
                lines,
                from: ym(from),
                to: ym(to),
            };
            match self
                .store()
                .save_budget(st.tenant, &read, &actor, self.now())
                .await
            {
                Ok(saved) => {
                    out.budgets += 1;
                    out.lines_changed +=
                        saved.lines_added + saved.lines_changed + saved.lines_removed;
                }
                Err(e) => tracing::warn!(error = %e, "a budget from Xero not stored"),
            }
        }
        tracing::info!(
            calls = out.calls,
            budgets = out.budgets,
            lines_changed = out.lines_changed,
            "Xero's budgets fetched"
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_window_is_two_years_back_and_a_year_ahead() {
        let (from, to) = window(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
        assert_eq!(from, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
        assert_eq!(to, NaiveDate::from_ymd_opt(2027, 12, 31).unwrap());
    }

    #[test]
    fn a_budget_parses_exactly_in_every_period_form() {
        let v: Value = serde_json::from_str(
            r#"{"BudgetID":"b","Type":"TRACKING","Description":"North","UpdatedDateUTC":"/Date(1622138002077+0000)/",
                "Tracking":[{"Name":"Region","Option":"North"}],
                "BudgetLines":[{"AccountID":"a1","AccountCode":"200","BudgetBalances":[
                    {"Period":"2019-08","Amount":98765432109876.54,"Notes":"n"},
                    {"Period":"2019-09-01T00:00:00","Amount":"1050"},
                    {"Period":"/Date(1572566400000+0000)/","Amount":-0.5}]}]}"#,
        )
        .unwrap();
        let (h, lines) = parse_budget(&v).unwrap();
        assert_eq!(h.budget_type, "TRACKING");
        assert_eq!(
            h.updated_utc.as_deref().map(|u| &u[..10]),
            Some("2021-05-27")
        );
        assert!(h.tracking_json.contains("North"));
        let got: Vec<(String, String)> = lines
            .iter()
            .map(|l| (l.period.clone(), l.amount.to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2019-08".to_owned(), "98765432109876.54".to_owned()),
                ("2019-09".to_owned(), "1050".to_owned()),
                ("2019-11".to_owned(), "-0.5".to_owned()),
            ]
        );
        assert!(parse_budget(&json!({"BudgetLines": []})).is_err());
        assert!(
            parse_budget(&json!({"BudgetID": "b", "BudgetLines": [{"BudgetBalances": []}]}))
                .is_err()
        );
    }
}

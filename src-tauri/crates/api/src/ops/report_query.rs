//! A report asked for with the usual things left out, as the command line
//! asks: the organisation (when the ledger holds just one), the end or as-at
//! date (today in the organisation's time zone) and a period's start (the
//! start of the financial year that holds its end). Resolved here, then run
//! by [`run_report`](crate::ops::reports::run_report) like any other report.

use chrono::{DateTime, Days, NaiveDate, Utc};
use ledgerkeep_domain::reports::financial_year_start;
use ledgerkeep_domain::timezone;
use serde::{Deserialize, Serialize};

use crate::ops::reports::{run_report, ReportBasis, ReportKind, ReportPeriod, ReportRequest};
use crate::{ApiError, AppContext, ReportView};

/// A report with defaults to fill in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportQuery {
    pub kind: ReportKind,
    /// Absent: the one organisation in the ledger.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// A period's start (`YYYY-MM-DD`); absent: the start of the financial
    /// year holding `to`. Only the profit and loss and the cash summary take one.
    #[serde(default)]
    pub from: Option<String>,
    /// A period's end; absent: today in the organisation's time zone. For a
    /// report as at a date, the same as `as_at`.
    #[serde(default)]
    pub to: Option<String>,
    /// The date of a balance sheet, trial balance or aged report; absent:
    /// `to`, else today in the organisation's time zone.
    #[serde(default)]
    pub as_at: Option<String>,
    #[serde(default)]
    pub basis: Option<ReportBasis>,
}

fn date(what: &str, v: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
        ApiError::invalid(format!(
            "The {what} '{}' is not a date: write it like 2026-03-31.",
            v.trim()
        ))
    })
}

/// The calendar day `now` falls on in the IANA zone `zone` (UTC's day when
/// the zone is unknown).
fn local_today(zone: Option<&str>, now: DateTime<Utc>) -> NaiveDate {
    let utc_day = now.date_naive();
    let Some(zone) = zone else {
        return utc_day;
    };
    // Every zone is within a day of UTC: the local day is the latest of
    // yesterday, today and tomorrow (UTC's) that has begun there.
    [
        utc_day.checked_add_days(Days::new(1)),
        Some(utc_day),
        utc_day.checked_sub_days(Days::new(1)),
    ]
    .into_iter()
    .flatten()
    .find(|d| timezone::local_day_start_utc(zone, *d).is_some_and(|start| start <= now))
    .unwrap_or(utc_day)
}

/// Runs the report `q` asks for, with its defaults filled in.
#[tracing::instrument(name = "op", skip_all, fields(op = "run_report_query", request_id = %crate::request_id()))]
pub async fn run_report_query(ctx: &AppContext, q: ReportQuery) -> Result<ReportView, ApiError> {
    let orgs = ctx.store().organisations().await?;
    let listed = || {
        orgs.iter()
            .map(
                |o| match o.name.as_deref().filter(|n| !n.trim().is_empty()) {
                    Some(n) => format!("{n} ({})", o.tenant_id),
                    None => o.tenant_id.clone(),
                },
            )
            .collect::<Vec<_>>()
            .join(", ")
    };
    let wanted = q
        .tenant_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let org = match wanted {
        Some(t) => orgs.iter().find(|o| o.tenant_id.eq_ignore_ascii_case(t)).ok_or_else(|| {
            if orgs.is_empty() {
                ApiError::invalid(format!(
                    "The organisation {t} is not in the ledger, which holds none yet: connect to Xero and sync first."
                ))
            } else {
                ApiError::invalid(format!(
                    "The organisation {t} is not in the ledger. It holds: {}.",
                    listed()
                ))
            }
        })?,
        None => match orgs.as_slice() {
            [one] => one,
            [] => {
                return Err(ApiError::invalid(
                    "The ledger holds no organisation yet: connect to Xero and sync first.",
                ))
            }
            _ => {
                return Err(ApiError::invalid(format!(
                    "The ledger holds {} organisations: choose one by its tenant id: {}.",
                    orgs.len(),
                    listed()
                )))
            }
        },
    };
    let tenant = org.tenant_id.clone();
    let zone = org.timezone.as_deref().and_then(timezone::iana_timezone);
    let today = local_today(zone, ctx.config().now());
    let over_period = matches!(q.kind, ReportKind::ProfitAndLoss | ReportKind::CashSummary);
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (from, to) = if over_period {
        if given(&q.as_at).is_some() {
            return Err(ApiError::invalid(
                "This report covers a period: give its start and end dates, not an as-at date.",
            ));
        }
        let to = match given(&q.to) {
            Some(t) => date("end date", &t)?,
            None => today,
        };
        let from = match given(&q.from) {
            Some(f) => date("start date", &f)?,
            None => {
                let o = ctx.store().reporting_organisation(&tenant).await?;
                let (day, month) = o.map_or((31, 12), |o| {
                    (
                        o.financial_year_end_day.unwrap_or(31),
                        o.financial_year_end_month.unwrap_or(12),
                    )
                });
                financial_year_start(to, day, month)
            }
        };
        (Some(from), to)
    } else {
        if given(&q.from).is_some() {
            return Err(ApiError::invalid(
                "This report is as at one date: give it as the as-at date, with no start date.",
            ));
        }
        let as_at = match (given(&q.as_at), given(&q.to)) {
            (Some(a), Some(t)) if a != t => {
                return Err(ApiError::invalid(
                    "The as-at date and the end date differ: give one of them.",
                ))
            }
            (Some(a), _) | (None, Some(a)) => date("as-at date", &a)?,
            (None, None) => today,
        };
        (None, as_at)
    };
    let fmt = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    run_report(
        ctx,
        ReportRequest {
            tenant_id: tenant,
            kind: q.kind,
            period: ReportPeriod {
                from: from.map(fmt),
                to: fmt(to),
            },
            comparisons: Vec::new(),
            basis: q.basis,
            tracking: None,
            by_tracking_category: None,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn today_is_the_organisations_calendar_day() {
        // 20:00 UTC on 5 December is already 6 December in Auckland (UTC+13).
        let now = at("2026-12-05T20:00:00Z");
        assert_eq!(local_today(Some("Pacific/Auckland"), now), day(2026, 12, 6));
        // 03:00 UTC on 5 December is still 4 December in Los Angeles (UTC-8).
        let early = at("2026-12-05T03:00:00Z");
        assert_eq!(
            local_today(Some("America/Los_Angeles"), early),
            day(2026, 12, 4)
        );
        assert_eq!(local_today(Some("Europe/London"), now), day(2026, 12, 5));
        assert_eq!(local_today(None, early), day(2026, 12, 5));
    }

    #[test]
    fn a_bad_date_is_named_in_the_refusal() {
        let e = date("as-at date", "2026-02-30").unwrap_err();
        assert!(e.message.contains("as-at date") && e.message.contains("2026-02-30"));
    }
}

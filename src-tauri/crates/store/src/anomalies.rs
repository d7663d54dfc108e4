//! Anomaly detection on the local ledger (issue #8), run after each sync.
//!
//! Each rule reads the ledger's tables (and, for changes, the audit trail) and
//! yields [`Finding`]s: what it found, as [`FindingFacts`] (the records behind
//! it, the contact, the dates and the figures), and a stable key made of the
//! rule and those records' ids. [`LedgerStore::detect_anomalies`] stores them
//! in `anomaly_findings` (see `migrations/0004_anomalies.sql`), the facts as
//! JSON (`facts_json`, `migrations/0021_anomaly_facts.sql`): detecting again
//! updates a row rather than adding one, so a dismissed finding stays
//! dismissed; a finding no longer detected is marked resolved.
//! [`LedgerStore::dismiss_finding`] records the owner's reason and appends an
//! audit row in the same transaction.
//!
//! The store words nothing: the fronts do (the API's `ops::anomalies`). Rows
//! stored before schema 21 hold sentences and no facts; they are read as
//! [`Found::Worded`] until a detection finds them again.
//!
//! The rules themselves are pure functions in `ledgerkeep_ledger` (its
//! `anomalies` module, and `backdated`), with their thresholds in
//! [`AnomalyConfig`] (settings `anomalies.*`): each takes facts (ids, dates,
//! amounts, contacts, types, statuses) and returns which records it found
//! and the figures that make the finding. This module reads those facts with
//! SQL and keeps each result as [`FindingFacts`]:
//! - **duplicate bills** (`duplicate_bills`): two bills from one supplier
//!   alike in amount, currency and date, or in supplier reference;
//! - **bank details changed** (`bank_details_changed`): a contact's
//!   `BankAccountDetails` replaced, from the audit trail's old and new values;
//! - **backdated entries** (`backdated`): the first journal of a transaction
//!   (reversals and re-posts of an edit are not entries of their own), by the
//!   day Xero created it. Without Journals (a Starter app), a document that
//!   arrived after detection began watching the organisation (the end of its
//!   first complete sync), by its `UpdatedDateUTC` when first stored; the
//!   books of the first sync are not judged, as no endpoint says when they
//!   were entered;
//! - **edits after the lock date** (`edit_after_lock`): from the audit trail's
//!   changes to each document;
//! - **paid twice** (`overpaid`, `paid_again_by_bank`);
//! - **outliers** (`outliers`): per contact, kind and currency;
//! - **round amounts** (`round_spends`, `round_bill_payments`).
//!
//! Money is `Decimal` throughout; the integer `*_e4` columns only narrow the
//! candidates in SQL (as do the types and statuses in `WHERE` clauses), and
//! the rules make every comparison again on the decimals.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use ledgerkeep_domain::xero::{DocumentStatus, InvoiceType};
use ledgerkeep_domain::{format_instant, Actor, EntityKind, XeroDate, XeroDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::{Row, SqliteConnection};

use crate::audit::{self, AuditAction, PendingAudit};
use crate::{LedgerStore, StoreError};

pub use ledgerkeep_ledger::{
    AnomalyConfig, AnomalyRule, DatedBill, FieldEdit, FindingFacts, PaymentRef, RecordRef,
};

/// A record a finding rested on, as findings stored before schema 21 worded
/// it (with a label).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordLink {
    pub entity: EntityKind,
    pub xero_id: String,
    /// What the owner knows it by: a number, a reference, a name.
    pub label: String,
}

/// One anomaly, as a rule finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable: the rule and the ids of the records behind it.
    pub key: String,
    pub facts: FindingFacts,
}

impl Finding {
    pub fn rule(&self) -> AnomalyRule {
        self.facts.rule()
    }
}

/// What a stored finding holds: its facts, or (stored before schema 21 and
/// not detected since) the sentences it was stored with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Facts(Box<FindingFacts>),
    Worded(WordedFinding),
}

impl Found {
    pub fn facts(&self) -> Option<&FindingFacts> {
        match self {
            Found::Facts(f) => Some(f.as_ref()),
            Found::Worded(_) => None,
        }
    }
}

/// A finding as stored before schema 21: a title, a sentence and worded links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordedFinding {
    pub title: String,
    pub explanation: String,
    pub records: Vec<RecordLink>,
}

/// A finding as stored, with its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFinding {
    pub id: i64,
    pub tenant_id: String,
    /// Stable: the rule and the ids of the records behind it.
    pub key: String,
    pub rule: AnomalyRule,
    pub found: Found,
    /// The amount at stake, if one.
    pub amount: Option<Decimal>,
    pub currency_code: Option<String>,
    pub first_seen_at: String,
    pub last_seen_at: String,
    /// Set when a later detection no longer found it.
    pub resolved_at: Option<String>,
    pub dismissed: Option<Dismissal>,
}

/// Who dismissed a finding, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dismissal {
    pub at: String,
    pub by: String,
    pub reason: String,
}

/// What a detection run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DetectionOutcome {
    /// Findings detected this time (new or seen before).
    pub found: usize,
    /// Findings never stored before.
    pub new: usize,
    /// Stored findings no longer detected.
    pub resolved: usize,
    /// Detected, neither dismissed nor resolved.
    pub open: usize,
}

/// The result of a dismissal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DismissOutcome {
    Dismissed(StoredFinding),
    AlreadyDismissed(StoredFinding),
    NotFound,
}

/// The longest dismissal reason kept.
pub const MAX_REASON_CHARS: usize = 1000;

fn data_err(e: serde_json::Error) -> StoreError {
    StoreError::value("a finding's JSON")(e)
}

fn dec(text: Option<&str>) -> Option<Decimal> {
    text.and_then(|t| t.trim().parse::<Decimal>().ok())
}

fn day(text: Option<&str>) -> Option<NaiveDate> {
    let t = text?;
    NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()
}

fn xero_day(text: Option<&str>) -> Option<XeroDate> {
    day(text).map(XeroDate)
}

/// The setting that holds where detection began watching an organisation.
fn watch_key(tenant: &str) -> String {
    format!("anomalies.watching_since.{tenant}")
}

/// Where detection began watching: the last audit row then, and the instant.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Watch {
    seq: i64,
    at: String,
}

async fn watch(conn: &mut SqliteConnection, tenant: &str) -> Result<Option<Watch>, StoreError> {
    let json: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
        .bind(watch_key(tenant))
        .fetch_optional(&mut *conn)
        .await?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

/// The instant a Xero date field holds (`/Date(ms+hhmm)/` or ISO text).
fn instant_of(v: Option<&Value>) -> Option<DateTime<Utc>> {
    XeroDateTime::parse(v?.as_str()?).ok().map(|d| d.0)
}

fn pair_key(rule: AnomalyRule, a: &str, b: &str) -> String {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    if a <= b {
        format!("{}:{a}:{b}", rule.as_str())
    } else {
        format!("{}:{b}:{a}", rule.as_str())
    }
}

/// A Xero code column, as its enum (the text kept whole when unknown).
fn code<C: From<String>>(
    r: &sqlx::sqlite::SqliteRow,
    column: &str,
) -> Result<Option<C>, sqlx::Error> {
    Ok(r.try_get::<Option<String>, _>(column)?.map(C::from))
}

impl LedgerStore {
    /// Runs every rule on one organisation's books and stores what they find.
    pub async fn detect_anomalies(
        &self,
        tenant_id: &str,
        config: &AnomalyConfig,
        now: DateTime<Utc>,
    ) -> Result<DetectionOutcome, StoreError> {
        self.begin_watching(tenant_id, now).await?;
        let findings = self.find_anomalies(tenant_id, config).await?;
        self.store_findings(tenant_id, &findings, now).await
    }

    /// Marks where the organisation's books stood when detection first ran
    /// (the end of its first complete sync), once: the documents stored
    /// after it, and changed in Xero after it, arrived while Ledgerkeep was
    /// watching, so the day they were first seen is the day they were
    /// entered (what the backdated rule needs without Journals).
    async fn begin_watching(&self, tenant_id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let key = watch_key(tenant_id);
        if self.setting(&key).await?.is_some() {
            return Ok(());
        }
        let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log")
            .fetch_one(self.pool())
            .await?;
        let watch = Watch {
            seq: seq.unwrap_or(0),
            at: format_instant(now),
        };
        let json = serde_json::to_string(&watch).map_err(data_err)?;
        self.set_setting(&key, &json, now).await
    }

    /// Runs every rule on one organisation's books; stores nothing.
    pub async fn find_anomalies(
        &self,
        tenant_id: &str,
        config: &AnomalyConfig,
    ) -> Result<Vec<Finding>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let mut out = Vec::new();
        out.extend(duplicate_bills(&mut conn, tenant_id, config).await?);
        out.extend(bank_details_changed(&mut conn, tenant_id).await?);
        out.extend(backdated_entries(&mut conn, tenant_id, config).await?);
        out.extend(edits_after_lock(&mut conn, tenant_id).await?);
        out.extend(paid_twice(&mut conn, tenant_id, config).await?);
        out.extend(outliers(&mut conn, tenant_id, config).await?);
        out.extend(round_amounts(&mut conn, tenant_id, config).await?);
        // One finding per key (a rule may reach the same pair twice).
        let mut seen = HashSet::new();
        out.retain(|f| seen.insert(f.key.clone()));
        Ok(out)
    }

    /// The thresholds from the settings `anomalies.*`, or their defaults.
    pub async fn anomaly_config(&self) -> Result<AnomalyConfig, StoreError> {
        let d = AnomalyConfig::default();
        let int = |key: &'static str, default: i64| async move {
            self.setting_i64((key, default)).await.map(|v| v.max(0))
        };
        let decimal = |key: &'static str, default: Decimal| async move {
            Ok::<_, StoreError>(
                self.setting(key)
                    .await?
                    .and_then(|t| t.trim().trim_matches('"').parse::<Decimal>().ok())
                    .filter(|v| *v > Decimal::ZERO)
                    .unwrap_or(default),
            )
        };
        Ok(AnomalyConfig {
            duplicate_window_days: int("anomalies.duplicate_window_days", d.duplicate_window_days)
                .await?,
            backdated_days: int("anomalies.backdated_days", d.backdated_days).await?,
            paid_twice_window_days: int(
                "anomalies.paid_twice_window_days",
                d.paid_twice_window_days,
            )
            .await?,
            outlier_min_history: usize::try_from(
                int(
                    "anomalies.outlier_min_history",
                    i64::try_from(d.outlier_min_history).unwrap_or(5),
                )
                .await?,
            )
            .unwrap_or(d.outlier_min_history)
            .max(1),
            outlier_factor: decimal("anomalies.outlier_factor", d.outlier_factor).await?,
            outlier_over_max: decimal("anomalies.outlier_over_max", d.outlier_over_max).await?,
            round_min: decimal("anomalies.round_min", d.round_min).await?,
            round_unit: decimal("anomalies.round_unit", d.round_unit).await?,
        })
    }

    /// Upserts `findings` by key, marks the tenant's others resolved, in one transaction.
    pub async fn store_findings(
        &self,
        tenant_id: &str,
        findings: &[Finding],
        now: DateTime<Utc>,
    ) -> Result<DetectionOutcome, StoreError> {
        let at = format_instant(now);
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let existing: HashMap<String, (i64, Option<String>, Option<String>)> = sqlx::query(
            "SELECT id, finding_key, resolved_at, dismissed_at FROM anomaly_findings WHERE tenant_id = ?",
        )
        .bind(tenant_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("finding_key")?,
                (
                    r.try_get("id")?,
                    r.try_get("resolved_at")?,
                    r.try_get("dismissed_at")?,
                ),
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
        let mut outcome = DetectionOutcome {
            found: findings.len(),
            ..DetectionOutcome::default()
        };
        for f in findings {
            let facts = serde_json::to_string(&f.facts).map_err(data_err)?;
            match existing.get(&f.key) {
                None => {
                    outcome.new += 1;
                    outcome.open += 1;
                }
                Some((_, _, dismissed)) => outcome.open += usize::from(dismissed.is_none()),
            }
            // The worded columns of schema 4 are left empty: the facts say it all.
            sqlx::query(
                "INSERT INTO anomaly_findings (tenant_id, finding_key, rule, title, explanation, records_json, \
                 facts_json, amount, currency_code, first_seen_at, last_seen_at) \
                 VALUES (?, ?, ?, '', '', '[]', ?, ?, ?, ?, ?) \
                 ON CONFLICT (tenant_id, finding_key) DO UPDATE SET rule = excluded.rule, title = excluded.title, \
                 explanation = excluded.explanation, records_json = excluded.records_json, \
                 facts_json = excluded.facts_json, amount = excluded.amount, \
                 currency_code = excluded.currency_code, last_seen_at = excluded.last_seen_at, resolved_at = NULL",
            )
            .bind(tenant_id)
            .bind(&f.key)
            .bind(f.rule().as_str())
            .bind(&facts)
            .bind(f.facts.amount().map(|a| a.to_string()))
            .bind(f.facts.currency())
            .bind(&at)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        let found: HashSet<&str> = findings.iter().map(|f| f.key.as_str()).collect();
        for (key, (id, resolved, _)) in &existing {
            if resolved.is_none() && !found.contains(key.as_str()) {
                sqlx::query("UPDATE anomaly_findings SET resolved_at = ? WHERE id = ?")
                    .bind(&at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                outcome.resolved += 1;
            }
        }
        tx.commit().await?;
        Ok(outcome)
    }

    /// The stored findings, newest first: of one organisation or all; only the
    /// open ones (detected, not dismissed) unless `include_closed`.
    pub async fn anomaly_findings(
        &self,
        tenant_id: Option<&str>,
        include_closed: bool,
    ) -> Result<Vec<StoredFinding>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT * FROM anomaly_findings WHERE (?1 IS NULL OR tenant_id = ?1) {} ORDER BY id DESC",
            if include_closed {
                ""
            } else {
                "AND dismissed_at IS NULL AND resolved_at IS NULL"
            }
        ))
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(stored_from_row).collect()
    }

    /// Dismisses a finding with the owner's reason; the dismissal is appended
    /// to the audit trail in the same transaction. A dismissed finding stays
    /// dismissed when it is detected again.
    pub async fn dismiss_finding(
        &self,
        id: i64,
        reason: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<DismissOutcome, StoreError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(StoreError::Invalid(format!(
                "a dismissal needs a reason of 1 to {MAX_REASON_CHARS} characters"
            )));
        }
        let at = format_instant(now);
        let by = actor.to_string();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let Some(row) = sqlx::query("SELECT * FROM anomaly_findings WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(DismissOutcome::NotFound);
        };
        let before = stored_from_row(&row)?;
        if before.dismissed.is_some() {
            return Ok(DismissOutcome::AlreadyDismissed(before));
        }
        sqlx::query(
            "UPDATE anomaly_findings SET dismissed_at = ?, dismissed_by = ?, dismissed_reason = ? WHERE id = ?",
        )
        .bind(&at)
        .bind(&by)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let old = json!({"Rule": before.rule.as_str(), "Dismissed": null});
        let new = json!({
            "Rule": before.rule.as_str(),
            "Dismissed": {"At": at, "By": by, "Reason": reason},
        });
        audit::append(
            &mut tx,
            &[PendingAudit {
                table: "anomaly_findings",
                tenant_id: before.tenant_id.clone(),
                record_id: before.key.clone(),
                action: AuditAction::Update,
                changes_json: audit::diff_fields(Some(&old), Some(&new)),
            }],
            &by,
            &at,
        )
        .await?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(DismissOutcome::Dismissed(StoredFinding {
            dismissed: Some(Dismissal {
                at,
                by,
                reason: reason.to_owned(),
            }),
            ..before
        }))
    }
}

fn stored_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<StoredFinding, StoreError> {
    let rule: String = r.try_get("rule")?;
    let amount: Option<String> = r.try_get("amount")?;
    let dismissed_at: Option<String> = r.try_get("dismissed_at")?;
    let facts: Option<String> = r.try_get("facts_json")?;
    let found = match facts {
        Some(facts) => Found::Facts(Box::new(serde_json::from_str(&facts).map_err(data_err)?)),
        None => Found::Worded(WordedFinding {
            title: r.try_get("title")?,
            explanation: r.try_get("explanation")?,
            records: serde_json::from_str(&r.try_get::<String, _>("records_json")?)
                .map_err(data_err)?,
        }),
    };
    Ok(StoredFinding {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        key: r.try_get("finding_key")?,
        rule: AnomalyRule::parse(&rule)
            .ok_or_else(|| StoreError::Data(format!("unknown anomaly rule {rule}")))?,
        found,
        amount: dec(amount.as_deref()),
        currency_code: r.try_get("currency_code")?,
        first_seen_at: r.try_get("first_seen_at")?,
        last_seen_at: r.try_get("last_seen_at")?,
        resolved_at: r.try_get("resolved_at")?,
        dismissed: match dismissed_at {
            Some(at) => Some(Dismissal {
                at,
                by: r
                    .try_get::<Option<String>, _>("dismissed_by")?
                    .unwrap_or_default(),
                reason: r
                    .try_get::<Option<String>, _>("dismissed_reason")?
                    .unwrap_or_default(),
            }),
            None => None,
        },
    })
}

// ---------------------------------------------------------------------------
// The rules.

/// A bill, as the duplicate and paid-twice rules read it.
#[derive(Debug, Clone)]
struct Doc {
    xero_id: String,
    doc_type: Option<InvoiceType>,
    number: Option<String>,
    reference: Option<String>,
    contact_id: Option<String>,
    contact_name: Option<String>,
    date: Option<NaiveDate>,
    currency: Option<String>,
    total: Option<Decimal>,
}

impl Doc {
    /// The invoice (bill) as a finding names it.
    fn record(&self) -> RecordRef {
        RecordRef::new(EntityKind::Invoice, &self.xero_id)
            .with_number(self.number.clone())
            .with_reference(self.reference.clone())
    }
}

fn doc_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Doc, sqlx::Error> {
    Ok(Doc {
        xero_id: r.try_get("xero_id")?,
        doc_type: code(r, "type")?,
        number: r.try_get("number")?,
        reference: r.try_get("reference")?,
        contact_id: r.try_get("contact_xero_id")?,
        contact_name: r.try_get("contact_name")?,
        date: day(r.try_get::<Option<String>, _>("date")?.as_deref()),
        currency: r.try_get("currency_code")?,
        total: dec(r.try_get::<Option<String>, _>("total")?.as_deref()),
    })
}

async fn duplicate_bills(
    conn: &mut SqliteConnection,
    tenant: &str,
    config: &AnomalyConfig,
) -> Result<Vec<Finding>, StoreError> {
    let rows = sqlx::query(
        "SELECT xero_id, type, status, number, reference, contact_xero_id, contact_name, date, currency_code, total \
         FROM invoices WHERE tenant_id = ? AND type = 'ACCPAY' AND status NOT IN ('VOIDED', 'DELETED') \
         AND contact_xero_id IS NOT NULL ORDER BY contact_xero_id, date, xero_id",
    )
    .bind(tenant)
    .fetch_all(&mut *conn)
    .await?;
    let bills: Vec<Doc> = rows.iter().map(doc_from_row).collect::<Result<_, _>>()?;
    let facts: Vec<ledgerkeep_ledger::Bill> = bills
        .iter()
        .zip(&rows)
        .map(|(b, r)| {
            Ok(ledgerkeep_ledger::Bill {
                id: b.xero_id.clone(),
                doc_type: b.doc_type.clone(),
                status: code(r, "status")?,
                contact_id: b.contact_id.clone(),
                number: b.number.clone(),
                reference: b.reference.clone(),
                date: b.date,
                currency: b.currency.clone(),
                total: b.total,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    let dated = |d: &Doc| DatedBill {
        bill: d.record(),
        date: d.date.map(XeroDate),
        total: d.total,
        currency: d.currency.clone(),
    };
    let mut out = Vec::new();
    for pair in ledgerkeep_ledger::duplicate_bills(&facts, config) {
        let (Some(a), Some(b)) = (bills.get(pair.first), bills.get(pair.second)) else {
            continue;
        };
        out.push(Finding {
            key: pair_key(AnomalyRule::DuplicateBill, &a.xero_id, &b.xero_id),
            facts: FindingFacts::DuplicateBill {
                contact: a.contact_name.clone(),
                first: dated(a),
                second: dated(b),
                days_apart: pair.days_apart,
                shared_reference: pair.shared_reference,
            },
        });
    }
    Ok(out)
}

async fn bank_details_changed(
    conn: &mut SqliteConnection,
    tenant: &str,
) -> Result<Vec<Finding>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.seq, a.record_id, a.changes_json, a.at, c.name, c.is_supplier FROM audit_log a \
         LEFT JOIN contacts c ON c.tenant_id = a.tenant_id AND c.xero_id = a.record_id \
         WHERE a.tenant_id = ? AND a.table_name = 'contacts' AND a.action = 'update' \
         AND a.changes_json LIKE '%\"BankAccountDetails\"%' ORDER BY a.seq",
    )
    .bind(tenant)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let seq: i64 = r.try_get("seq")?;
        let contact: String = r.try_get("record_id")?;
        let changes: Value =
            serde_json::from_str(&r.try_get::<String, _>("changes_json")?).map_err(data_err)?;
        let change = &changes["BankAccountDetails"];
        let Some(ledgerkeep_ledger::BankDetailsChange { old, new }) =
            ledgerkeep_ledger::bank_details_changed(change["old"].as_str(), change["new"].as_str())
        else {
            continue;
        };
        let name: Option<String> = r.try_get("name")?;
        let supplier = r.try_get::<Option<i64>, _>("is_supplier")?.unwrap_or(0) == 1;
        // The day Xero made the change, else the day it was synced.
        let changed_on = changes["UpdatedDateUTC"]["new"]
            .as_str()
            .and_then(|s| XeroDateTime::parse(s).ok())
            .map(|t| XeroDate(t.instant().date_naive()))
            .or_else(|| xero_day(r.try_get::<String, _>("at").ok().as_deref()));
        // The bills waiting to be paid to this contact: where the new details would be used.
        let open: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT xero_id, number, reference FROM invoices WHERE tenant_id = ? AND contact_xero_id = ? \
             AND type = 'ACCPAY' AND status = 'AUTHORISED' ORDER BY date, id LIMIT 5",
        )
        .bind(tenant)
        .bind(&contact)
        .fetch_all(&mut *conn)
        .await?;
        out.push(Finding {
            key: format!(
                "{}:{}:{seq}",
                AnomalyRule::BankDetailsChanged.as_str(),
                contact.to_ascii_lowercase()
            ),
            facts: FindingFacts::BankDetailsChanged {
                contact: RecordRef::new(EntityKind::Contact, contact),
                name,
                supplier,
                changed_on,
                old,
                new,
                waiting_bills: open
                    .into_iter()
                    .map(|(id, n, r)| {
                        RecordRef::new(EntityKind::Invoice, id)
                            .with_number(n)
                            .with_reference(r)
                    })
                    .collect(),
            },
        });
    }
    Ok(out)
}

/// The documents a journal (or an entry) can come from: each table, its
/// entity, and the columns that name a record (number, reference).
const SOURCE_TABLES: [(&str, EntityKind, &str, &str); 8] = [
    ("invoices", EntityKind::Invoice, "number", "reference"),
    (
        "bank_transactions",
        EntityKind::BankTransaction,
        "NULL",
        "reference",
    ),
    ("payments", EntityKind::Payment, "NULL", "reference"),
    ("credit_notes", EntityKind::CreditNote, "number", "NULL"),
    (
        "manual_journals",
        EntityKind::ManualJournal,
        "NULL",
        "narration",
    ),
    (
        "bank_transfers",
        EntityKind::BankTransfer,
        "NULL",
        "reference",
    ),
    ("overpayments", EntityKind::Overpayment, "NULL", "reference"),
    ("prepayments", EntityKind::Prepayment, "NULL", "reference"),
];

/// The document a journal comes from, looked up by id.
async fn journal_source(
    conn: &mut SqliteConnection,
    tenant: &str,
    source: &str,
) -> Result<Option<RecordRef>, StoreError> {
    for (table, entity, number, reference) in SOURCE_TABLES {
        let found: Option<(Option<String>, Option<String>)> = sqlx::query_as(&format!(
            "SELECT {number}, {reference} FROM {table} WHERE tenant_id = ? AND xero_id = ? COLLATE NOCASE"
        ))
        .bind(tenant)
        .bind(source)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((number, reference)) = found {
            return Ok(Some(
                RecordRef::new(entity, source)
                    .with_number(number)
                    .with_reference(reference),
            ));
        }
    }
    Ok(None)
}

async fn lock_date(
    conn: &mut SqliteConnection,
    tenant: &str,
) -> Result<Option<NaiveDate>, StoreError> {
    let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT period_lock_date, end_of_year_lock_date FROM organisations WHERE tenant_id = ? LIMIT 1",
    )
    .bind(tenant)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.and_then(|(p, y)| {
        [day(p.as_deref()), day(y.as_deref())]
            .into_iter()
            .flatten()
            .max()
    }))
}

async fn backdated_entries(
    conn: &mut SqliteConnection,
    tenant: &str,
    config: &AnomalyConfig,
) -> Result<Vec<Finding>, StoreError> {
    let lock = lock_date(conn, tenant).await?;
    let has_journals: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM journals WHERE tenant_id = ?)")
            .bind(tenant)
            .fetch_one(&mut *conn)
            .await?;
    if has_journals {
        backdated_journals(conn, tenant, config, lock).await
    } else {
        backdated_documents(conn, tenant, config, lock).await
    }
}

/// A backdated entry, keyed by its journal (or its document, without Journals).
fn backdated_finding<K>(
    key_id: &str,
    b: &ledgerkeep_ledger::Backdated<K>,
    source: Option<RecordRef>,
    journal: Option<RecordRef>,
) -> Finding {
    Finding {
        key: format!(
            "{}:{}",
            AnomalyRule::BackdatedEntry.as_str(),
            key_id.to_ascii_lowercase()
        ),
        facts: FindingFacts::BackdatedEntry {
            source,
            journal,
            date: XeroDate(b.date),
            entered: XeroDate(b.entered),
            days_late: b.days_late,
            locked_to: b.into_locked_period.map(XeroDate),
        },
    }
}
/// With Journals: the first journal of each source, by the day Xero created it.
async fn backdated_journals(
    conn: &mut SqliteConnection,
    tenant: &str,
    config: &AnomalyConfig,
    lock: Option<NaiveDate>,
) -> Result<Vec<Finding>, StoreError> {
    let mut seen_sources: HashSet<String> = HashSet::new();
    let mut entries = Vec::new();
    // Keyset pages: a large ledger's journals never sit in memory at once.
    let mut after: (i64, i64) = (i64::MIN, i64::MIN);
    loop {
        let rows = sqlx::query(
            "SELECT id, xero_id, number, date, updated_utc, source_xero_id FROM journals \
             WHERE tenant_id = ? AND number IS NOT NULL AND (number, id) > (?, ?) \
             ORDER BY number, id LIMIT 5000",
        )
        .bind(tenant)
        .bind(after.0)
        .bind(after.1)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else { break };
        after = (last.try_get("number")?, last.try_get("id")?);
        let mut page = Vec::new();
        for r in &rows {
            let source: Option<String> = r.try_get("source_xero_id")?;
            // Only the first journal of a source is its entry; later ones
            // reverse or re-post it (an edit, a void).
            if let Some(s) = &source {
                if !seen_sources.insert(s.to_ascii_lowercase()) {
                    continue;
                }
            }
            let date = day(r.try_get::<Option<String>, _>("date")?.as_deref());
            let created = day(r.try_get::<Option<String>, _>("updated_utc")?.as_deref());
            let (Some(date), Some(entered)) = (date, created) else {
                continue;
            };
            let key: (String, Option<i64>, Option<String>) =
                (r.try_get("xero_id")?, r.try_get("number")?, source);
            page.push(ledgerkeep_ledger::Entered { key, date, entered });
        }
        entries.extend(ledgerkeep_ledger::backdated(
            page,
            config.backdated_days,
            lock,
        ));
    }
    let mut out = Vec::new();
    for b in entries {
        let (journal, number, source) = &b.key;
        let source_ref = match source {
            Some(s) => journal_source(conn, tenant, s).await?,
            None => None,
        };
        let journal_ref =
            RecordRef::new(EntityKind::Journal, journal).with_number(number.map(|n| n.to_string()));
        out.push(backdated_finding(
            journal,
            &b,
            source_ref,
            Some(journal_ref),
        ));
    }
    Ok(out)
}

/// The documents that post, as the audit trail names their tables.
const DOCUMENT_TABLES: &str = "'invoices', 'credit_notes', 'payments', 'overpayments', \
     'prepayments', 'bank_transactions', 'bank_transfers', 'manual_journals'";

/// Without Journals (a Starter app): the documents first stored after
/// detection began watching the organisation, entered (their
/// `UpdatedDateUTC` when first stored) after it began. Documents of the first
/// sync, or of a stream first read later (a scope granted since), were
/// entered at times no endpoint tells, and are not judged.
async fn backdated_documents(
    conn: &mut SqliteConnection,
    tenant: &str,
    config: &AnomalyConfig,
    lock: Option<NaiveDate>,
) -> Result<Vec<Finding>, StoreError> {
    let Some(w) = watch(conn, tenant).await? else {
        return Ok(Vec::new());
    };
    let Ok(XeroDateTime(since)) = XeroDateTime::parse(&w.at) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query(&format!(
        "SELECT table_name, record_id, changes_json FROM audit_log \
         WHERE seq > ? AND tenant_id = ? AND action = 'insert' AND table_name IN ({DOCUMENT_TABLES}) \
         ORDER BY seq"
    ))
    .bind(w.seq)
    .bind(tenant)
    .fetch_all(&mut *conn)
    .await?;
    let mut entries = Vec::new();
    for r in &rows {
        let table: String = r.try_get("table_name")?;
        let id: String = r.try_get("record_id")?;
        let changes: Value =
            serde_json::from_str(&r.try_get::<String, _>("changes_json")?).map_err(data_err)?;
        let new = |field: &str| changes.get(field).and_then(|c| c.get("new"));
        let Some(entered) =
            instant_of(new("UpdatedDateUTC")).or_else(|| instant_of(new("CreatedDateUTC")))
        else {
            continue;
        };
        if entered < since {
            continue;
        }
        // The date as the ledger holds it now (an edit may have moved it).
        let date: Option<String> = sqlx::query_scalar(&format!(
            "SELECT date FROM {table} WHERE tenant_id = ? AND xero_id = ?"
        ))
        .bind(tenant)
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
        let Some(date) = day(date.as_deref()) else {
            continue;
        };
        entries.push(ledgerkeep_ledger::Entered {
            key: id,
            date,
            entered: entered.date_naive(),
        });
    }
    let mut out = Vec::new();
    for b in ledgerkeep_ledger::backdated(entries, config.backdated_days, lock) {
        let Some(source) = journal_source(conn, tenant, &b.key).await? else {
            continue;
        };
        out.push(backdated_finding(&b.key, &b, Some(source), None));
    }
    Ok(out)
}

/// A plain value of an audited change, as text: a number, a text, a date
/// (`/Date(...)/` read as the day it names); `None` for lines, contacts.
fn plain(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.starts_with("/Date(") => Some(s.clone()),
        Value::String(s) => XeroDate::parse(s).ok().map(|d| d.to_string()),
        _ => None,
    }
}

async fn edits_after_lock(
    conn: &mut SqliteConnection,
    tenant: &str,
) -> Result<Vec<Finding>, StoreError> {
    let Some(lock) = lock_date(conn, tenant).await? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (table, entity, number, reference) in SOURCE_TABLES {
        let type_col = if matches!(table, "invoices" | "credit_notes" | "bank_transactions") {
            "t.type"
        } else {
            "NULL"
        };
        let column = |c: &str| {
            if c == "NULL" {
                "NULL".to_owned()
            } else {
                format!("t.{c}")
            }
        };
        let rows = sqlx::query(&format!(
            "SELECT a.seq, a.record_id, a.changes_json, a.at, t.date, {} AS number, {} AS reference, \
             {type_col} AS doc_type \
             FROM audit_log a JOIN {table} t ON t.tenant_id = a.tenant_id AND t.xero_id = a.record_id \
             WHERE a.tenant_id = ? AND a.table_name = '{table}' AND a.action = 'update' ORDER BY a.seq",
            column(number),
            column(reference),
        ))
        .bind(tenant)
        .fetch_all(&mut *conn)
        .await?;
        for r in rows {
            let changes: Value =
                serde_json::from_str(&r.try_get::<String, _>("changes_json")?).map_err(data_err)?;
            let Some(fields) = changes.as_object() else {
                continue;
            };
            let edit = ledgerkeep_ledger::Edit {
                key: (),
                changes: fields
                    .iter()
                    .map(|(field, c)| ledgerkeep_ledger::FieldChange {
                        field: field.clone(),
                        new_text: c["new"].as_str().map(str::to_owned),
                    })
                    .collect(),
                // The date it had before the edit (an edit may move it out of the locked period).
                date_before: fields
                    .get("Date")
                    .and_then(|c| c["old"].as_str())
                    .and_then(|s| XeroDate::parse(s).ok())
                    .map(|d| d.date()),
                date_now: day(r.try_get::<Option<String>, _>("date")?.as_deref()),
                edited: fields
                    .get("UpdatedDateUTC")
                    .and_then(|c| c["new"].as_str())
                    .and_then(|s| XeroDateTime::parse(s).ok())
                    .map(|t| t.instant().date_naive())
                    .or_else(|| day(r.try_get::<String, _>("at").ok().as_deref())),
            };
            let Some(found) = ledgerkeep_ledger::edit_after_lock(edit, lock) else {
                continue;
            };
            let seq: i64 = r.try_get("seq")?;
            let record: String = r.try_get("record_id")?;
            let changes = found
                .fields
                .iter()
                .map(|f| FieldEdit {
                    field: (*f).to_owned(),
                    old: plain(&fields[*f]["old"]),
                    new: plain(&fields[*f]["new"]),
                })
                .collect();
            let new_total = fields
                .get("Total")
                .or_else(|| fields.get("Amount"))
                .and_then(|c| dec(Some(&c["new"].to_string())));
            out.push(Finding {
                key: format!(
                    "{}:{table}:{}:{seq}",
                    AnomalyRule::EditAfterLock.as_str(),
                    record.to_ascii_lowercase()
                ),
                facts: FindingFacts::EditAfterLock {
                    record: RecordRef::new(entity, record)
                        .with_number(r.try_get("number")?)
                        .with_reference(r.try_get("reference")?),
                    doc_type: r.try_get("doc_type")?,
                    date: XeroDate(found.date),
                    edited: XeroDate(found.edited),
                    locked_to: XeroDate(found.lock),
                    changes,
                    new_total,
                },
            });
        }
    }
    Ok(out)
}

/// Paid documents and the spend (receive) money transactions to the same
/// contact for the same amount. The sort keys are written `+column` so that
/// SQLite does not walk the invoices in `xero_id` order to skip the sort and
/// then read every bank transaction of the organisation for each of them
/// (minutes on the medium books); it finds each document's candidates by
/// amount, then sorts the few rows found.
const PAID_ALSO_BY_BANK_SQL: &str = "SELECT i.xero_id, i.type, i.number, i.reference, i.contact_xero_id, i.contact_name, i.date, \
     i.currency_code, i.total, b.xero_id AS bank_id, b.date AS bank_date, \
     b.total AS bank_total, b.reference AS bank_reference, b.currency_code AS bank_currency, \
     b.type AS bank_type, b.status AS bank_status, b.contact_xero_id AS bank_contact \
     FROM invoices i JOIN bank_transactions b ON b.tenant_id = i.tenant_id \
       AND b.contact_xero_id = i.contact_xero_id AND b.total_e4 = i.total_e4 \
     WHERE i.tenant_id = ? AND i.status = 'PAID' AND b.status = 'AUTHORISED' \
       AND ((i.type = 'ACCPAY' AND b.type IN ('SPEND', 'SPEND-OVERPAYMENT', 'SPEND-PREPAYMENT')) \
         OR (i.type = 'ACCREC' AND b.type IN ('RECEIVE', 'RECEIVE-OVERPAYMENT', 'RECEIVE-PREPAYMENT'))) \
     ORDER BY +i.xero_id, +b.xero_id";

async fn paid_twice(
    conn: &mut SqliteConnection,
    tenant: &str,
    config: &AnomalyConfig,
) -> Result<Vec<Finding>, StoreError> {
    let mut out = Vec::new();
    // Each document with its authorised payments.
    let rows = sqlx::query(
        "SELECT i.xero_id, i.type, i.status, i.number, i.reference, i.contact_xero_id, i.contact_name, \
         i.date, i.currency_code, i.total, i.amount_credited, p.xero_id AS payment_id, p.amount, \
         p.date AS paid_on, p.status AS payment_status \
         FROM invoices i JOIN payments p ON p.tenant_id = i.tenant_id AND p.invoice_xero_id = i.xero_id \
         WHERE i.tenant_id = ? AND p.status = 'AUTHORISED' AND i.status NOT IN ('VOIDED', 'DELETED') \
         ORDER BY i.xero_id, p.date, p.xero_id",
    )
    .bind(tenant)
    .fetch_all(&mut *conn)
    .await?;
    let mut docs: BTreeMap<String, (Doc, ledgerkeep_ledger::PaidDocument<String>)> =
        BTreeMap::new();
    for r in &rows {
        let d = doc_from_row(r)?;
        let credited = dec(r
            .try_get::<Option<String>, _>("amount_credited")?
            .as_deref());
        let payment: String = r.try_get("payment_id")?;
        let amount = dec(r.try_get::<Option<String>, _>("amount")?.as_deref());
        let paid_on = day(r.try_get::<Option<String>, _>("paid_on")?.as_deref());
        let payment_status: Option<DocumentStatus> = code(r, "payment_status")?;
        let status: Option<DocumentStatus> = code(r, "status")?;
        let entry = docs.entry(d.xero_id.clone()).or_insert_with(|| {
            let paid = ledgerkeep_ledger::PaidDocument {
                doc_type: d.doc_type.clone(),
                status,
                contact_id: d.contact_id.clone(),
                currency: d.currency.clone(),
                total: d.total,
                credited,
                payments: Vec::new(),
            };
            (d, paid)
        });
        if let Some(amount) = amount {
            entry.1.payments.push(ledgerkeep_ledger::PaymentOn {
                key: payment,
                status: payment_status,
                amount,
                date: paid_on,
            });
        }
    }
    for (doc, paid) in docs.values() {
        out.extend(overpaid(doc, paid));
    }
    // A paid document whose amount also went by spend (receive) money to the same contact.
    let rows = sqlx::query(PAID_ALSO_BY_BANK_SQL)
        .bind(tenant)
        .fetch_all(&mut *conn)
        .await?;
    for r in &rows {
        let d = doc_from_row(r)?;
        let bank_id: String = r.try_get("bank_id")?;
        let bank_ref: Option<String> = r.try_get("bank_reference")?;
        let bank = ledgerkeep_ledger::BankMoney {
            bank_type: code(r, "bank_type")?,
            status: code(r, "bank_status")?,
            contact_id: r.try_get("bank_contact")?,
            currency: r.try_get("bank_currency")?,
            total: dec(r.try_get::<Option<String>, _>("bank_total")?.as_deref()),
            date: day(r.try_get::<Option<String>, _>("bank_date")?.as_deref()),
        };
        let Some((_, paid)) = docs.get(&d.xero_id) else {
            continue;
        };
        let Some(again) = ledgerkeep_ledger::paid_again_by_bank(paid, &bank, config) else {
            continue;
        };
        let Some(payment) = paid.payments.get(again.payment) else {
            continue;
        };
        out.push(Finding {
            key: pair_key(AnomalyRule::PaidTwice, &d.xero_id, &bank_id),
            facts: FindingFacts::PaidAgainByBank {
                document: d.record(),
                doc_type: d.doc_type.clone(),
                contact: d.contact_name.clone(),
                currency: d.currency.clone(),
                total: again.total,
                payment: PaymentRef {
                    xero_id: payment.key.clone(),
                    amount: payment.amount,
                },
                paid_on: XeroDate(again.paid_on),
                bank: RecordRef::new(EntityKind::BankTransaction, bank_id).with_reference(bank_ref),
                bank_date: XeroDate(again.bank_date),
                days_apart: again.days_apart,
                outgoing: again.outgoing,
            },
        });
    }
    Ok(out)
}

/// One amount in a contact's history.
struct Amount {
    record: RecordRef,
    date: Option<NaiveDate>,
    status: Option<DocumentStatus>,
    value: Decimal,
}

async fn outliers(
    conn: &mut SqliteConnection,
    tenant: &str,
    config: &AnomalyConfig,
) -> Result<Vec<Finding>, StoreError> {
    let mut out = Vec::new();
    let sources: [(&str, EntityKind); 2] = [
        (
            "number, reference FROM invoices \
             WHERE tenant_id = ? AND status IN ('DRAFT', 'SUBMITTED', 'AUTHORISED', 'PAID') \
             AND type IN ('ACCREC', 'ACCPAY')",
            EntityKind::Invoice,
        ),
        (
            "NULL AS number, reference FROM bank_transactions \
             WHERE tenant_id = ? AND status = 'AUTHORISED' AND type IN ('SPEND', 'RECEIVE')",
            EntityKind::BankTransaction,
        ),
    ];
    for (from, entity) in sources {
        // Keyset pages in (contact, type) order, one group at a time: a
        // million bank lines never sit in memory.
        let sql = format!(
            "SELECT id, xero_id, contact_xero_id, contact_name, type, status, currency_code, total, date, {from} \
             AND contact_xero_id IS NOT NULL AND (contact_xero_id, type, id) > (?, ?, ?) \
             ORDER BY contact_xero_id, type, id LIMIT 5000"
        );
        let mut after: (String, String, i64) = (String::new(), String::new(), i64::MIN);
        let mut group_key: Option<(String, String)> = None;
        let mut contact_name: Option<String> = None;
        let mut group: HashMap<Option<String>, Vec<Amount>> = HashMap::new();
        loop {
            let rows = sqlx::query(&sql)
                .bind(tenant)
                .bind(&after.0)
                .bind(&after.1)
                .bind(after.2)
                .fetch_all(&mut *conn)
                .await?;
            let done = rows.is_empty();
            for r in rows.iter().map(Some).chain(done.then_some(None)) {
                let key = match r {
                    Some(r) => Some((
                        r.try_get::<String, _>("contact_xero_id")?,
                        r.try_get::<String, _>("type")?,
                    )),
                    None => None,
                };
                if key != group_key {
                    if let Some((_, doc_type)) = &group_key {
                        for (currency, amounts) in group.drain() {
                            out.extend(outliers_in(
                                config,
                                Some(doc_type),
                                contact_name.as_deref(),
                                currency.as_deref(),
                                amounts,
                            ));
                        }
                    }
                    group.clear();
                    group_key = key.clone();
                }
                let (Some(r), Some((contact, doc_type))) = (r, key) else {
                    continue;
                };
                after = (contact, doc_type, r.try_get("id")?);
                contact_name = r.try_get("contact_name")?;
                let Some(value) = dec(r.try_get::<Option<String>, _>("total")?.as_deref()) else {
                    continue;
                };
                group
                    .entry(r.try_get("currency_code")?)
                    .or_default()
                    .push(Amount {
                        record: RecordRef::new(entity, r.try_get::<String, _>("xero_id")?)
                            .with_number(r.try_get("number")?)
                            .with_reference(r.try_get("reference")?),
                        date: day(r.try_get::<Option<String>, _>("date")?.as_deref()),
                        status: code(r, "status")?,
                        value,
                    });
            }
            if done {
                break;
            }
        }
    }
    Ok(out)
}

fn outliers_in(
    config: &AnomalyConfig,
    doc_type: Option<&str>,
    contact: Option<&str>,
    currency: Option<&str>,
    amounts: Vec<Amount>,
) -> Vec<Finding> {
    // Equal amounts are taken in id order.
    let facts = amounts
        .iter()
        .enumerate()
        .map(|(i, a)| ledgerkeep_ledger::OutlierAmount {
            key: (a.record.xero_id.as_str(), i),
            status: a.status.clone(),
            amount: a.value,
        });
    let mut out = Vec::new();
    for o in ledgerkeep_ledger::outliers(facts, config) {
        let a = &amounts[o.key.1];
        out.push(Finding {
            key: format!(
                "{}:{}",
                AnomalyRule::AmountOutlier.as_str(),
                a.record.xero_id.to_ascii_lowercase()
            ),
            facts: FindingFacts::AmountOutlier {
                record: a.record.clone(),
                doc_type: doc_type.map(str::to_owned),
                contact: contact.map(str::to_owned),
                currency: currency.map(str::to_owned),
                date: a.date.map(XeroDate),
                amount: o.amount,
                median: o.median,
                largest: o.largest,
                ordinary: o.ordinary,
                times_median: o.times_median,
            },
        });
    }
    out
}

/// A document's payments (and credit notes) beyond its total, as a finding.
/// Sums beyond what a decimal holds make a finding that says so.
fn overpaid(doc: &Doc, paid: &ledgerkeep_ledger::PaidDocument<String>) -> Option<Finding> {
    let o = ledgerkeep_ledger::overpaid(paid)?;
    Some(Finding {
        key: format!(
            "{}:{}:overpaid",
            AnomalyRule::PaidTwice.as_str(),
            doc.xero_id.to_ascii_lowercase()
        ),
        facts: FindingFacts::Overpaid {
            document: doc.record(),
            doc_type: doc.doc_type.clone(),
            contact: doc.contact_name.clone(),
            currency: doc.currency.clone(),
            total: o.total,
            payments: o
                .payments
                .iter()
                .filter_map(|i| paid.payments.get(*i))
                .map(|p| PaymentRef {
                    xero_id: p.key.clone(),
                    amount: p.amount,
                })
                .collect(),
            paid: o.paid,
            excess: o.excess,
        },
    })
}

async fn round_amounts(
    conn: &mut SqliteConnection,
    tenant: &str,
    config: &AnomalyConfig,
) -> Result<Vec<Finding>, StoreError> {
    let mut out = Vec::new();
    let unit = config.round_unit;
    if unit <= Decimal::ZERO {
        return Ok(out);
    }
    let (Some(unit_e4), Some(min_e4)) = (e4(unit), e4(config.round_min)) else {
        return Ok(out);
    };
    // Spend money.
    let rows = sqlx::query(
        "SELECT xero_id, contact_name, date, total, currency_code, reference, type, status \
         FROM bank_transactions \
         WHERE tenant_id = ? AND type = 'SPEND' AND status = 'AUTHORISED' \
         AND total_e4 >= ? AND total_e4 % ? = 0 ORDER BY date, id",
    )
    .bind(tenant)
    .bind(min_e4)
    .bind(unit_e4)
    .fetch_all(&mut *conn)
    .await?;
    // (id, contact, currency, reference, date)
    type SpendKey = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut spends = Vec::new();
    for r in rows {
        let Some(total) = dec(r.try_get::<Option<String>, _>("total")?.as_deref()) else {
            continue;
        };
        let key: SpendKey = (
            r.try_get("xero_id")?,
            r.try_get("contact_name")?,
            r.try_get("currency_code")?,
            r.try_get("reference")?,
            r.try_get("date")?,
        );
        spends.push(ledgerkeep_ledger::Spend {
            key,
            bank_type: code(&r, "type")?,
            status: code(&r, "status")?,
            total,
        });
    }
    for round in ledgerkeep_ledger::round_spends(spends, config) {
        let (id, contact, currency, reference, date) = round.key;
        out.push(Finding {
            key: format!(
                "{}:{}",
                AnomalyRule::RoundAmount.as_str(),
                id.to_ascii_lowercase()
            ),
            facts: FindingFacts::RoundSpend {
                record: RecordRef::new(EntityKind::BankTransaction, id).with_reference(reference),
                contact,
                currency,
                date: xero_day(date.as_deref()),
                amount: round.amount,
                unit: round.unit,
            },
        });
    }
    // Bill payments of a round amount that is not the bill's total.
    let rows = sqlx::query(
        "SELECT p.xero_id AS payment_id, p.date AS paid_on, p.amount, p.status AS payment_status, \
         i.xero_id, i.type, i.number, i.reference, i.contact_xero_id, i.contact_name, i.date, \
         i.currency_code, i.total \
         FROM payments p JOIN invoices i ON i.tenant_id = p.tenant_id AND i.xero_id = p.invoice_xero_id \
         WHERE p.tenant_id = ? AND p.status = 'AUTHORISED' AND i.type = 'ACCPAY' \
         AND p.amount_e4 >= ? AND p.amount_e4 % ? = 0 ORDER BY p.date, p.id",
    )
    .bind(tenant)
    .bind(min_e4)
    .bind(unit_e4)
    .fetch_all(&mut *conn)
    .await?;
    let mut payments = Vec::new();
    for r in rows {
        let d = doc_from_row(&r)?;
        let Some(amount) = dec(r.try_get::<Option<String>, _>("amount")?.as_deref()) else {
            continue;
        };
        let pid: String = r.try_get("payment_id")?;
        let paid_on: Option<String> = r.try_get("paid_on")?;
        payments.push(ledgerkeep_ledger::BillPayment {
            status: code(&r, "payment_status")?,
            amount,
            doc_type: d.doc_type.clone(),
            doc_total: d.total,
            key: (pid, paid_on, d),
        });
    }
    for round in ledgerkeep_ledger::round_bill_payments(payments, config) {
        let (pid, paid_on, d) = round.key;
        out.push(Finding {
            key: format!(
                "{}:{}",
                AnomalyRule::RoundAmount.as_str(),
                pid.to_ascii_lowercase()
            ),
            facts: FindingFacts::RoundBillPayment {
                payment: PaymentRef {
                    xero_id: pid,
                    amount: round.amount,
                },
                paid_on: xero_day(paid_on.as_deref()),
                bill: d.record(),
                contact: d.contact_name.clone(),
                currency: d.currency.clone(),
                bill_total: d.total,
                unit: round.unit,
            },
        });
    }
    Ok(out)
}

fn e4(v: Decimal) -> Option<i64> {
    let scaled = v.checked_mul(Decimal::from(10_000))?;
    if !scaled.fract().is_zero() {
        return None;
    }
    scaled.trunc().to_string().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_paid_twice_join_finds_bank_transactions_by_key_not_by_organisation() {
        let dir = tempfile::tempdir().unwrap();
        let store = LedgerStore::open(&dir.path().join("ledger.sqlite"))
            .await
            .unwrap();
        let plan: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {PAID_ALSO_BY_BANK_SQL}"))
            .bind("t")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>("detail"))
            .collect();
        // Each bank transaction is reached through its amount or contact, not
        // by reading every one of the organisation's for each document.
        let b = plan
            .iter()
            .find(|l| l.contains(" b "))
            .unwrap_or_else(|| panic!("{plan:?}"));
        assert!(
            b.starts_with("SEARCH")
                && (b.contains("total_e4=?") || b.contains("contact_xero_id=?")),
            "{plan:?}"
        );
        store.close().await;
    }

    fn amounts(vals: &[Decimal], status: &str) -> Vec<Amount> {
        vals.iter()
            .enumerate()
            .map(|(i, v)| Amount {
                record: RecordRef::new(EntityKind::Invoice, format!("id-{i}"))
                    .with_number(Some(format!("BILL-{i}"))),
                date: None,
                status: Some(status.into()),
                value: *v,
            })
            .collect()
    }

    fn ints(vals: &[i64]) -> Vec<Decimal> {
        vals.iter().map(|v| Decimal::from(*v)).collect()
    }

    #[test]
    fn outliers_stand_far_above_the_ordinary_amounts_even_two_of_them() {
        let config = AnomalyConfig::default();
        let history = [100, 120, 90, 110, 130, 95];
        let mut vals = history.to_vec();
        vals.extend([2_600, 5_000]);
        let found = outliers_in(
            &config,
            Some("ACCPAY"),
            Some("Harbour"),
            Some("NZD"),
            amounts(&ints(&vals), "AUTHORISED"),
        );
        let keys: Vec<&str> = found.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["amount_outlier:id-6", "amount_outlier:id-7"]);
        let FindingFacts::AmountOutlier {
            record,
            doc_type,
            contact,
            currency,
            amount,
            median,
            largest,
            ordinary,
            times_median,
            ..
        } = &found[1].facts
        else {
            panic!("{:?}", found[1].facts)
        };
        assert_eq!(record.number.as_deref(), Some("BILL-7"));
        assert_eq!(doc_type.as_deref(), Some("ACCPAY"));
        assert_eq!(contact.as_deref(), Some("Harbour"));
        assert_eq!(currency.as_deref(), Some("NZD"));
        assert_eq!(*amount, Decimal::from(5_000));
        // The history's figures, whatever order it came in.
        let mut sorted = history.to_vec();
        sorted.sort_unstable();
        assert_eq!(*median, Decimal::from(sorted[(sorted.len() - 1) / 2]));
        assert_eq!(*largest, Decimal::from(*sorted.last().unwrap()));
        assert_eq!(*ordinary, history.len());
        assert_eq!(*times_median, Some(Decimal::from(5_000) / *median));
        assert_eq!(found[1].facts.amount(), Some(Decimal::from(5_000)));
        assert_eq!(found[1].rule(), AnomalyRule::AmountOutlier);
        // Ten times the median but not twice the largest ordinary one: a wide spread, not an outlier.
        assert!(outliers_in(
            &config,
            Some("ACCPAY"),
            None,
            None,
            amounts(&ints(&[100, 110, 120, 130, 900, 1_700]), "AUTHORISED")
        )
        .is_empty());
        // Too little history.
        assert!(outliers_in(
            &config,
            Some("ACCPAY"),
            None,
            None,
            amounts(&ints(&[100, 100, 100, 100, 9_000]), "AUTHORISED")
        )
        .is_empty());
    }

    fn doc_of(total: Decimal) -> Doc {
        Doc {
            xero_id: "INV-ID".to_owned(),
            doc_type: Some("ACCREC".into()),
            number: Some("INV-1".to_owned()),
            reference: None,
            contact_id: None,
            contact_name: Some("Harbour".to_owned()),
            date: None,
            currency: Some("NZD".to_owned()),
            total: Some(total),
        }
    }

    /// The finding for `doc`, open, with these authorised payments.
    fn overpaid_with(
        doc: &Doc,
        credited: Option<Decimal>,
        payments: &[(String, Decimal, Option<NaiveDate>)],
    ) -> Option<Finding> {
        let paid = ledgerkeep_ledger::PaidDocument {
            doc_type: doc.doc_type.clone(),
            status: Some("AUTHORISED".into()),
            contact_id: doc.contact_id.clone(),
            currency: doc.currency.clone(),
            total: doc.total,
            credited,
            payments: payments
                .iter()
                .map(|(key, amount, date)| ledgerkeep_ledger::PaymentOn {
                    key: key.clone(),
                    status: Some("AUTHORISED".into()),
                    amount: *amount,
                    date: *date,
                })
                .collect(),
        };
        overpaid(doc, &paid)
    }

    /// The sum paid and the excess an overpaid finding holds.
    fn paid_and_excess(f: &Finding) -> (Option<Decimal>, Option<Decimal>, usize) {
        match &f.facts {
            FindingFacts::Overpaid {
                paid,
                excess,
                payments,
                ..
            } => (*paid, *excess, payments.len()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn payments_near_the_decimal_limit_make_a_finding_not_a_panic() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let pay = |id: &str, a: Decimal| (id.to_owned(), a, None);
        // Two payments whose sum is beyond a decimal's range.
        let f = overpaid_with(
            &doc_of(d("100.00")),
            None,
            &[pay("p1", Decimal::MAX), pay("p2", Decimal::MAX)],
        )
        .unwrap();
        assert_eq!(f.rule(), AnomalyRule::PaidTwice);
        assert_eq!(f.facts.amount(), None);
        assert_eq!(paid_and_excess(&f), (None, None, 2));
        // A payment at the limit plus a credit note.
        let f = overpaid_with(
            &doc_of(d("100.00")),
            Some(Decimal::MAX),
            &[pay("p1", Decimal::MAX)],
        )
        .unwrap();
        assert_eq!(f.facts.amount(), None);
        assert_eq!(paid_and_excess(&f), (Some(Decimal::MAX), None, 1));
        // The sum fits but the excess over a hugely negative total does not.
        let f = overpaid_with(&doc_of(Decimal::MIN), None, &[pay("p1", Decimal::MAX)]).unwrap();
        assert_eq!(f.facts.amount(), None);
        // Ordinary amounts: the excess, exactly.
        let f = overpaid_with(
            &doc_of(d("100.00")),
            Some(d("10.00")),
            &[pay("p1", d("60.00")), pay("p2", d("50.00"))],
        )
        .unwrap();
        assert_eq!(f.facts.amount(), Some(d("20.00")));
        assert_eq!(f.facts.currency(), Some("NZD"));
        assert_eq!(
            paid_and_excess(&f),
            (Some(d("110.00")), Some(d("20.00")), 2)
        );
        assert_eq!(f.key, "paid_twice:inv-id:overpaid");
        assert!(overpaid_with(&doc_of(d("100.00")), None, &[pay("p1", d("100.00"))]).is_none());
    }

    #[test]
    fn outliers_near_the_decimal_limit_do_not_panic() {
        let config = AnomalyConfig::default();
        let huge = Decimal::MAX / Decimal::from(3);
        // Every amount huge: ten times the median is out of range, so none is an outlier.
        let found = outliers_in(&config, None, None, None, amounts(&[huge; 8], "PAID"));
        assert!(found.is_empty());
        // Tiny ordinary amounts and one at the limit: an outlier, whose ratio
        // to the median is out of range.
        let tiny = "0.0000000000000000000000001".parse::<Decimal>().unwrap();
        let mut vals = vec![tiny; 7];
        vals.push(Decimal::MAX);
        let found = outliers_in(&config, None, None, None, amounts(&vals, "PAID"));
        assert_eq!(found.len(), 1);
        assert!(
            matches!(
                found[0].facts,
                FindingFacts::AmountOutlier {
                    times_median: None,
                    ..
                }
            ),
            "{:?}",
            found[0].facts
        );
    }

    #[test]
    fn pair_keys_do_not_depend_on_order_or_case() {
        assert_eq!(
            pair_key(AnomalyRule::DuplicateBill, "B", "a"),
            pair_key(AnomalyRule::DuplicateBill, "A", "b")
        );
        assert_eq!(e4(Decimal::from(100)), Some(1_000_000));
        assert_eq!(e4("0.00001".parse().unwrap()), None);
    }

    #[test]
    fn plain_values_of_a_change_are_text_and_dates_are_days() {
        assert_eq!(plain(&json!("DRAFT")).as_deref(), Some("DRAFT"));
        assert_eq!(
            plain(&json!("/Date(1539993600000+0000)/")).as_deref(),
            Some("2018-10-20")
        );
        assert_eq!(plain(&json!([{"LineAmount": 1}])), None);
        assert_eq!(plain(&Value::Null), None);
    }
}

//! Bookkeeping procedures (SOPs) and the period close: save, version and
//! archive procedures (validated field by field), import the starter library,
//! start a period's run from the procedures due, evaluate its automated checks
//! on the ledger with their evidence, tick steps, sign off, and the reminders.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use ledgerkeep_domain::close::{
    reminders, CheckKind, DueItem, DueRule, Frequency, Period, Reminder, ReminderKind,
    DUE_RULE_FORMS,
};
use ledgerkeep_domain::xero::InvoiceType;
use ledgerkeep_domain::{Actor, Money};
use ledgerkeep_ledger::{
    account_balance, bank_accounts_behind, is_suspense_account, lock_state, stale_draft_cutoff,
    suspense_off, CloseFinding, SourceKind,
};
use ledgerkeep_store::close::{
    CheckRecord, NewRunStep, RunRow, RunStepRow, SopFields, SopRow, SopStep,
};
use ledgerkeep_store::close_checks::{AccountLine, DraftDocument, UnreconciledLine};
use ledgerkeep_store::LedgerStore;
use ledgerkeep_sync::{Notice, Notifier};
use serde::{Deserialize, Serialize};

use crate::ops::close_library::STARTER_LIBRARY;
use crate::{ApiError, AppContext, FieldError};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Longest owner name or "who", in characters.
pub const MAX_NAME: usize = 100;
/// Longest step (Markdown), in characters.
pub const MAX_STEP: usize = 20_000;
/// Most steps in a procedure.
pub const MAX_STEPS: usize = 100;
/// Longest note on a ticked step, in characters.
pub const MAX_NOTE: usize = 2_000;

// ---------------------------------------------------------------------------
// Requests and views.

/// One step as the editor sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SopStepInput {
    /// Markdown.
    pub body: String,
    /// An automated check's name (`unreconciled_bank_lines`, ...), if the step is one.
    #[serde(default)]
    pub check: Option<String>,
    /// The check's number: the days of `stale_drafts` (1 to 365).
    #[serde(default)]
    pub check_param: Option<i32>,
}

/// Creates a procedure (`id` absent) or saves its next version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SaveSopRequest {
    #[serde(default)]
    pub id: Option<i32>,
    pub title: String,
    pub owner: String,
    /// `daily`, `weekly`, `monthly`, `quarterly` or `yearly`.
    pub frequency: String,
    /// `5th business day`, `10th day`, `last business day`, `last day`.
    pub due_rule: String,
    pub steps: Vec<SopStepInput>,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

impl SaveSopRequest {
    /// Checks every field and returns all the refusals at once, or the fields to save.
    pub fn validate(&self) -> Result<SopFields, ApiError> {
        let mut errors = Vec::new();
        let mut err = |field: &str, message: String| {
            errors.push(FieldError {
                field: field.to_owned(),
                message,
            });
        };
        let title = self.title.trim();
        if title.is_empty() {
            err("title", "Title is required.".into());
        } else if chars(title) > MAX_TITLE {
            err(
                "title",
                format!("Title must be at most {MAX_TITLE} characters."),
            );
        }
        let owner = self.owner.trim();
        if owner.is_empty() {
            err("owner", "Owner is required.".into());
        } else if chars(owner) > MAX_NAME {
            err(
                "owner",
                format!("Owner must be at most {MAX_NAME} characters."),
            );
        }
        let frequency = match self.frequency.parse::<Frequency>() {
            Ok(f) => Some(f),
            Err(why) => {
                err("frequency", why);
                None
            }
        };
        let due_rule = match DueRule::parse(&self.due_rule) {
            Ok(r) => Some(r),
            Err(why) => {
                err("dueRule", why);
                None
            }
        };
        if self.steps.is_empty() {
            err("steps", "Add at least one step.".into());
        } else if self.steps.len() > MAX_STEPS {
            err(
                "steps",
                format!("A procedure has at most {MAX_STEPS} steps."),
            );
        }
        let mut steps = Vec::new();
        for (i, s) in self.steps.iter().enumerate().take(MAX_STEPS) {
            let body = s.body.trim();
            if body.is_empty() {
                err(
                    &format!("steps[{i}].body"),
                    format!("Step {} is empty.", i + 1),
                );
            } else if chars(body) > MAX_STEP {
                err(
                    &format!("steps[{i}].body"),
                    format!("Step {} must be at most {MAX_STEP} characters.", i + 1),
                );
            }
            let kind = match s.check.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => None,
                Some(c) => match c.parse::<CheckKind>() {
                    Ok(k) => Some(k),
                    Err(why) => {
                        err(&format!("steps[{i}].check"), why);
                        None
                    }
                },
            };
            let param = match (kind, s.check_param) {
                (Some(CheckKind::StaleDrafts), Some(p)) if !(1..=365).contains(&p) => {
                    err(
                        &format!("steps[{i}].checkParam"),
                        "The number of days must be 1 to 365.".into(),
                    );
                    None
                }
                (Some(k), p) => p.map(i64::from).or(k.default_param()),
                (None, _) => None,
            };
            steps.push(SopStep {
                body: body.to_owned(),
                check_kind: kind.map(|k| k.as_str().to_owned()),
                check_param: param,
            });
        }
        match (frequency, due_rule) {
            (Some(f), Some(r)) if errors.is_empty() => Ok(SopFields {
                title: title.to_owned(),
                owner: owner.to_owned(),
                frequency: f.as_str().to_owned(),
                due_rule: r.to_string(),
                steps,
            }),
            _ => Err(ApiError::fields(errors)),
        }
    }
}

/// A step of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SopStepView {
    pub body: String,
    pub check: Option<CheckKind>,
    pub check_param: Option<i32>,
}

/// A procedure, at its current version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SopView {
    pub id: i32,
    pub title: String,
    pub owner: String,
    pub frequency: Frequency,
    pub due_rule: String,
    pub version: i32,
    pub archived: bool,
    pub updated_at: String,
    pub steps: Vec<SopStepView>,
}

fn i32_of(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

fn step_views(steps: &[SopStep]) -> Vec<SopStepView> {
    steps
        .iter()
        .map(|s| SopStepView {
            body: s.body.clone(),
            check: s.check_kind.as_deref().and_then(|k| k.parse().ok()),
            check_param: s.check_param.map(i32_of),
        })
        .collect()
}

impl From<SopRow> for SopView {
    fn from(r: SopRow) -> Self {
        SopView {
            id: i32_of(r.id),
            steps: step_views(&r.fields.steps),
            frequency: r.fields.frequency.parse().unwrap_or(Frequency::Monthly),
            title: r.fields.title,
            owner: r.fields.owner,
            due_rule: r.fields.due_rule,
            version: i32_of(r.version),
            archived: r.archived_at.is_some(),
            updated_at: r.updated_at,
        }
    }
}

/// Which procedures to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListSopsRequest {
    #[serde(default)]
    pub include_archived: bool,
}

/// Archives a procedure (or brings it back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveSopRequest {
    pub id: i32,
    pub archived: bool,
}

/// A procedure's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SopIdRequest {
    pub id: i32,
}

/// One saved version of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SopVersionView {
    pub version: i32,
    pub saved_at: String,
    pub saved_by: String,
    pub title: String,
    pub owner: String,
    pub frequency: String,
    pub due_rule: String,
    pub steps: Vec<SopStepView>,
}

/// Starts the close of one organisation's month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StartRunRequest {
    pub tenant_id: String,
    /// `YYYY-MM`.
    pub period: String,
}

impl StartRunRequest {
    pub fn validate(&self) -> Result<(String, Period), ApiError> {
        let mut errors = Vec::new();
        let tenant = self.tenant_id.trim();
        if tenant.is_empty() {
            errors.push(FieldError {
                field: "tenantId".into(),
                message: "Choose an organisation.".into(),
            });
        }
        let period = Period::parse(&self.period).map_err(|why| {
            errors.push(FieldError {
                field: "period".into(),
                message: why,
            })
        });
        match period {
            Ok(p) if errors.is_empty() => Ok((tenant.to_owned(), p)),
            _ => Err(ApiError::fields(errors)),
        }
    }
}

/// A run's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RunIdRequest {
    pub run_id: i32,
}

/// An organisation's runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ListRunsRequest {
    pub tenant_id: String,
}

/// Ticks or unticks a step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TickStepRequest {
    pub step_id: i32,
    pub done: bool,
    /// Who did it.
    pub who: String,
    #[serde(default)]
    pub note: Option<String>,
}

fn who_errors(who: &str, errors: &mut Vec<FieldError>) {
    if who.trim().is_empty() {
        errors.push(FieldError {
            field: "who".into(),
            message: "Say who did it.".into(),
        });
    } else if chars(who.trim()) > MAX_NAME {
        errors.push(FieldError {
            field: "who".into(),
            message: format!("A name must be at most {MAX_NAME} characters."),
        });
    }
}

impl TickStepRequest {
    pub fn validate(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        if self.done {
            who_errors(&self.who, &mut errors);
        }
        if let Some(n) = &self.note {
            if chars(n) > MAX_NOTE {
                errors.push(FieldError {
                    field: "note".into(),
                    message: format!("A note must be at most {MAX_NOTE} characters."),
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::fields(errors))
        }
    }
}

/// Signs a run off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SignOffRequest {
    pub run_id: i32,
    pub who: String,
}

/// Whether an automated check passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum CloseCheckStatus {
    Pass,
    Fail,
}

/// One record behind a check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceView {
    /// The ledger table (`bank_transactions`, `invoices`, `journals`, `accounts`, `organisations`, `audit_log`).
    pub table: String,
    pub xero_id: String,
    pub date: Option<String>,
    pub label: String,
    pub amount: Option<Money>,
    pub currency: Option<String>,
    pub detail: String,
}

/// `parts` that are present and not empty, joined as the evidence shows them.
fn joined(parts: impl IntoIterator<Item = Option<String>>) -> String {
    parts
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

impl From<UnreconciledLine> for EvidenceView {
    fn from(l: UnreconciledLine) -> Self {
        EvidenceView {
            table: "bank_transactions".into(),
            xero_id: l.xero_id,
            date: l.date,
            label: joined([l.contact, l.reference]),
            amount: l.total,
            currency: l.currency,
            detail: format!(
                "{} on account {} is not reconciled",
                l.kind.unwrap_or_else(|| "Bank transaction".into()),
                l.bank_account_code.unwrap_or_else(|| "?".into())
            ),
        }
    }
}

impl From<DraftDocument> for EvidenceView {
    fn from(d: DraftDocument) -> Self {
        let what = if d.kind == Some(InvoiceType::AccPay) {
            "Bill"
        } else {
            "Invoice"
        };
        EvidenceView {
            table: "invoices".into(),
            xero_id: d.xero_id,
            date: d.date,
            label: joined([d.number, d.contact]),
            amount: d.total,
            currency: d.currency,
            detail: format!(
                "{what} still {}",
                d.status.unwrap_or_default().to_lowercase()
            ),
        }
    }
}

impl From<AccountLine> for EvidenceView {
    fn from(l: AccountLine) -> Self {
        let what = match SourceKind::parse(&l.source_type) {
            Some(k) => k.as_str().to_owned(),
            None => l.source_type,
        };
        EvidenceView {
            table: l.table,
            xero_id: l.source_xero_id,
            date: Some(l.date),
            label: match l.reference.filter(|r| !r.is_empty()) {
                Some(r) => format!("{what} · {r}"),
                None => what,
            },
            amount: l.amount,
            currency: l.currency,
            detail: l.description.unwrap_or_else(|| "Ledger line".into()),
        }
    }
}

/// An automated check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CheckOutcome {
    pub status: CloseCheckStatus,
    pub summary: String,
    pub evidence: Vec<EvidenceView>,
}

/// A step of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RunStepView {
    pub id: i32,
    pub sop_id: i32,
    pub sop_title: String,
    pub sop_version: i32,
    pub position: i32,
    pub body: String,
    pub check: Option<CheckKind>,
    pub due_date: String,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
    pub note: Option<String>,
    pub outcome: Option<CheckOutcome>,
    pub checked_at: Option<String>,
}

/// A run, its steps, and what changed in its period since sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    pub id: i32,
    pub tenant_id: String,
    pub period: String,
    pub title: String,
    pub created_at: String,
    pub signed_off_at: Option<String>,
    pub signed_off_by: Option<String>,
    pub ledger_hash: Option<String>,
    /// Sentences for the owner: the period's ledger changed after sign-off.
    pub warnings: Vec<String>,
    /// The edits behind the warnings.
    pub edits_since_sign_off: Vec<EvidenceView>,
    pub steps: Vec<RunStepView>,
}

/// A run in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RunSummaryView {
    pub id: i32,
    pub period: String,
    pub title: String,
    pub signed_off_at: Option<String>,
    pub steps: i32,
    pub done: i32,
}

// ---------------------------------------------------------------------------
// Procedures.

fn now(ctx: &AppContext) -> DateTime<Utc> {
    ctx.config().now()
}

#[tracing::instrument(name = "op", skip_all, fields(op = "list_sops", request_id = %crate::request_id()))]
pub async fn list_sops(ctx: &AppContext, req: ListSopsRequest) -> Result<Vec<SopView>, ApiError> {
    Ok(ctx
        .store()
        .sops(req.include_archived)
        .await?
        .into_iter()
        .map(SopView::from)
        .collect())
}

/// Creates a procedure, or saves the next version of one. Nothing is saved
/// when a field is refused: the error names each field.
#[tracing::instrument(name = "op", skip_all, fields(op = "save_sop", request_id = %crate::request_id()))]
pub async fn save_sop(ctx: &AppContext, req: SaveSopRequest) -> Result<SopView, ApiError> {
    let fields = req.validate()?;
    let row = match req.id {
        None => {
            ctx.store()
                .create_sop(&fields, &Actor::user("create-sop"), now(ctx))
                .await?
        }
        Some(id) => {
            ctx.store()
                .update_sop(i64::from(id), &fields, &Actor::user("edit-sop"), now(ctx))
                .await?
        }
    };
    Ok(row.into())
}

#[tracing::instrument(name = "op", skip_all, fields(op = "archive_sop", request_id = %crate::request_id()))]
pub async fn archive_sop(ctx: &AppContext, req: ArchiveSopRequest) -> Result<SopView, ApiError> {
    let action = if req.archived {
        "archive-sop"
    } else {
        "restore-sop"
    };
    Ok(ctx
        .store()
        .set_sop_archived(
            i64::from(req.id),
            req.archived,
            &Actor::user(action),
            now(ctx),
        )
        .await?
        .into())
}

#[tracing::instrument(name = "op", skip_all, fields(op = "sop_versions", request_id = %crate::request_id()))]
pub async fn sop_versions(
    ctx: &AppContext,
    req: SopIdRequest,
) -> Result<Vec<SopVersionView>, ApiError> {
    Ok(ctx
        .store()
        .sop_versions(i64::from(req.id))
        .await?
        .into_iter()
        .map(|v| SopVersionView {
            version: i32_of(v.version),
            saved_at: v.saved_at,
            saved_by: v.saved_by,
            steps: step_views(&v.fields.steps),
            title: v.fields.title,
            owner: v.fields.owner,
            frequency: v.fields.frequency,
            due_rule: v.fields.due_rule,
        })
        .collect())
}

/// Imports the starter library: each procedure whose title is not already in
/// the ledger (archived ones count). Returns the procedures added.
#[tracing::instrument(name = "op", skip_all, fields(op = "import_starter_sops", request_id = %crate::request_id()))]
pub async fn import_starter_sops(ctx: &AppContext) -> Result<Vec<SopView>, ApiError> {
    let have: BTreeSet<String> = ctx
        .store()
        .sops(true)
        .await?
        .into_iter()
        .map(|s| s.fields.title.to_lowercase())
        .collect();
    let mut added = Vec::new();
    for s in STARTER_LIBRARY {
        if have.contains(&s.title.to_lowercase()) {
            continue;
        }
        let req = SaveSopRequest {
            id: None,
            title: s.title.into(),
            owner: s.owner.into(),
            frequency: s.frequency.into(),
            due_rule: s.due_rule.into(),
            steps: s
                .steps
                .iter()
                .map(|st| SopStepInput {
                    body: st.body.into(),
                    check: st.check.map(|k| k.as_str().to_owned()),
                    check_param: None,
                })
                .collect(),
        };
        let fields = req.validate()?;
        let row = ctx
            .store()
            .create_sop(&fields, &Actor::user("import-starter-sops"), now(ctx))
            .await?;
        added.push(row.into());
    }
    Ok(added)
}

// ---------------------------------------------------------------------------
// Automated checks.

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The check's result: its verdict, the finding in words, and its evidence.
fn outcome(finding: &CloseFinding, names: &[&str], evidence: Vec<EvidenceView>) -> CheckOutcome {
    CheckOutcome {
        status: if finding.passes() {
            CloseCheckStatus::Pass
        } else {
            CloseCheckStatus::Fail
        },
        summary: summary(finding, names),
        evidence,
    }
}

/// A finding as the owner reads it; `names` are the accounts it is about.
fn summary(finding: &CloseFinding, names: &[&str]) -> String {
    let passes = finding.passes();
    match finding {
        CloseFinding::BankLines {
            unreconciled,
            up_to,
        } => {
            let up_to = day(*up_to);
            if passes {
                format!("Every bank line up to {up_to} is reconciled.")
            } else {
                format!(
                    "{} up to {up_to}.",
                    plural(
                        *unreconciled,
                        "unreconciled bank line",
                        "unreconciled bank lines"
                    )
                )
            }
        }
        CloseFinding::StaleDrafts { count, days, at } => {
            let at = day(*at);
            if passes {
                format!("No draft invoice or bill older than {days} days at {at}.")
            } else {
                format!(
                    "{} older than {days} days at {at}.",
                    plural(*count, "draft invoice or bill", "draft invoices and bills")
                )
            }
        }
        CloseFinding::NoSuspenseAccount => {
            "No suspense or clearing account in the chart of accounts.".to_owned()
        }
        CloseFinding::Suspense { accounts, off, at } => {
            let at = day(*at);
            if passes {
                format!(
                    "{} at zero on {at}.",
                    plural(
                        *accounts,
                        "suspense or clearing account",
                        "suspense and clearing accounts"
                    )
                )
            } else {
                // The balances are in the evidence, as amounts the UI formats.
                format!(
                    "{} not at zero on {at}: {}.",
                    plural(off.len(), "account", "accounts"),
                    names.join(", ")
                )
            }
        }
        CloseFinding::BankSync {
            accounts,
            behind,
            ended,
        } => {
            let ended = day(*ended);
            if passes {
                format!(
                    "{} synced since {ended}.",
                    plural(*accounts, "bank account", "bank accounts")
                )
            } else {
                format!(
                    "{} not synced since {ended}.",
                    plural(behind.len(), "bank account", "bank accounts")
                )
            }
        }
        CloseFinding::Lock {
            locked_to,
            period_end,
        } => match locked_to {
            Some(d) if passes => format!("Locked up to {}.", day(*d)),
            Some(d) => format!(
                "Locked only up to {}; the period ends {}.",
                day(*d),
                day(*period_end)
            ),
            None => "No lock date is set in Xero.".to_owned(),
        },
        CloseFinding::ClosedPeriodEdits { changes, periods } => {
            if passes {
                "No transaction in a signed-off period changed since its sign-off.".to_owned()
            } else {
                format!(
                    "{} since sign-off in {}.",
                    plural(*changes, "change", "changes"),
                    periods.join(", ")
                )
            }
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A date the ledger keeps as `YYYY-MM-DD` text (its first ten characters).
fn stored_day(text: Option<&str>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text?.get(..10)?, "%Y-%m-%d").ok()
}

/// An account's name as the evidence shows it: its code first, if any.
fn account_label(code: Option<&str>, name: &str) -> String {
    match code {
        Some(c) => format!("{c} {name}"),
        None => name.to_owned(),
    }
}

/// Evaluates one automated check for `tenant`'s `period` on the ledger: the
/// store reads the facts, `ledgerkeep_ledger`'s close rules decide.
/// `exclude_run` is the run being checked (its own sign-off is not a closed period).
pub async fn evaluate_check(
    store: &LedgerStore,
    tenant: &str,
    period: Period,
    kind: CheckKind,
    param: Option<i64>,
    exclude_run: Option<i64>,
) -> Result<CheckOutcome, ApiError> {
    let end = period.last_day();
    let end_s = day(end);
    Ok(match kind {
        CheckKind::UnreconciledBankLines => {
            let rows = store.unreconciled_bank_lines(tenant, &end_s).await?;
            let finding = CloseFinding::BankLines {
                unreconciled: rows.len(),
                up_to: end,
            };
            outcome(&finding, &[], rows.into_iter().map(Into::into).collect())
        }
        CheckKind::StaleDrafts => {
            let (days, cutoff) = stale_draft_cutoff(end, param.or(kind.default_param()));
            let rows = store.stale_drafts(tenant, &day(cutoff)).await?;
            let finding = CloseFinding::StaleDrafts {
                count: rows.len(),
                days,
                at: end,
            };
            outcome(&finding, &[], rows.into_iter().map(Into::into).collect())
        }
        CheckKind::SuspenseAtZero => {
            let mut accounts = Vec::new();
            for a in store.chart_names(tenant).await? {
                if !is_suspense_account(&a.name) {
                    continue;
                }
                let lines = store.account_lines_to(tenant, &a.xero_id, &end_s).await?;
                let balance = account_balance(
                    lines
                        .iter()
                        .map(|l| l.amount.map(|m| m.as_decimal()).unwrap_or_default()),
                )
                .ok_or_else(|| ApiError::internal("A suspense balance is out of range."))?;
                accounts.push((a, balance, lines));
            }
            let balances: Vec<_> = accounts.iter().map(|(_, b, _)| *b).collect();
            let off = suspense_off(&balances);
            let mut evidence = Vec::new();
            for (a, balance, lines) in off.iter().filter_map(|i| accounts.get(*i)) {
                evidence.push(EvidenceView {
                    table: "accounts".into(),
                    xero_id: a.xero_id.clone(),
                    date: Some(end_s.clone()),
                    label: account_label(a.code.as_deref(), &a.name),
                    amount: Some(Money::new(*balance)),
                    currency: None,
                    detail: "Balance at the period's end".into(),
                });
                evidence.extend(lines.iter().cloned().map(EvidenceView::from));
            }
            let names: Vec<&str> = off
                .iter()
                .filter_map(|i| accounts.get(*i))
                .map(|(a, _, _)| a.name.as_str())
                .collect();
            let finding = if accounts.is_empty() {
                CloseFinding::NoSuspenseAccount
            } else {
                CloseFinding::Suspense {
                    accounts: accounts.len(),
                    off,
                    at: end,
                }
            };
            outcome(&finding, &names, evidence)
        }
        CheckKind::BankAccountsSynced => {
            let accounts = store.bank_sync_state(tenant).await?;
            let synced: Vec<Option<DateTime<Utc>>> = accounts
                .iter()
                .map(|a| {
                    a.synced_at
                        .as_deref()
                        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                        .map(|t| t.with_timezone(&Utc))
                })
                .collect();
            let behind = bank_accounts_behind(&synced, end);
            let evidence = behind
                .iter()
                .filter_map(|i| accounts.get(*i))
                .map(|a| EvidenceView {
                    table: "accounts".into(),
                    xero_id: a.xero_id.clone(),
                    date: None,
                    label: account_label(a.code.as_deref(), &a.name),
                    amount: None,
                    currency: None,
                    detail: match &a.synced_at {
                        Some(s) => format!("Last synced {s}, before the period ended"),
                        None => "Never synced".into(),
                    },
                })
                .collect();
            let finding = CloseFinding::BankSync {
                accounts: accounts.len(),
                behind,
                ended: end,
            };
            outcome(&finding, &[], evidence)
        }
        CheckKind::PeriodLocked => {
            let org = store.lock_dates(tenant).await?;
            let (name, lock, year_lock) = org.unwrap_or_default();
            let finding = lock_state(
                stored_day(lock.as_deref()),
                stored_day(year_lock.as_deref()),
                end,
            );
            let CloseFinding::Lock { locked_to, .. } = &finding else {
                return Err(ApiError::internal("the lock rule gave another finding"));
            };
            let evidence = vec![EvidenceView {
                table: "organisations".into(),
                xero_id: tenant.to_owned(),
                date: locked_to.map(day),
                label: name,
                amount: None,
                currency: None,
                detail: format!(
                    "Period lock date {}; end-of-year lock date {}",
                    lock.as_deref().unwrap_or("not set"),
                    year_lock.as_deref().unwrap_or("not set")
                ),
            }];
            outcome(&finding, &[], evidence)
        }
        CheckKind::ClosedPeriodEdits => {
            let mut evidence = Vec::new();
            let mut periods = Vec::new();
            for run in store.runs(tenant).await? {
                if Some(run.id) == exclude_run || run.signed_off_at.is_none() {
                    continue;
                }
                let edits = period_edits(store, &run).await?;
                if !edits.is_empty() {
                    periods.push(run.title.clone());
                }
                evidence.extend(edits);
            }
            let finding = CloseFinding::ClosedPeriodEdits {
                changes: evidence.len(),
                periods,
            };
            outcome(&finding, &[], evidence)
        }
    })
}

/// The changes, since `run` was signed off, to records dated in its period.
async fn period_edits(store: &LedgerStore, run: &RunRow) -> Result<Vec<EvidenceView>, ApiError> {
    let (Some(seq), Ok(period)) = (run.audit_seq, Period::parse(&run.period)) else {
        return Ok(Vec::new());
    };
    let edits = store
        .edits_in_period(
            &run.tenant_id,
            &day(period.first_day()),
            &day(period.last_day()),
            seq,
        )
        .await?;
    Ok(edits
        .into_iter()
        .map(|e| {
            let fields: Vec<String> =
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&e.changes_json)
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
            EvidenceView {
                table: e.table,
                xero_id: e.xero_id,
                date: e.date,
                label: format!("Audit row {}", e.seq),
                amount: None,
                currency: None,
                detail: format!(
                    "{} by {} at {}{}",
                    e.action,
                    e.actor,
                    e.at,
                    if fields.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", fields.join(", "))
                    }
                ),
            }
        })
        .collect())
}

// ---------------------------------------------------------------------------
// Runs.

fn step_view(s: RunStepRow) -> RunStepView {
    let outcome = match (s.check_status.as_deref(), s.check_summary) {
        (Some(status), Some(summary)) => Some(CheckOutcome {
            status: if status == "pass" {
                CloseCheckStatus::Pass
            } else {
                CloseCheckStatus::Fail
            },
            summary,
            evidence: s
                .evidence_json
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok())
                .unwrap_or_default(),
        }),
        _ => None,
    };
    RunStepView {
        id: i32_of(s.id),
        sop_id: i32_of(s.sop_id),
        sop_title: s.sop_title,
        sop_version: i32_of(s.sop_version),
        position: i32_of(s.position),
        body: s.body,
        check: s.check_kind.as_deref().and_then(|k| k.parse().ok()),
        due_date: s.due_date,
        done_at: s.done_at,
        done_by: s.done_by,
        note: s.note,
        outcome,
        checked_at: s.checked_at,
    }
}

async fn run_view(store: &LedgerStore, run_id: i64) -> Result<RunView, ApiError> {
    let (run, steps) = store
        .run(run_id)
        .await?
        .ok_or_else(|| ApiError::invalid(format!("There is no checklist run {run_id}.")))?;
    let mut warnings = Vec::new();
    let mut edits = Vec::new();
    if let (Some(hash), Ok(period)) = (&run.ledger_hash, Period::parse(&run.period)) {
        let now_hash = store
            .period_ledger_hash(
                &run.tenant_id,
                &day(period.first_day()),
                &day(period.last_day()),
            )
            .await?;
        edits = period_edits(store, &run).await?;
        if &now_hash != hash || !edits.is_empty() {
            warnings.push(format!(
                "The books for {} changed after sign-off ({}). Review them, and the lock date in Xero.",
                period.first_day().format("%B %Y"),
                plural(edits.len().max(1), "change", "changes")
            ));
        }
    }
    Ok(RunView {
        id: i32_of(run.id),
        tenant_id: run.tenant_id,
        period: run.period,
        title: run.title,
        created_at: run.created_at,
        signed_off_at: run.signed_off_at,
        signed_off_by: run.signed_off_by,
        ledger_hash: run.ledger_hash,
        warnings,
        edits_since_sign_off: edits,
        steps: steps.into_iter().map(step_view).collect(),
    })
}

/// Evaluates every automated step of an open run and records the results.
async fn refresh_checks(
    store: &LedgerStore,
    run_id: i64,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    let (run, steps) = store
        .run(run_id)
        .await?
        .ok_or_else(|| ApiError::invalid(format!("There is no checklist run {run_id}.")))?;
    if run.signed_off_at.is_some() {
        return Ok(());
    }
    let period = Period::parse(&run.period).map_err(ApiError::internal)?;
    for s in steps {
        let Some(kind) = s
            .check_kind
            .as_deref()
            .and_then(|k| k.parse::<CheckKind>().ok())
        else {
            continue;
        };
        let o = evaluate_check(
            store,
            &run.tenant_id,
            period,
            kind,
            s.check_param,
            Some(run.id),
        )
        .await?;
        let record = CheckRecord {
            status: match o.status {
                CloseCheckStatus::Pass => "pass".into(),
                CloseCheckStatus::Fail => "fail".into(),
            },
            summary: o.summary,
            evidence_json: serde_json::to_string(&o.evidence)
                .map_err(|e| ApiError::internal(e.to_string()))?,
        };
        store
            .record_check(s.id, &record, &Actor::user("run-checks"), at)
            .await?;
    }
    Ok(())
}

/// Starts a period's run from every procedure due in it (not archived), and
/// evaluates its automated checks.
#[tracing::instrument(name = "op", skip_all, fields(op = "start_run", request_id = %crate::request_id()))]
pub async fn start_run(ctx: &AppContext, req: StartRunRequest) -> Result<RunView, ApiError> {
    let (tenant, period) = req.validate()?;
    let store = ctx.store();
    let year_end = store.year_end_month(&tenant).await?.unwrap_or(12);
    let mut steps = Vec::new();
    for sop in store.sops(false).await? {
        let Ok(freq) = sop.fields.frequency.parse::<Frequency>() else {
            continue;
        };
        if !freq.is_due_in(period, year_end) {
            continue;
        }
        let due = DueRule::parse(&sop.fields.due_rule)
            .map(|r| r.due_date(period))
            .unwrap_or_else(|_| period.last_day());
        for (i, st) in sop.fields.steps.iter().enumerate() {
            steps.push(NewRunStep {
                sop_id: sop.id,
                sop_version: sop.version,
                sop_title: sop.fields.title.clone(),
                position: i64::try_from(i).unwrap_or(i64::MAX),
                body: st.body.clone(),
                check_kind: st.check_kind.clone(),
                check_param: st.check_param,
                due_date: day(due),
            });
        }
    }
    if steps.is_empty() {
        return Err(ApiError::fields(vec![FieldError {
            field: "period".into(),
            message: format!(
                "No procedure is due for {}: add a monthly procedure, or import the starter library.",
                period.close_title()
            ),
        }]));
    }
    let at = now(ctx);
    let run = store
        .create_run(
            &tenant,
            &period.to_string(),
            &period.close_title(),
            &steps,
            &Actor::user("start-run"),
            at,
        )
        .await?;
    refresh_checks(store, run.id, at).await?;
    run_view(store, run.id).await
}

#[tracing::instrument(name = "op", skip_all, fields(op = "list_runs", request_id = %crate::request_id()))]
pub async fn list_runs(
    ctx: &AppContext,
    req: ListRunsRequest,
) -> Result<Vec<RunSummaryView>, ApiError> {
    let mut out = Vec::new();
    for r in ctx.store().runs(req.tenant_id.trim()).await? {
        let steps = ctx
            .store()
            .run(r.id)
            .await?
            .map(|(_, s)| s)
            .unwrap_or_default();
        let done = steps.iter().filter(|s| step_is_done(s)).count();
        out.push(RunSummaryView {
            id: i32_of(r.id),
            period: r.period,
            title: r.title,
            signed_off_at: r.signed_off_at,
            steps: i32::try_from(steps.len()).unwrap_or(i32::MAX),
            done: i32::try_from(done).unwrap_or(i32::MAX),
        });
    }
    Ok(out)
}

/// A step counts as done when ticked, or when it is an automated check that passed.
fn step_is_done(s: &RunStepRow) -> bool {
    s.done_at.is_some() || s.check_status.as_deref() == Some("pass")
}

#[tracing::instrument(name = "op", skip_all, fields(op = "get_run", request_id = %crate::request_id()))]
pub async fn get_run(ctx: &AppContext, req: RunIdRequest) -> Result<RunView, ApiError> {
    run_view(ctx.store(), i64::from(req.run_id)).await
}

/// Evaluates an open run's automated checks again (after a sync, say).
#[tracing::instrument(name = "op", skip_all, fields(op = "run_checks", request_id = %crate::request_id()))]
pub async fn run_checks(ctx: &AppContext, req: RunIdRequest) -> Result<RunView, ApiError> {
    refresh_checks(ctx.store(), i64::from(req.run_id), now(ctx)).await?;
    run_view(ctx.store(), i64::from(req.run_id)).await
}

#[tracing::instrument(name = "op", skip_all, fields(op = "tick_step", request_id = %crate::request_id()))]
pub async fn tick_step(ctx: &AppContext, req: TickStepRequest) -> Result<RunView, ApiError> {
    req.validate()?;
    let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let step = ctx
        .store()
        .tick_step(
            i64::from(req.step_id),
            req.done,
            req.who.trim(),
            note,
            &Actor::user(if req.done { "tick-step" } else { "untick-step" }),
            now(ctx),
        )
        .await?;
    run_view(ctx.store(), step.run_id).await
}

/// Signs a run off: every step must be done (ticked, or a check that passed;
/// a failing check is ticked with a note saying why it is accepted). Records
/// the hash of the period's ledger, and locks the run.
#[tracing::instrument(name = "op", skip_all, fields(op = "sign_off_run", request_id = %crate::request_id()))]
pub async fn sign_off_run(ctx: &AppContext, req: SignOffRequest) -> Result<RunView, ApiError> {
    let mut errors = Vec::new();
    who_errors(&req.who, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::fields(errors));
    }
    let store = ctx.store();
    let run_id = i64::from(req.run_id);
    let at = now(ctx);
    refresh_checks(store, run_id, at).await?;
    let (run, steps) = store
        .run(run_id)
        .await?
        .ok_or_else(|| ApiError::invalid(format!("There is no checklist run {run_id}.")))?;
    let open: Vec<_> = steps.iter().filter(|s| !step_is_done(s)).collect();
    if !open.is_empty() {
        return Err(ApiError::invalid(format!(
            "{} still open: tick each (a failing check with a note saying why it is accepted) before signing off.",
            plural(open.len(), "step is", "steps are")
        )));
    }
    let period = Period::parse(&run.period).map_err(ApiError::internal)?;
    let hash = store
        .period_ledger_hash(
            &run.tenant_id,
            &day(period.first_day()),
            &day(period.last_day()),
        )
        .await?;
    store
        .sign_off_run(
            run_id,
            req.who.trim(),
            &hash,
            &Actor::user("sign-off-run"),
            at,
        )
        .await?;
    run_view(store, run_id).await
}

// ---------------------------------------------------------------------------
// Reminders.

/// The setting holding the reminders already shown.
const REMINDERS_SHOWN: &str = "close.reminders_shown";
/// How many shown keys are kept.
const REMINDERS_KEEP: usize = 500;

/// A reminder to show as a desktop notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReminderView {
    pub kind: ReminderKind,
    pub title: String,
    pub body: String,
}

/// What is due: each open run's earliest unfinished step, and, for each
/// organisation in the ledger, last month's run when it has not been started
/// and some procedure is due in it.
pub async fn due_items(store: &LedgerStore, today: NaiveDate) -> Result<Vec<DueItem>, ApiError> {
    let mut items = Vec::new();
    for run in store.open_runs().await? {
        let Some((_, steps)) = store.run(run.id).await? else {
            continue;
        };
        if let Some(due) = steps
            .iter()
            .filter(|s| !step_is_done(s))
            .map(|s| s.due_date.clone())
            .min()
        {
            if let Ok(due) = NaiveDate::parse_from_str(&due, "%Y-%m-%d") {
                items.push(DueItem {
                    key: format!("run:{}", run.id),
                    title: run.title.clone(),
                    due,
                });
            }
        }
    }
    let last_month = Period::of(today).previous();
    let sops = store.sops(false).await?;
    for org in store.organisations().await? {
        let runs = store.runs(&org.tenant_id).await?;
        if runs.iter().any(|r| r.period == last_month.to_string()) {
            continue;
        }
        let year_end = store.year_end_month(&org.tenant_id).await?.unwrap_or(12);
        let due = sops
            .iter()
            .filter(|s| {
                s.fields
                    .frequency
                    .parse::<Frequency>()
                    .is_ok_and(|f| f.is_due_in(last_month, year_end))
            })
            .filter_map(|s| DueRule::parse(&s.fields.due_rule).ok())
            .map(|r| r.due_date(last_month))
            .min();
        if let Some(due) = due {
            let name = org.name.clone().unwrap_or_else(|| org.tenant_id.clone());
            items.push(DueItem {
                key: format!("start:{}:{last_month}", org.tenant_id),
                title: format!("{} for {name}", last_month.close_title()),
                due,
            });
        }
    }
    Ok(items)
}

/// The reminders to show now, each once (the shown ones are remembered in the
/// ledger's settings). The app's timer calls this and shows what it returns.
#[tracing::instrument(name = "op", skip_all, fields(op = "close_reminders", request_id = %crate::request_id()))]
pub async fn close_reminders(
    ctx: &AppContext,
    at: DateTime<Utc>,
) -> Result<Vec<ReminderView>, ApiError> {
    let store = ctx.store();
    let items = due_items(store, at.date_naive()).await?;
    let mut shown: Vec<String> = store
        .setting(REMINDERS_SHOWN)
        .await?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let set: BTreeSet<String> = shown.iter().cloned().collect();
    let due: Vec<Reminder> = reminders(&items, at.date_naive(), &set);
    if !due.is_empty() {
        shown.extend(due.iter().map(|r| r.key.clone()));
        let drop = shown.len().saturating_sub(REMINDERS_KEEP);
        shown.drain(..drop);
        let json = serde_json::to_string(&shown).map_err(|e| ApiError::internal(e.to_string()))?;
        store.set_setting(REMINDERS_SHOWN, &json, at).await?;
    }
    Ok(due
        .into_iter()
        .map(|r| ReminderView {
            kind: r.kind,
            title: r.title,
            body: r.body,
        })
        .collect())
}

/// Decides the reminders due `at` and shows each through `notifier` (the
/// desktop's, in the app): what the app's hourly timer runs.
#[tracing::instrument(name = "op", skip_all, fields(op = "send_close_reminders", request_id = %crate::request_id()))]
pub async fn send_close_reminders(
    ctx: &AppContext,
    at: DateTime<Utc>,
    notifier: &dyn Notifier,
) -> Result<Vec<ReminderView>, ApiError> {
    let due = close_reminders(ctx, at).await?;
    for r in &due {
        notifier.notify(Notice {
            summary: r.title.clone(),
            body: r.body.clone(),
        });
    }
    Ok(due)
}

/// The hint shown beside the due-rule field.
pub fn due_rule_hint() -> &'static str {
    DUE_RULE_FORMS
}

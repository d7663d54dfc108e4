//! Procedures (SOPs), their versions, and the period-close runs made from
//! them. Every change is written with its audit row in one `BEGIN IMMEDIATE`
//! transaction. Procedures belong to the whole ledger (audit tenant `""`);
//! runs belong to one organisation.
//!
//! Inputs arrive validated (the API's request types check them); this module
//! only refuses what the stored state forbids (a signed-off run, an unknown id).

use chrono::{DateTime, Utc};
use ledgerkeep_domain::{format_instant, Actor};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::{Row, SqliteConnection};

use crate::audit::{self, diff_fields, AuditAction, PendingAudit};
use crate::{LedgerStore, StoreError};

/// One step of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SopStep {
    /// Markdown.
    pub body: String,
    /// The automated check's name (`CheckKind::as_str`), if any.
    pub check_kind: Option<String>,
    pub check_param: Option<i64>,
}

/// A procedure's fields, as saved in each version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SopFields {
    pub title: String,
    pub owner: String,
    pub frequency: String,
    pub due_rule: String,
    pub steps: Vec<SopStep>,
}

/// A procedure as stored now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SopRow {
    pub id: i64,
    pub version: i64,
    pub archived_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub fields: SopFields,
}

/// One saved version of a procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SopVersionRow {
    pub version: i64,
    pub saved_at: String,
    pub saved_by: String,
    pub fields: SopFields,
}

/// A step of a run, to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRunStep {
    pub sop_id: i64,
    pub sop_version: i64,
    pub sop_title: String,
    pub position: i64,
    pub body: String,
    pub check_kind: Option<String>,
    pub check_param: Option<i64>,
    /// `YYYY-MM-DD`.
    pub due_date: String,
}

/// A close run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub tenant_id: String,
    pub period: String,
    pub title: String,
    pub created_at: String,
    pub created_by: String,
    pub signed_off_at: Option<String>,
    pub signed_off_by: Option<String>,
    pub ledger_hash: Option<String>,
    pub audit_seq: Option<i64>,
}

/// A run's step and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunStepRow {
    pub id: i64,
    pub run_id: i64,
    pub sop_id: i64,
    pub sop_version: i64,
    pub sop_title: String,
    pub position: i64,
    pub body: String,
    pub check_kind: Option<String>,
    pub check_param: Option<i64>,
    pub due_date: String,
    pub done_at: Option<String>,
    pub done_by: Option<String>,
    pub note: Option<String>,
    pub check_status: Option<String>,
    pub check_summary: Option<String>,
    pub evidence_json: Option<String>,
    pub checked_at: Option<String>,
}

/// An automated check's result, to be recorded on a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    /// `pass` or `fail`.
    pub status: String,
    pub summary: String,
    pub evidence_json: String,
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn pending(
    table: &'static str,
    tenant: &str,
    id: i64,
    action: AuditAction,
    old: Option<&Value>,
    new: Option<&Value>,
) -> PendingAudit {
    PendingAudit {
        table,
        tenant_id: tenant.to_owned(),
        record_id: id.to_string(),
        action,
        changes_json: diff_fields(old, new),
    }
}

async fn write_steps(
    conn: &mut SqliteConnection,
    sop_id: i64,
    steps: &[SopStep],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sop_steps WHERE sop_id = ?")
        .bind(sop_id)
        .execute(&mut *conn)
        .await?;
    for (i, s) in steps.iter().enumerate() {
        sqlx::query("INSERT INTO sop_steps (sop_id, position, body, check_kind, check_param) VALUES (?, ?, ?, ?, ?)")
            .bind(sop_id)
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .bind(&s.body)
            .bind(&s.check_kind)
            .bind(s.check_param)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn write_version(
    conn: &mut SqliteConnection,
    sop_id: i64,
    version: i64,
    fields: &SopFields,
    actor: &str,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sop_versions (sop_id, version, snapshot, saved_at, saved_by) VALUES (?, ?, ?, ?, ?)")
        .bind(sop_id)
        .bind(version)
        .bind(ledgerkeep_domain::canonical_json(&to_value(fields)))
        .bind(at)
        .bind(actor)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn read_sop(conn: &mut SqliteConnection, id: i64) -> Result<Option<SopRow>, StoreError> {
    let Some(r) = sqlx::query(
        "SELECT id, title, owner, frequency, due_rule, version, archived_at, created_at, updated_at FROM sops WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let steps = sqlx::query(
        "SELECT body, check_kind, check_param FROM sop_steps WHERE sop_id = ? ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|s| {
        Ok(SopStep {
            body: s.try_get("body")?,
            check_kind: s.try_get("check_kind")?,
            check_param: s.try_get("check_param")?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(SopRow {
        id: r.try_get("id")?,
        version: r.try_get("version")?,
        archived_at: r.try_get("archived_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        fields: SopFields {
            title: r.try_get("title")?,
            owner: r.try_get("owner")?,
            frequency: r.try_get("frequency")?,
            due_rule: r.try_get("due_rule")?,
            steps,
        },
    }))
}

fn sop_audit_value(fields: &SopFields, version: i64, archived_at: Option<&str>) -> Value {
    let mut v = to_value(fields);
    v["version"] = json!(version);
    v["archived_at"] = json!(archived_at);
    v
}

fn run_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<RunRow, StoreError> {
    Ok(RunRow {
        id: r.try_get("id")?,
        tenant_id: r.try_get("tenant_id")?,
        period: r.try_get("period")?,
        title: r.try_get("title")?,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        signed_off_at: r.try_get("signed_off_at")?,
        signed_off_by: r.try_get("signed_off_by")?,
        ledger_hash: r.try_get("ledger_hash")?,
        audit_seq: r.try_get("audit_seq")?,
    })
}

fn step_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<RunStepRow, StoreError> {
    Ok(RunStepRow {
        id: r.try_get("id")?,
        run_id: r.try_get("run_id")?,
        sop_id: r.try_get("sop_id")?,
        sop_version: r.try_get("sop_version")?,
        sop_title: r.try_get("sop_title")?,
        position: r.try_get("position")?,
        body: r.try_get("body")?,
        check_kind: r.try_get("check_kind")?,
        check_param: r.try_get("check_param")?,
        due_date: r.try_get("due_date")?,
        done_at: r.try_get("done_at")?,
        done_by: r.try_get("done_by")?,
        note: r.try_get("note")?,
        check_status: r.try_get("check_status")?,
        check_summary: r.try_get("check_summary")?,
        evidence_json: r.try_get("evidence_json")?,
        checked_at: r.try_get("checked_at")?,
    })
}

const RUN_COLUMNS: &str = "id, tenant_id, period, title, created_at, created_by, signed_off_at, signed_off_by, ledger_hash, audit_seq";
const STEP_COLUMNS: &str = "id, run_id, sop_id, sop_version, sop_title, position, body, check_kind, check_param, due_date, \
     done_at, done_by, note, check_status, check_summary, evidence_json, checked_at";

/// A step's state for its audit row.
fn step_audit_value(s: &RunStepRow) -> Value {
    json!({
        "done_at": s.done_at, "done_by": s.done_by, "note": s.note,
        "check_status": s.check_status, "check_summary": s.check_summary, "checked_at": s.checked_at,
    })
}

async fn read_step(
    conn: &mut SqliteConnection,
    step_id: i64,
) -> Result<(RunRow, RunStepRow), StoreError> {
    let step = sqlx::query(&format!(
        "SELECT {STEP_COLUMNS} FROM close_run_steps WHERE id = ?"
    ))
    .bind(step_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| StoreError::Invalid(format!("there is no checklist step {step_id}")))?;
    let step = step_from_row(&step)?;
    let run = sqlx::query(&format!(
        "SELECT {RUN_COLUMNS} FROM close_runs WHERE id = ?"
    ))
    .bind(step.run_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((run_from_row(&run)?, step))
}

fn refuse_signed_off(run: &RunRow) -> Result<(), StoreError> {
    match &run.signed_off_at {
        Some(at) => Err(StoreError::Invalid(format!(
            "{} was signed off on {at} and can no longer be changed",
            run.title
        ))),
        None => Ok(()),
    }
}

impl LedgerStore {
    /// Every procedure, newest first by title; archived ones only if asked.
    pub async fn sops(&self, include_archived: bool) -> Result<Vec<SopRow>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM sops WHERE (? OR archived_at IS NULL) ORDER BY title COLLATE NOCASE, id",
        )
        .bind(include_archived)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = read_sop(&mut conn, id).await? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// One procedure.
    pub async fn sop(&self, id: i64) -> Result<Option<SopRow>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        read_sop(&mut conn, id).await
    }

    /// Saves a new procedure as version 1.
    pub async fn create_sop(
        &self,
        fields: &SopFields,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<SopRow, StoreError> {
        let at = format_instant(now);
        let actor = actor.to_string();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sops (title, owner, frequency, due_rule, version, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?) RETURNING id",
        )
        .bind(&fields.title)
        .bind(&fields.owner)
        .bind(&fields.frequency)
        .bind(&fields.due_rule)
        .bind(&at)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?;
        write_steps(&mut tx, id, &fields.steps).await?;
        write_version(&mut tx, id, 1, fields, &actor, &at).await?;
        let new = sop_audit_value(fields, 1, None);
        audit::append(
            &mut tx,
            &[pending(
                "sops",
                "",
                id,
                AuditAction::Insert,
                None,
                Some(&new),
            )],
            &actor,
            &at,
        )
        .await?;
        let row = read_sop(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Data("the new procedure vanished".into()))?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(row)
    }

    /// Saves `fields` as the procedure's next version. Unchanged fields save nothing.
    pub async fn update_sop(
        &self,
        id: i64,
        fields: &SopFields,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<SopRow, StoreError> {
        let at = format_instant(now);
        let actor = actor.to_string();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let old = read_sop(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("there is no procedure {id}")))?;
        if old.fields == *fields {
            tx.rollback().await?;
            return Ok(old);
        }
        let version = old.version + 1;
        sqlx::query("UPDATE sops SET title = ?, owner = ?, frequency = ?, due_rule = ?, version = ?, updated_at = ? WHERE id = ?")
            .bind(&fields.title)
            .bind(&fields.owner)
            .bind(&fields.frequency)
            .bind(&fields.due_rule)
            .bind(version)
            .bind(&at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        write_steps(&mut tx, id, &fields.steps).await?;
        write_version(&mut tx, id, version, fields, &actor, &at).await?;
        let before = sop_audit_value(&old.fields, old.version, old.archived_at.as_deref());
        let after = sop_audit_value(fields, version, old.archived_at.as_deref());
        audit::append(
            &mut tx,
            &[pending(
                "sops",
                "",
                id,
                AuditAction::Update,
                Some(&before),
                Some(&after),
            )],
            &actor,
            &at,
        )
        .await?;
        let row = read_sop(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Data("the procedure vanished".into()))?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(row)
    }

    /// Archives (or restores) a procedure: archived ones are left out of new runs.
    pub async fn set_sop_archived(
        &self,
        id: i64,
        archived: bool,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<SopRow, StoreError> {
        let at = format_instant(now);
        let actor = actor.to_string();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let old = read_sop(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Invalid(format!("there is no procedure {id}")))?;
        let archived_at = archived.then(|| old.archived_at.clone().unwrap_or_else(|| at.clone()));
        if archived_at != old.archived_at {
            sqlx::query("UPDATE sops SET archived_at = ?, updated_at = ? WHERE id = ?")
                .bind(&archived_at)
                .bind(&at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let before = sop_audit_value(&old.fields, old.version, old.archived_at.as_deref());
            let after = sop_audit_value(&old.fields, old.version, archived_at.as_deref());
            audit::append(
                &mut tx,
                &[pending(
                    "sops",
                    "",
                    id,
                    AuditAction::Update,
                    Some(&before),
                    Some(&after),
                )],
                &actor,
                &at,
            )
            .await?;
        }
        let row = read_sop(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::Data("the procedure vanished".into()))?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(row)
    }

    /// Every saved version of a procedure, oldest first.
    pub async fn sop_versions(&self, id: i64) -> Result<Vec<SopVersionRow>, StoreError> {
        let rows = sqlx::query("SELECT version, snapshot, saved_at, saved_by FROM sop_versions WHERE sop_id = ? ORDER BY version")
            .bind(id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let snapshot: String = r.try_get("snapshot")?;
                Ok(SopVersionRow {
                    version: r.try_get("version")?,
                    saved_at: r.try_get("saved_at")?,
                    saved_by: r.try_get("saved_by")?,
                    fields: serde_json::from_str(&snapshot)
                        .map_err(StoreError::value("a JSON value"))?,
                })
            })
            .collect()
    }

    /// Starts a run for `tenant` and `period` with `steps`. A period has one run.
    pub async fn create_run(
        &self,
        tenant_id: &str,
        period: &str,
        title: &str,
        steps: &[NewRunStep],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<RunRow, StoreError> {
        let at = format_instant(now);
        let actor = actor.to_string();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM close_runs WHERE tenant_id = ? AND period = ?")
                .bind(tenant_id)
                .bind(period)
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_some() {
            return Err(StoreError::Invalid(format!(
                "{title} has already been started"
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO close_runs (tenant_id, period, title, created_at, created_by) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(tenant_id)
        .bind(period)
        .bind(title)
        .bind(&at)
        .bind(&actor)
        .fetch_one(&mut *tx)
        .await?;
        for s in steps {
            sqlx::query(
                "INSERT INTO close_run_steps (run_id, sop_id, sop_version, sop_title, position, body, check_kind, check_param, due_date) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(s.sop_id)
            .bind(s.sop_version)
            .bind(&s.sop_title)
            .bind(s.position)
            .bind(&s.body)
            .bind(&s.check_kind)
            .bind(s.check_param)
            .bind(&s.due_date)
            .execute(&mut *tx)
            .await?;
        }
        let new = json!({
            "period": period, "title": title,
            "steps": steps.iter().map(|s| json!({"sop_id": s.sop_id, "sop_version": s.sop_version, "position": s.position})).collect::<Vec<_>>(),
        });
        audit::append(
            &mut tx,
            &[pending(
                "close_runs",
                tenant_id,
                id,
                AuditAction::Insert,
                None,
                Some(&new),
            )],
            &actor,
            &at,
        )
        .await?;
        let run = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} FROM close_runs WHERE id = ?"
        ))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let run = run_from_row(&run)?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(run)
    }

    /// An organisation's runs, newest period first.
    pub async fn runs(&self, tenant_id: &str) -> Result<Vec<RunRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} FROM close_runs WHERE tenant_id = ? ORDER BY period DESC"
        ))
        .bind(tenant_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// Every run not yet signed off, of every organisation.
    pub async fn open_runs(&self) -> Result<Vec<RunRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} FROM close_runs WHERE signed_off_at IS NULL ORDER BY period"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// One run and its steps, in order.
    pub async fn run(&self, id: i64) -> Result<Option<(RunRow, Vec<RunStepRow>)>, StoreError> {
        let Some(r) = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} FROM close_runs WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let steps = sqlx::query(&format!(
            "SELECT {STEP_COLUMNS} FROM close_run_steps WHERE run_id = ? ORDER BY due_date, sop_title, sop_id, position"
        ))
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        Ok(Some((
            run_from_row(&r)?,
            steps.iter().map(step_from_row).collect::<Result<_, _>>()?,
        )))
    }

    /// Ticks (or unticks) a step, with who and a note.
    pub async fn tick_step(
        &self,
        step_id: i64,
        done: bool,
        who: &str,
        note: Option<&str>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<RunStepRow, StoreError> {
        let at = format_instant(now);
        let actor = actor.to_string();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let (run, old) = read_step(&mut tx, step_id).await?;
        refuse_signed_off(&run)?;
        let mut new = old.clone();
        if done {
            new.done_at = Some(at.clone());
            new.done_by = Some(who.to_owned());
            new.note = note.map(str::to_owned);
        } else {
            new.done_at = None;
            new.done_by = None;
            new.note = note.map(str::to_owned);
        }
        sqlx::query("UPDATE close_run_steps SET done_at = ?, done_by = ?, note = ? WHERE id = ?")
            .bind(&new.done_at)
            .bind(&new.done_by)
            .bind(&new.note)
            .bind(step_id)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            &[pending(
                "close_run_steps",
                &run.tenant_id,
                step_id,
                AuditAction::Update,
                Some(&step_audit_value(&old)),
                Some(&step_audit_value(&new)),
            )],
            &actor,
            &at,
        )
        .await?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(new)
    }

    /// Records an automated check's result on a step (audited when it changed).
    pub async fn record_check(
        &self,
        step_id: i64,
        result: &CheckRecord,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<RunStepRow, StoreError> {
        let at = format_instant(now);
        let actor = actor.to_string();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let (run, old) = read_step(&mut tx, step_id).await?;
        refuse_signed_off(&run)?;
        let mut new = old.clone();
        new.check_status = Some(result.status.clone());
        new.check_summary = Some(result.summary.clone());
        new.evidence_json = Some(result.evidence_json.clone());
        new.checked_at = Some(at.clone());
        sqlx::query("UPDATE close_run_steps SET check_status = ?, check_summary = ?, evidence_json = ?, checked_at = ? WHERE id = ?")
            .bind(&new.check_status)
            .bind(&new.check_summary)
            .bind(&new.evidence_json)
            .bind(&new.checked_at)
            .bind(step_id)
            .execute(&mut *tx)
            .await?;
        if old.check_status != new.check_status || old.check_summary != new.check_summary {
            audit::append(
                &mut tx,
                &[pending(
                    "close_run_steps",
                    &run.tenant_id,
                    step_id,
                    AuditAction::Update,
                    Some(&step_audit_value(&old)),
                    Some(&step_audit_value(&new)),
                )],
                &actor,
                &at,
            )
            .await?;
        }
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(new)
    }

    /// Signs a run off: locks it, and records `ledger_hash` (the period's
    /// ledger now) and the audit chain's sequence at this moment, from which
    /// later edits to the period are found.
    pub async fn sign_off_run(
        &self,
        run_id: i64,
        who: &str,
        ledger_hash: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<RunRow, StoreError> {
        let at = format_instant(now);
        let actor = actor.to_string();
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let run = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} FROM close_runs WHERE id = ?"
        ))
        .bind(run_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Invalid(format!("there is no checklist run {run_id}")))?;
        let run = run_from_row(&run)?;
        refuse_signed_off(&run)?;
        let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?;
        let seq = seq.unwrap_or(0);
        sqlx::query("UPDATE close_runs SET signed_off_at = ?, signed_off_by = ?, ledger_hash = ?, audit_seq = ? WHERE id = ?")
            .bind(&at)
            .bind(who)
            .bind(ledger_hash)
            .bind(seq)
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
        audit::append(
            &mut tx,
            &[pending(
                "close_runs",
                &run.tenant_id,
                run_id,
                AuditAction::Update,
                Some(&json!({"signed_off_at": null, "signed_off_by": null, "ledger_hash": null, "audit_seq": null})),
                Some(&json!({"signed_off_at": at, "signed_off_by": who, "ledger_hash": ledger_hash, "audit_seq": seq})),
            )],
            &actor,
            &at,
        )
        .await?;
        let row = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS} FROM close_runs WHERE id = ?"
        ))
        .bind(run_id)
        .fetch_one(&mut *tx)
        .await?;
        let row = run_from_row(&row)?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(row)
    }
}

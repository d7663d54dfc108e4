//! Applying one page of Xero records: one transaction, idempotent, audited.
//!
//! ```text
//! BEGIN IMMEDIATE
//!   read the stored version of every record in the page
//!   skip a record whose stored UpdatedDateUTC is newer (out of order),
//!     or whose content is unchanged (a page seen twice)
//!   upsert the rest, replace their child rows and search text
//!   append one audit row per inserted or updated record (old and new fields)
//!   advance the stream's watermark to the max UpdatedDateUTC of the page, never back
//! COMMIT
//! ```
//! A failure anywhere rolls the whole page back: the watermark never runs
//! ahead of what was committed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ledgerkeep_domain::xero::*;
use ledgerkeep_domain::{canonical_json, format_instant, Actor};
use serde::Serialize;
use serde_json::Value;
use sqlx::{Row, SqliteConnection};

use crate::audit::{self, AuditAction, PendingAudit};
use crate::rows::{spec_of, ParentKey, RowContext, RowData, SqlValue, StoredEntity, TableSpec};
use crate::{LedgerStore, StoreError};

/// What applying a page did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PageOutcome {
    pub inserted: usize,
    pub updated: usize,
    /// Records identical to the stored version.
    pub unchanged: usize,
    /// Records older than the stored version: ignored.
    pub stale: usize,
    pub audit_rows: usize,
    /// The stream's watermark after the page (max UpdatedDateUTC committed).
    pub watermark: Option<String>,
}

/// SQLite accepts up to 32766 parameters per statement; stay well below.
const MAX_PARAMS: usize = 30_000;
const MAX_ROWS_PER_STATEMENT: usize = 250;

pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).clamp(1, MAX_ROWS_PER_STATEMENT)
}

pub(crate) fn bind_value<'q>(
    q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    v: &'q SqlValue,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    match v {
        SqlValue::Null => q.bind(None::<String>),
        SqlValue::Int(i) => q.bind(*i),
        SqlValue::Text(t) => q.bind(t.as_str()),
    }
}

fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 2 + 2);
    s.push('(');
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push('?');
    }
    s.push(')');
    s
}

struct Incoming<'a> {
    xero_id: String,
    updated: Option<String>,
    raw: String,
    value: &'a Value,
    row: RowData,
}

enum Decision {
    Insert,
    Update { old_raw: String },
}

impl LedgerStore {
    /// Applies one page of one stream in one transaction. See the module docs.
    pub async fn apply_page<T: StoredEntity>(
        &self,
        tenant_id: &str,
        records: &[XeroRecord<T>],
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<PageOutcome, StoreError> {
        let _timer = self.timed("apply_page");
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let outcome = apply_in(&mut tx, tenant_id, records, actor, now).await?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(outcome)
    }

    /// The stream's watermark: the max UpdatedDateUTC committed, if any.
    pub async fn watermark(
        &self,
        tenant_id: &str,
        kind: EntityKind,
    ) -> Result<Option<String>, StoreError> {
        let _timer = self.timed("watermark");
        let w: Option<Option<String>> = sqlx::query_scalar(
            "SELECT watermark_utc FROM sync_streams WHERE tenant_id = ? AND stream = ?",
        )
        .bind(tenant_id)
        .bind(kind.stream())
        .fetch_optional(self.pool())
        .await?;
        Ok(w.flatten())
    }

    /// Deletes one record (and its lines), with its audit row, in one transaction.
    /// Returns whether it existed.
    pub async fn delete_record(
        &self,
        kind: EntityKind,
        tenant_id: &str,
        xero_id: &str,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let _timer = self.timed("delete_record");
        let spec = spec_of(kind);
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query(&format!(
            "SELECT id, raw_json FROM {} WHERE tenant_id = ? AND xero_id = ?",
            spec.table
        ))
        .bind(tenant_id)
        .bind(xero_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let id: i64 = row.try_get("id")?;
        let raw: String = row.try_get("raw_json")?;
        delete_children(&mut tx, &spec, &[id]).await?;
        sqlx::query(&format!("DELETE FROM {} WHERE id = ?", spec.table))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let old: Value = serde_json::from_str(&raw).map_err(|e| StoreError::Data(e.to_string()))?;
        let pending = PendingAudit {
            table: spec.table,
            tenant_id: tenant_id.to_owned(),
            record_id: xero_id.to_owned(),
            action: AuditAction::Delete,
            changes_json: audit::diff_fields(Some(&old), None),
        };
        audit::append(
            &mut tx,
            &[pending],
            &actor.to_string(),
            &format_instant(now),
        )
        .await?;
        tx.commit().await?;
        self.after_audited_commit().await;
        Ok(true)
    }
}

async fn delete_children(
    conn: &mut SqliteConnection,
    spec: &TableSpec,
    ids: &[i64],
) -> Result<(), StoreError> {
    for chunk in ids.chunks(MAX_ROWS_PER_STATEMENT) {
        let ph = placeholders(chunk.len());
        for child in &spec.children {
            let sql = match child.key {
                ParentKey::ParentId => {
                    format!("DELETE FROM {} WHERE parent_id IN {ph}", child.table)
                }
                ParentKey::Source => format!(
                    "DELETE FROM {} WHERE source_table = '{}' AND source_id IN {ph}",
                    child.table, spec.table
                ),
            };
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *conn).await?;
        }
        if let Some(fts) = &spec.fts {
            let sql = format!("DELETE FROM {} WHERE rowid IN {ph}", fts.table);
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// The body of [`LedgerStore::apply_page`], inside an open `BEGIN IMMEDIATE` transaction.
pub(crate) async fn apply_in<T: StoredEntity>(
    conn: &mut SqliteConnection,
    tenant_id: &str,
    records: &[XeroRecord<T>],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<PageOutcome, StoreError> {
    apply_records_in(conn, tenant_id, records, actor, now, true).await
}

/// [`apply_in`], optionally leaving the stream's watermark where it is: records
/// Xero returned from a write (a payment, the invoice it changed) are stored
/// at once, but only a sync moves the watermark, or records changed in Xero
/// between the watermark and the write would never be fetched.
pub(crate) async fn apply_records_in<T: StoredEntity>(
    conn: &mut SqliteConnection,
    tenant_id: &str,
    records: &[XeroRecord<T>],
    actor: &Actor,
    now: DateTime<Utc>,
    advance_watermark: bool,
) -> Result<PageOutcome, StoreError> {
    let spec = &T::spec();
    let mut outcome = PageOutcome::default();

    let base_currency: Option<String> = sqlx::query_scalar(
        "SELECT base_currency FROM organisations WHERE tenant_id = ? AND base_currency IS NOT NULL LIMIT 1",
    )
    .bind(tenant_id)
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    let ctx = RowContext {
        tenant_id,
        base_currency: base_currency.as_deref(),
    };

    // One entry per id: if a page repeats a record, the newer version wins.
    let mut incoming: Vec<Incoming> = Vec::with_capacity(records.len());
    let mut index: HashMap<String, usize> = HashMap::with_capacity(records.len());
    let mut page_max: Option<String> = None;
    for rec in records {
        let updated = rec.entity.updated_utc().map(|u| u.to_iso());
        if let Some(u) = &updated {
            if page_max.as_ref().is_none_or(|m| u > m) {
                page_max = Some(u.clone());
            }
        }
        let item = Incoming {
            xero_id: rec.entity.xero_id().to_owned(),
            raw: canonical_json(&rec.raw),
            value: &rec.raw,
            row: rec.entity.row(&ctx),
            updated,
        };
        match index.get(&item.xero_id) {
            Some(&i) => {
                let keep_new = match (&incoming[i].updated, &item.updated) {
                    (Some(a), Some(b)) => b >= a,
                    _ => true,
                };
                if keep_new {
                    incoming[i] = item;
                } else {
                    outcome.stale += 1;
                }
            }
            None => {
                index.insert(item.xero_id.clone(), incoming.len());
                incoming.push(item);
            }
        }
    }

    // The stored versions.
    let mut stored: HashMap<String, (Option<String>, String)> = HashMap::new();
    for chunk in incoming.chunks(500) {
        let sql = format!(
            "SELECT xero_id, updated_utc, raw_json FROM {} WHERE tenant_id = ? AND xero_id IN {}",
            spec.table,
            placeholders(chunk.len())
        );
        let mut q = sqlx::query(&sql).bind(tenant_id);
        for item in chunk {
            q = q.bind(item.xero_id.as_str());
        }
        for row in q.fetch_all(&mut *conn).await? {
            stored.insert(
                row.try_get("xero_id")?,
                (row.try_get("updated_utc")?, row.try_get("raw_json")?),
            );
        }
    }

    // Decide.
    let mut changes: Vec<(usize, Decision)> = Vec::new();
    for (i, item) in incoming.iter().enumerate() {
        match stored.remove(&item.xero_id) {
            None => changes.push((i, Decision::Insert)),
            Some((old_updated, old_raw)) => {
                let older = matches!((&old_updated, &item.updated), (Some(o), Some(n)) if n < o);
                if older {
                    outcome.stale += 1;
                } else if old_raw == item.raw {
                    outcome.unchanged += 1;
                } else {
                    changes.push((i, Decision::Update { old_raw }));
                }
            }
        }
    }

    if !changes.is_empty() {
        write_changes(conn, spec, tenant_id, &incoming, &changes).await?;
        let mut pending = Vec::with_capacity(changes.len());
        for (i, decision) in &changes {
            let item = &incoming[*i];
            let (action, changes_json) = match decision {
                Decision::Insert => {
                    outcome.inserted += 1;
                    (
                        AuditAction::Insert,
                        audit::diff_fields(None, Some(item.value)),
                    )
                }
                Decision::Update { old_raw } => {
                    outcome.updated += 1;
                    let old: Value = serde_json::from_str(old_raw)
                        .map_err(|e| StoreError::Data(e.to_string()))?;
                    (
                        AuditAction::Update,
                        audit::diff_fields(Some(&old), Some(item.value)),
                    )
                }
            };
            pending.push(PendingAudit {
                table: spec.table,
                tenant_id: tenant_id.to_owned(),
                record_id: item.xero_id.clone(),
                action,
                changes_json,
            });
        }
        outcome.audit_rows =
            audit::append(conn, &pending, &actor.to_string(), &format_instant(now)).await?;
    }

    if let Some(max) = page_max.filter(|_| advance_watermark) {
        sqlx::query(
            "INSERT INTO sync_streams (tenant_id, stream, watermark_utc, updated_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (tenant_id, stream) DO UPDATE SET \
               watermark_utc = CASE WHEN sync_streams.watermark_utc IS NULL \
                                      OR excluded.watermark_utc > sync_streams.watermark_utc \
                                    THEN excluded.watermark_utc ELSE sync_streams.watermark_utc END, \
               updated_at = excluded.updated_at",
        )
        .bind(tenant_id)
        .bind(T::KIND.stream())
        .bind(&max)
        .bind(format_instant(now))
        .execute(&mut *conn)
        .await?;
    }
    outcome.watermark = sqlx::query_scalar::<_, Option<String>>(
        "SELECT watermark_utc FROM sync_streams WHERE tenant_id = ? AND stream = ?",
    )
    .bind(tenant_id)
    .bind(T::KIND.stream())
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    Ok(outcome)
}

/// Upserts the changed records, replaces their child rows and search text.
async fn write_changes(
    conn: &mut SqliteConnection,
    spec: &TableSpec,
    tenant_id: &str,
    incoming: &[Incoming<'_>],
    changes: &[(usize, Decision)],
) -> Result<(), StoreError> {
    let ncols = 4 + spec.columns.len();
    let mut ids: HashMap<String, i64> = HashMap::with_capacity(changes.len());
    let set_clause: Vec<String> = ["updated_utc", "raw_json"]
        .iter()
        .chain(spec.columns.iter())
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let column_list = format!(
        "tenant_id, xero_id, updated_utc, raw_json, {}",
        spec.columns.join(", ")
    );
    let row_ph = placeholders(ncols);
    for chunk in changes.chunks(rows_per_statement(ncols)) {
        let values: Vec<&str> = chunk.iter().map(|_| row_ph.as_str()).collect();
        let sql = format!(
            "INSERT INTO {} ({column_list}) VALUES {} ON CONFLICT (tenant_id, xero_id) DO UPDATE SET {} RETURNING id, xero_id",
            spec.table,
            values.join(","),
            set_clause.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (i, _) in chunk {
            let item = &incoming[*i];
            q = q
                .bind(tenant_id)
                .bind(item.xero_id.as_str())
                .bind(item.updated.as_deref())
                .bind(item.raw.as_str());
            for v in &item.row.columns {
                q = bind_value(q, v);
            }
        }
        for row in q.fetch_all(&mut *conn).await? {
            ids.insert(row.try_get("xero_id")?, row.try_get("id")?);
        }
    }
    let id_of = |i: usize| -> Result<i64, StoreError> {
        ids.get(&incoming[i].xero_id)
            .copied()
            .ok_or_else(|| StoreError::Data("an upserted row returned no id".to_owned()))
    };

    // Old child rows and search text of updated records go first.
    let updated_ids: Vec<i64> = changes
        .iter()
        .filter(|(_, d)| matches!(d, Decision::Update { .. }))
        .map(|(i, _)| id_of(*i))
        .collect::<Result<_, _>>()?;
    if !updated_ids.is_empty() {
        delete_children(conn, spec, &updated_ids).await?;
    }

    for (c, child) in spec.children.iter().enumerate() {
        let key_cols = match child.key {
            ParentKey::ParentId => "parent_id, position".to_owned(),
            ParentKey::Source => "source_table, source_id, position".to_owned(),
        };
        let nkey = if child.key == ParentKey::ParentId {
            2
        } else {
            3
        };
        let width = nkey + child.columns.len();
        let row_ph = placeholders(width);
        // (parent id, position, values)
        let mut rows: Vec<(i64, i64, &Vec<SqlValue>)> = Vec::new();
        for (i, _) in changes {
            let parent = id_of(*i)?;
            if let Some(child_rows) = incoming[*i].row.children.get(c) {
                for (pos, r) in child_rows.iter().enumerate() {
                    rows.push((parent, i64::try_from(pos).unwrap_or(i64::MAX), r));
                }
            }
        }
        for chunk in rows.chunks(rows_per_statement(width)) {
            let values: Vec<&str> = chunk.iter().map(|_| row_ph.as_str()).collect();
            let sql = format!(
                "INSERT INTO {} ({key_cols}, {}) VALUES {}",
                child.table,
                child.columns.join(", "),
                values.join(",")
            );
            let mut q = sqlx::query(&sql);
            for (parent, pos, vals) in chunk {
                if child.key == ParentKey::Source {
                    q = q.bind(spec.table);
                }
                q = q.bind(*parent).bind(*pos);
                for v in vals.iter() {
                    q = bind_value(q, v);
                }
            }
            q.execute(&mut *conn).await?;
        }
    }

    if let Some(fts) = &spec.fts {
        let width = 1 + fts.columns.len();
        let row_ph = placeholders(width);
        for chunk in changes.chunks(rows_per_statement(width)) {
            let values: Vec<&str> = chunk.iter().map(|_| row_ph.as_str()).collect();
            let sql = format!(
                "INSERT INTO {} (rowid, {}) VALUES {}",
                fts.table,
                fts.columns.join(", "),
                values.join(",")
            );
            let mut q = sqlx::query(&sql);
            for (i, _) in chunk {
                q = q.bind(id_of(*i)?);
                for t in &incoming[*i].row.fts {
                    q = q.bind(t.as_str());
                }
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

//! The audit trail: one row per insert, update or delete of ledger data,
//! chained by SHA-256.
//!
//! `hash_n = SHA-256(hash_{n-1} || canonical bytes of row n)`, where the
//! canonical bytes are the JSON object
//! `{"action","actor","at","changes","record_id","seq","table","tenant_id"}`
//! with sorted keys and no whitespace ([`canonical_row`]). The first row links
//! to 64 zeros. `audit_head` holds the last row's seq and hash, moved in the
//! same transaction, so that a row removed from the end is caught too.

use std::borrow::Cow;
use std::collections::BTreeSet;

use ledgerkeep_domain::{canonical_json, write_canonical, write_json_string};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::{Row, SqliteConnection};

use crate::StoreError;

/// The link before the first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditAction {
    Insert,
    Update,
    Delete,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Insert => "insert",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
        }
    }
}

/// One audit row, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub table: String,
    pub tenant_id: String,
    pub record_id: String,
    pub action: String,
    /// Canonical JSON: `{"Field": {"new": ..., "old": ...}}`.
    pub changes_json: String,
    pub actor: String,
    pub at: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The changed top-level fields between two records, old and new, as
/// canonical JSON: `{"Field":{"new":...,"old":...}}`, fields sorted. `None`
/// for a side means the record did not exist (an insert or a delete).
pub fn diff_fields(old: Option<&Value>, new: Option<&Value>) -> String {
    fn fields(v: Option<&Value>) -> Cow<'_, Map<String, Value>> {
        match v {
            Some(Value::Object(m)) => Cow::Borrowed(m),
            Some(other) => {
                let mut m = Map::new();
                m.insert("value".to_owned(), other.clone());
                Cow::Owned(m)
            }
            None => Cow::Owned(Map::new()),
        }
    }
    let old_map = fields(old);
    let new_map = fields(new);
    let mut out = String::from("{");
    let mut first = true;
    let mut field = |key: &str, n: Option<&str>, o: Option<&str>, out: &mut String| {
        if !first {
            out.push(',');
        }
        first = false;
        write_json_string(key, out);
        out.push_str(":{\"new\":");
        out.push_str(n.unwrap_or("null"));
        out.push_str(",\"old\":");
        out.push_str(o.unwrap_or("null"));
        out.push('}');
    };
    match (old.is_some(), new.is_some()) {
        // An insert or a delete: every field of the one side, written once.
        (false, _) | (_, false) => {
            let (map, is_new) = if new.is_some() {
                (&new_map, true)
            } else {
                (&old_map, false)
            };
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut value = String::new();
            for key in keys {
                value.clear();
                write_canonical(&map[key], &mut value);
                if is_new {
                    field(key, Some(&value), None, &mut out);
                } else {
                    field(key, None, Some(&value), &mut out);
                }
            }
        }
        (true, true) => {
            let keys: BTreeSet<&String> = old_map.keys().chain(new_map.keys()).collect();
            for key in keys {
                let o = old_map.get(key).map(canonical_json);
                let n = new_map.get(key).map(canonical_json);
                if o != n {
                    field(key, n.as_deref(), o.as_deref(), &mut out);
                }
            }
        }
    }
    out.push('}');
    out
}

fn json_str(s: &str) -> String {
    // Writing a string to JSON cannot fail.
    serde_json::to_string(s).unwrap_or_default()
}

/// The canonical bytes of one row (everything but its hashes).
#[allow(clippy::too_many_arguments)]
pub fn canonical_row(
    seq: i64,
    table: &str,
    tenant_id: &str,
    record_id: &str,
    action: &str,
    changes_json: &str,
    actor: &str,
    at: &str,
) -> String {
    // Keys in sorted order; `changes_json` is itself canonical.
    format!(
        "{{\"action\":{},\"actor\":{},\"at\":{},\"changes\":{},\"record_id\":{},\"seq\":{},\"table\":{},\"tenant_id\":{}}}",
        json_str(action),
        json_str(actor),
        json_str(at),
        changes_json,
        json_str(record_id),
        seq,
        json_str(table),
        json_str(tenant_id),
    )
}

/// `SHA-256(prev || canonical)`, hex. `prev` is the previous row's hash (hex),
/// taken as its 32 bytes.
pub fn chain_hash(prev_hex: &str, canonical: &str) -> String {
    let mut hasher = Sha256::new();
    match hex::decode(prev_hex) {
        Ok(bytes) => hasher.update(&bytes),
        // A malformed stored link still hashes deterministically (and will not match).
        Err(_) => hasher.update(prev_hex.as_bytes()),
    }
    hasher.update(canonical.as_bytes());
    hex::encode(hasher.finalize())
}

/// An audit row waiting to be written.
#[derive(Debug, Clone)]
pub struct PendingAudit {
    pub table: &'static str,
    pub tenant_id: String,
    pub record_id: String,
    pub action: AuditAction,
    pub changes_json: String,
}

/// Appends `rows` to the chain, inside the caller's transaction (which must
/// have been opened with `BEGIN IMMEDIATE`, so that the head read here cannot
/// be extended by another writer). Returns how many rows were written.
pub async fn append(
    conn: &mut SqliteConnection,
    rows: &[PendingAudit],
    actor: &str,
    at: &str,
) -> Result<usize, StoreError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    let (mut seq, mut prev): (i64, String) = match head {
        Some(r) => (r.try_get("seq")?, r.try_get("hash")?),
        None => (0, GENESIS_HASH.to_owned()),
    };
    const PER_STATEMENT: usize = 500;
    for chunk in rows.chunks(PER_STATEMENT) {
        let mut sql = String::from(
            "INSERT INTO audit_log (seq, table_name, tenant_id, record_id, action, changes_json, actor, at, prev_hash, hash) VALUES ",
        );
        let mut values: Vec<(i64, String, String)> = Vec::with_capacity(chunk.len());
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?,?,?,?,?,?,?,?,?,?)");
            seq += 1;
            let canonical = canonical_row(
                seq,
                row.table,
                &row.tenant_id,
                &row.record_id,
                row.action.as_str(),
                &row.changes_json,
                actor,
                at,
            );
            let hash = chain_hash(&prev, &canonical);
            values.push((seq, prev.clone(), hash.clone()));
            prev = hash;
        }
        let mut q = sqlx::query(&sql);
        for (row, (seq, prev_hash, hash)) in chunk.iter().zip(values) {
            q = q
                .bind(seq)
                .bind(row.table)
                .bind(&row.tenant_id)
                .bind(&row.record_id)
                .bind(row.action.as_str())
                .bind(&row.changes_json)
                .bind(actor)
                .bind(at)
                .bind(prev_hash)
                .bind(hash);
        }
        q.execute(&mut *conn).await?;
    }
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(seq)
    .bind(&prev)
    .execute(&mut *conn)
    .await?;
    Ok(rows.len())
}

/// Why the chain is broken at a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// The row's contents no longer give its hash: it was edited.
    HashMismatch,
    /// The row does not link to the row before it: a row before it was
    /// removed, or it was inserted.
    LinkMismatch,
    /// The sequence skips or repeats a number.
    SequenceGap,
    /// The chain's end does not match the recorded head: rows were removed
    /// from the end, or added without the head.
    HeadMismatch,
}

/// The first broken link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The first row found wrong (for a head mismatch: the last row present, 0 if none).
    pub seq: i64,
    pub kind: BreakKind,
    pub detail: String,
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub rows_checked: u64,
    pub head_seq: i64,
    pub first_break: Option<ChainBreak>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// Walks the whole chain, in order, and names the first wrong row.
pub async fn verify(conn: &mut SqliteConnection) -> Result<VerifyReport, StoreError> {
    const BATCH: i64 = 5_000;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS_HASH.to_owned();
    let mut checked = 0u64;
    let mut first_break = None;
    let mut after = i64::MIN;
    'pages: loop {
        let rows = sqlx::query(
            "SELECT seq, table_name, tenant_id, record_id, action, changes_json, actor, at, prev_hash, hash \
             FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let e = entry_from_row(row)?;
            after = e.seq;
            checked += 1;
            let broken = |kind, detail: String| ChainBreak {
                seq: e.seq,
                kind,
                detail,
            };
            if e.seq != expected_seq {
                first_break = Some(broken(
                    BreakKind::SequenceGap,
                    format!("expected row {expected_seq}, found row {}", e.seq),
                ));
                break 'pages;
            }
            if e.prev_hash != prev {
                first_break = Some(broken(
                    BreakKind::LinkMismatch,
                    "it does not link to the row before it".to_owned(),
                ));
                break 'pages;
            }
            let canonical = canonical_row(
                e.seq,
                &e.table,
                &e.tenant_id,
                &e.record_id,
                &e.action,
                &e.changes_json,
                &e.actor,
                &e.at,
            );
            if chain_hash(&prev, &canonical) != e.hash {
                first_break = Some(broken(
                    BreakKind::HashMismatch,
                    "its contents do not match its hash".to_owned(),
                ));
                break 'pages;
            }
            prev = e.hash;
            expected_seq += 1;
        }
    }
    let last_seq = expected_seq - 1;
    if first_break.is_none() {
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
        let (head_seq, head_hash): (i64, String) = match head {
            Some(r) => (r.try_get("seq")?, r.try_get("hash")?),
            None => (0, GENESIS_HASH.to_owned()),
        };
        if head_seq != last_seq || head_hash != prev {
            first_break = Some(ChainBreak {
                seq: last_seq,
                kind: BreakKind::HeadMismatch,
                detail: format!(
                    "the chain ends at row {last_seq} but its recorded head is row {head_seq}"
                ),
            });
        }
    }
    Ok(VerifyReport {
        rows_checked: checked,
        head_seq: last_seq,
        first_break,
    })
}

/// A record's audit history, oldest first.
pub async fn history(
    conn: &mut SqliteConnection,
    table: &str,
    tenant_id: &str,
    record_id: &str,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, table_name, tenant_id, record_id, action, changes_json, actor, at, prev_hash, hash \
         FROM audit_log WHERE table_name = ? AND tenant_id = ? AND record_id = ? ORDER BY seq",
    )
    .bind(table)
    .bind(tenant_id)
    .bind(record_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

/// Which audit rows to list; every filter given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub tenant_id: Option<String>,
    /// The ledger table (`invoices`, `bank_transactions`...).
    pub table: Option<String>,
    /// The record's id (a Xero id, or the key of a local record).
    pub record_id: Option<String>,
    /// The actor's start: `sync` matches every `sync:<run>`, `user:dismiss` one action.
    pub actor_prefix: Option<String>,
    /// Rows written at or after this instant (UTC, ISO text; a bare date is its midnight).
    pub at_from: Option<String>,
    /// Rows written before this instant (exclusive).
    pub at_before: Option<String>,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    pub rows: Vec<AuditEntry>,
    /// The `after` for the next page (the last row's `seq`); `None` on the last page.
    pub next_cursor: Option<String>,
}

/// One page of the audit log matching `filter`, newest first (by `seq`), after
/// the cursor `after`, at most `limit` (1..=500) rows.
pub async fn page(
    conn: &mut SqliteConnection,
    filter: &AuditFilter,
    after: Option<&str>,
    limit: u32,
) -> Result<AuditPage, StoreError> {
    let limit = limit.clamp(1, 500);
    let mut sql = String::from(
        "SELECT seq, table_name, tenant_id, record_id, action, changes_json, actor, at, prev_hash, hash \
         FROM audit_log WHERE 1 = 1",
    );
    let mut args: Vec<String> = Vec::new();
    let mut eq = |col: &str, v: &Option<String>, sql: &mut String| {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {col} = ?"));
            args.push(v.clone());
        }
    };
    eq("tenant_id", &filter.tenant_id, &mut sql);
    eq("table_name", &filter.table, &mut sql);
    eq("record_id", &filter.record_id, &mut sql);
    if let Some(p) = &filter.actor_prefix {
        // A prefix compared as text: no LIKE, so `_` and `%` are themselves.
        sql.push_str(" AND substr(actor, 1, length(?)) = ?");
        args.push(p.clone());
        args.push(p.clone());
    }
    if let Some(f) = &filter.at_from {
        sql.push_str(" AND at >= ?");
        args.push(f.clone());
    }
    if let Some(b) = &filter.at_before {
        sql.push_str(" AND at < ?");
        args.push(b.clone());
    }
    let mut bound_seq = None;
    if let Some(a) = after {
        let seq: i64 = a
            .parse()
            .map_err(|_| StoreError::Invalid("that page cursor is not valid".to_owned()))?;
        sql.push_str(" AND seq < ?");
        bound_seq = Some(seq);
    }
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT {}", limit + 1));
    let mut q = sqlx::query(&sql);
    for a in &args {
        q = q.bind(a);
    }
    if let Some(seq) = bound_seq {
        q = q.bind(seq);
    }
    let raw = q.fetch_all(&mut *conn).await?;
    let more = raw.len() > limit as usize;
    let rows = raw
        .iter()
        .take(limit as usize)
        .map(entry_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = match (more, rows.last()) {
        (true, Some(last)) => Some(last.seq.to_string()),
        _ => None,
    };
    Ok(AuditPage { rows, next_cursor })
}

fn entry_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        table: row.try_get("table_name")?,
        tenant_id: row.try_get("tenant_id")?,
        record_id: row.try_get("record_id")?,
        action: row.try_get("action")?,
        changes_json: row.try_get("changes_json")?,
        actor: row.try_get("actor")?,
        at: row.try_get("at")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_insert_or_a_delete_lists_every_field_as_the_general_diff_does() {
        let v: Value = serde_json::from_str(
            r#"{"b": [1, {"z": null, "y": "q\"uote"}], "a": 1.50, "é": "x\ny", "n": null}"#,
        )
        .unwrap();
        let empty = Value::Object(Map::new());
        let insert = diff_fields(None, Some(&v));
        assert_eq!(insert, diff_fields(Some(&empty), Some(&v)));
        assert_eq!(
            diff_fields(Some(&v), None),
            diff_fields(Some(&v), Some(&empty))
        );
        assert_eq!(
            insert,
            r#"{"a":{"new":1.50,"old":null},"b":{"new":[1,{"y":"q\"uote","z":null}],"old":null},"n":{"new":null,"old":null},"é":{"new":"x\ny","old":null}}"#
        );
    }

    #[test]
    fn the_diff_names_only_changed_fields_with_old_and_new() {
        let old: Value = serde_json::from_str(r#"{"A": 1, "B": "x", "C": [1]}"#).unwrap();
        let new: Value = serde_json::from_str(r#"{"A": 1, "B": "y", "D": true}"#).unwrap();
        assert_eq!(
            diff_fields(Some(&old), Some(&new)),
            r#"{"B":{"new":"y","old":"x"},"C":{"new":null,"old":[1]},"D":{"new":true,"old":null}}"#
        );
        assert_eq!(diff_fields(Some(&old), Some(&old)), "{}");
        // The output is canonical JSON: what canonical_json gives for its own parse.
        let d = diff_fields(None, Some(&new));
        let parsed: Value = serde_json::from_str(&d).unwrap();
        assert_eq!(canonical_json(&parsed), d);
        assert_eq!(
            d,
            r#"{"A":{"new":1,"old":null},"B":{"new":"y","old":null},"D":{"new":true,"old":null}}"#
        );
    }

    #[test]
    fn the_hash_covers_every_field_and_the_previous_hash() {
        let base = canonical_row(
            1,
            "invoices",
            "t",
            "r",
            "update",
            "{}",
            "cli:x",
            "2026-01-01T00:00:00.000Z",
        );
        let h = chain_hash(GENESIS_HASH, &base);
        assert_eq!(h.len(), 64);
        let variants = [
            canonical_row(
                2,
                "invoices",
                "t",
                "r",
                "update",
                "{}",
                "cli:x",
                "2026-01-01T00:00:00.000Z",
            ),
            canonical_row(
                1,
                "contacts",
                "t",
                "r",
                "update",
                "{}",
                "cli:x",
                "2026-01-01T00:00:00.000Z",
            ),
            canonical_row(
                1,
                "invoices",
                "u",
                "r",
                "update",
                "{}",
                "cli:x",
                "2026-01-01T00:00:00.000Z",
            ),
            canonical_row(
                1,
                "invoices",
                "t",
                "s",
                "update",
                "{}",
                "cli:x",
                "2026-01-01T00:00:00.000Z",
            ),
            canonical_row(
                1,
                "invoices",
                "t",
                "r",
                "delete",
                "{}",
                "cli:x",
                "2026-01-01T00:00:00.000Z",
            ),
            canonical_row(
                1,
                "invoices",
                "t",
                "r",
                "update",
                "{\"A\":1}",
                "cli:x",
                "2026-01-01T00:00:00.000Z",
            ),
            canonical_row(
                1,
                "invoices",
                "t",
                "r",
                "update",
                "{}",
                "cli:y",
                "2026-01-01T00:00:00.000Z",
            ),
            canonical_row(
                1,
                "invoices",
                "t",
                "r",
                "update",
                "{}",
                "cli:x",
                "2026-01-01T00:00:00.001Z",
            ),
        ];
        for v in variants {
            assert_ne!(chain_hash(GENESIS_HASH, &v), h, "{v}");
        }
        assert_ne!(chain_hash(&h, &base), h);
        // The canonical bytes are valid JSON with sorted keys.
        let parsed: Value = serde_json::from_str(&base).unwrap();
        assert_eq!(canonical_json(&parsed), base);
    }
}

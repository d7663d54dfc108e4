//! The audit trail: one row per insert, update or delete of ledger data,
//! chained by SHA-256.
//!
//! `hash_n = SHA-256(hash_{n-1} || canonical bytes of row n)`, where the
//! canonical bytes are the JSON object
//! `{"action","actor","at","changes","record_id","seq","table","tenant_id"}`
//! with sorted keys and no whitespace ([`canonical_row`]). The first row links
//! to 64 zeros. `audit_head` holds the last row's seq and hash, moved in the
//! same transaction, so that a row removed from the end is caught too.
//!
//! Anything inside the file can be rewritten by whoever can write the file,
//! so the head is also kept outside it: a [`ChainAnchor`] writes the head's
//! seq and hash (and a few earlier heads) to an [`AuditAnchor`], the OS
//! keyring in the app ([`KeyringAnchor`]), keyed by the ledger file's place,
//! after each commit that extends the chain. [`verify_anchored`] then catches a
//! chain cut short with its head rewritten, a chain emptied, and another (or an
//! older) ledger file put in its place. A failed anchor write never fails the
//! commit: it is logged and tried again after the next one, and the anchor
//! being behind the chain is reported apart from tampering.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_domain::{canonical_json, write_canonical, write_json_string};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::{Row, SqliteConnection};

use crate::{LedgerStore, StoreError};

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
    /// The anchor kept outside the ledger records rows past the chain's end:
    /// rows were removed from the end (the head rewritten to match), or an
    /// older ledger file was put in its place.
    Truncated,
    /// The chain has no rows, but the anchor records some: the trail was
    /// emptied, or another ledger file was put in its place.
    Emptied,
    /// A row the anchor records has another hash in the file: the ledger file
    /// was replaced by another one, or its trail rewritten.
    AnchorMismatch,
}

impl BreakKind {
    /// The kind's name, as it is serialised (`hash_mismatch`, `truncated`...).
    pub fn as_str(&self) -> &'static str {
        match self {
            BreakKind::HashMismatch => "hash_mismatch",
            BreakKind::LinkMismatch => "link_mismatch",
            BreakKind::SequenceGap => "sequence_gap",
            BreakKind::HeadMismatch => "head_mismatch",
            BreakKind::Truncated => "truncated",
            BreakKind::Emptied => "emptied",
            BreakKind::AnchorMismatch => "anchor_mismatch",
        }
    }
}

/// The first broken link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainBreak {
    /// The first row found wrong (for a head mismatch: the last row present,
    /// 0 if none; for a truncated or emptied chain: the first row missing).
    pub seq: i64,
    pub kind: BreakKind,
    /// The last row that still checks (0: none), named in `detail` too.
    pub last_good_seq: i64,
    pub detail: String,
}

/// The result of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub rows_checked: u64,
    pub head_seq: i64,
    pub first_break: Option<ChainBreak>,
    /// What the anchor kept outside the ledger said.
    pub anchor: AnchorCheck,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// Walks the whole chain, in order, and names the first wrong row. This is
/// the file alone: [`verify_anchored`] also checks it against its anchor.
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
                last_good_seq: expected_seq - 1,
                detail: format!("{detail}; the last good row is {}", expected_seq - 1),
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
            let last_good_seq = last_seq.min(head_seq).max(0);
            first_break = Some(ChainBreak {
                seq: last_seq,
                kind: BreakKind::HeadMismatch,
                last_good_seq,
                detail: format!(
                    "the chain ends at row {last_seq} but its recorded head is row {head_seq}; the last good row is {last_good_seq}"
                ),
            });
        }
    }
    Ok(VerifyReport {
        rows_checked: checked,
        head_seq: last_seq,
        first_break,
        anchor: AnchorCheck::NotChecked,
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
    /// Rows about one contact's records: the contact itself, its documents
    /// and its invoices' payments.
    pub contact: Option<ContactOf>,
}

/// A contact, in its organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactOf {
    pub tenant_id: String,
    pub contact_id: String,
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
        "SELECT seq, table_name, tenant_id, record_id, action, changes_json, actor, at, prev_hash, hash FROM ",
    );
    let mut args: Vec<String> = Vec::new();
    if let Some(c) = &filter.contact {
        // The contact's records first (by their contact indexes), then each
        // one's rows by the audit rows' record index: a few rows sorted,
        // never the whole trail scanned.
        let (records, more) =
            crate::audit_subjects::records_of_contact(&c.tenant_id, &c.contact_id);
        sql.push_str(&records);
        sql.push_str(
            " AS r CROSS JOIN audit_log ON audit_log.table_name = r.t \
             AND audit_log.tenant_id = r.tn AND audit_log.record_id = r.rid",
        );
        args.extend(more);
    } else {
        sql.push_str("audit_log");
    }
    sql.push_str(" WHERE 1 = 1");
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

// ---------------------------------------------------------------------------
// The anchor: the chain's head, kept outside the ledger file.
// ---------------------------------------------------------------------------

/// The keyring service the app files its anchors under (as its sign-ins).
pub const ANCHOR_SERVICE: &str = "Ledgerkeep";

/// How long one anchor read or write may take: a locked keyring may wait on a
/// password prompt nobody answers, and a commit never waits on it for long.
pub const ANCHOR_TIMEOUT: Duration = Duration::from_secs(5);

/// One row of the chain as the anchor remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainPoint {
    pub seq: i64,
    pub hash: String,
}

impl ChainPoint {
    /// The chain before its first row.
    pub fn genesis() -> Self {
        ChainPoint {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }
}

/// What the anchor keeps for one ledger: the chain's head when it was last
/// anchored, and some earlier heads, so that `verify` can name the last row
/// the anchor still vouches for when a file from elsewhere is put in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorEntry {
    pub head: ChainPoint,
    /// Earlier heads, oldest first: one per power-of-two distance from the
    /// head, so at most 63 however long the chain.
    #[serde(default)]
    pub earlier: Vec<ChainPoint>,
}

impl AnchorEntry {
    /// An entry that knows only `head`.
    pub fn new(head: ChainPoint) -> Self {
        AnchorEntry {
            head,
            earlier: Vec::new(),
        }
    }

    /// The entry once the chain has moved on to `head`: the old head joins
    /// the earlier points, and those are thinned to one per power-of-two
    /// distance from the new head (the oldest of each, so that the points
    /// spread back along the whole chain; the previous head is always kept).
    pub fn advanced_to(&self, head: ChainPoint) -> AnchorEntry {
        let mut by_distance: BTreeMap<u32, ChainPoint> = BTreeMap::new();
        for p in self.earlier.iter().chain(std::iter::once(&self.head)) {
            if p.seq <= 0 || p.seq >= head.seq {
                continue;
            }
            let distance = head.seq.abs_diff(p.seq);
            let bucket = u64::BITS - distance.leading_zeros();
            match by_distance.get(&bucket) {
                Some(kept) if kept.seq <= p.seq => {}
                _ => {
                    by_distance.insert(bucket, p.clone());
                }
            }
        }
        let mut earlier: Vec<ChainPoint> = by_distance.into_values().collect();
        earlier.sort_by_key(|p| p.seq);
        AnchorEntry { head, earlier }
    }

    /// Every point, oldest first, the head last.
    pub fn points(&self) -> impl Iterator<Item = &ChainPoint> {
        self.earlier.iter().chain(std::iter::once(&self.head))
    }
}

/// Why the anchor could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorError {
    /// No keyring answered: none is installed or unlocked, or it timed out.
    #[error("the OS keyring is not available ({0})")]
    Unavailable(String),
    /// The keyring answered with an error.
    #[error("the OS keyring refused ({0})")]
    Failed(String),
    /// The keyring's entry for this ledger is not an anchor this build reads.
    #[error("the anchor kept in the OS keyring cannot be read ({0})")]
    Unreadable(String),
    /// The ledger file could not be read.
    #[error("the ledger could not be read ({0})")]
    Ledger(String),
}

/// A place outside the ledger file that keeps its chain's head: the OS
/// keyring in the app ([`KeyringAnchor`]), memory in tests
/// ([`MemoryAnchor`]). `ledger` is [`ChainAnchor::ledger_key`] of the file.
/// The calls may block; [`ChainAnchor`] runs them off the async threads, with
/// a time limit.
pub trait AuditAnchor: Send + Sync + fmt::Debug {
    fn load(&self, ledger: &str) -> Result<Option<AnchorEntry>, AnchorError>;
    fn save(&self, ledger: &str, entry: &AnchorEntry) -> Result<(), AnchorError>;
}

/// The OS keyring (Secret Service, Keychain, Credential Manager): one entry
/// per ledger, `audit-head:<ledger key>`, holding the entry's JSON. Not a
/// secret, but only the owner's account can change it.
#[derive(Debug, Clone)]
pub struct KeyringAnchor {
    service: String,
}

impl Default for KeyringAnchor {
    fn default() -> Self {
        KeyringAnchor::new(ANCHOR_SERVICE)
    }
}

fn keyring_error(e: keyring::Error) -> AnchorError {
    match e {
        keyring::Error::NoDefaultStore | keyring::Error::NoStorageAccess(_) => {
            AnchorError::Unavailable(e.to_string())
        }
        other => AnchorError::Failed(other.to_string()),
    }
}

impl KeyringAnchor {
    /// Anchors under `service` (the app's is [`ANCHOR_SERVICE`]; tests use their own).
    pub fn new(service: impl Into<String>) -> Self {
        KeyringAnchor {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// The keyring entry's user name for a ledger.
    pub fn user(ledger: &str) -> String {
        format!("audit-head:{ledger}")
    }

    fn entry(&self, ledger: &str) -> Result<keyring::Entry, AnchorError> {
        keyring::Entry::new(&self.service, &Self::user(ledger)).map_err(keyring_error)
    }

    /// Removes a ledger's anchor (tests, and forgetting a data folder).
    pub fn delete(&self, ledger: &str) -> Result<(), AnchorError> {
        match self.entry(ledger)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

impl AuditAnchor for KeyringAnchor {
    fn load(&self, ledger: &str) -> Result<Option<AnchorEntry>, AnchorError> {
        match self.entry(ledger)?.get_password() {
            Ok(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| AnchorError::Unreadable(e.to_string())),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn save(&self, ledger: &str, entry: &AnchorEntry) -> Result<(), AnchorError> {
        let json =
            serde_json::to_string(entry).map_err(|e| AnchorError::Unreadable(e.to_string()))?;
        self.entry(ledger)?
            .set_password(&json)
            .map_err(keyring_error)
    }
}

/// Anchors in memory, for tests: it can be locked, as a keyring can.
#[derive(Debug, Default)]
pub struct MemoryAnchor {
    entries: parking_lot::Mutex<HashMap<String, AnchorEntry>>,
    locked: AtomicBool,
    saves: AtomicUsize,
}

impl MemoryAnchor {
    /// While locked, every read and write fails as a locked keyring's do.
    pub fn set_locked(&self, locked: bool) {
        self.locked.store(locked, Ordering::SeqCst);
    }

    /// How many writes succeeded.
    pub fn saves(&self) -> usize {
        self.saves.load(Ordering::SeqCst)
    }

    /// What is kept for `ledger`, read directly.
    pub fn entry(&self, ledger: &str) -> Option<AnchorEntry> {
        self.entries.lock().get(ledger).cloned()
    }

    fn check(&self) -> Result<(), AnchorError> {
        if self.locked.load(Ordering::SeqCst) {
            Err(AnchorError::Unavailable("the keyring is locked".to_owned()))
        } else {
            Ok(())
        }
    }
}

impl AuditAnchor for MemoryAnchor {
    fn load(&self, ledger: &str) -> Result<Option<AnchorEntry>, AnchorError> {
        self.check()?;
        Ok(self.entry(ledger))
    }

    fn save(&self, ledger: &str, entry: &AnchorEntry) -> Result<(), AnchorError> {
        self.check()?;
        self.entries.lock().insert(ledger.to_owned(), entry.clone());
        self.saves.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// What the anchor said when the chain was verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum AnchorCheck {
    /// Not compared: the file was checked on its own (a backup), or its chain
    /// broke before the anchor could be compared.
    NotChecked,
    /// No anchor is kept for this ledger yet (a new machine or data folder):
    /// only the file was checked. The next change anchors it.
    NotAnchored,
    /// The anchor could not be read (the keyring is locked or missing): only
    /// the file was checked.
    Unavailable { reason: String },
    /// The anchor agrees with the chain's head.
    Matches { seq: i64 },
    /// The anchor is behind the head (a write to it failed, and is tried again
    /// after the next change), and the chain agrees with it up to its row.
    Behind { anchor_seq: i64, head_seq: i64 },
    /// The anchor contradicts the chain: see the report's `first_break`.
    Contradicted { anchor_seq: i64 },
}

/// What [`ChainAnchor::after_commit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorUpdate {
    /// The anchor already held the chain's head.
    Current,
    /// The anchor now holds the chain's head, row `seq`.
    Advanced { seq: i64 },
    /// The anchor could not be read or written; tried again after the next commit.
    Deferred { reason: String },
    /// The chain no longer agrees with the anchor (it was cut short, emptied,
    /// or the file replaced): the anchor is left as it is, as evidence, and
    /// `verify` reports the break.
    Refused { anchor_seq: i64, chain_end: i64 },
}

/// The audit chain's head of one ledger file, kept in an [`AuditAnchor`]
/// under the file's place ([`ChainAnchor::ledger_key`]): a file from
/// elsewhere, or an older copy, put in its place is then caught by
/// [`verify_anchored`]. A restore moves the anchor with
/// [`ChainAnchor::adopt_from_file`].
pub struct ChainAnchor {
    anchor: Arc<dyn AuditAnchor>,
    path: PathBuf,
    key: String,
    /// The entry last read or written, so that a commit costs one write.
    /// Held across the write, so that one process writes in order.
    known: tokio::sync::Mutex<Option<AnchorEntry>>,
    timeout: Duration,
}

impl fmt::Debug for ChainAnchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainAnchor")
            .field("anchor", &self.anchor)
            .field("path", &self.path)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

async fn off_thread<T: Send + 'static>(
    timeout: Duration,
    f: impl FnOnce() -> Result<T, AnchorError> + Send + 'static,
) -> Result<T, AnchorError> {
    match tokio::time::timeout(timeout, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => Err(AnchorError::Failed(format!(
            "the keyring call stopped: {e}"
        ))),
        Err(_) => Err(AnchorError::Unavailable(format!(
            "it did not answer within {} seconds; it may be locked",
            timeout.as_secs()
        ))),
    }
}

/// The chain's last row (its head), or the genesis point when it has none.
async fn last_point(conn: &mut SqliteConnection) -> Result<ChainPoint, StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(r) => ChainPoint {
            seq: r.try_get("seq")?,
            hash: r.try_get("hash")?,
        },
        None => ChainPoint::genesis(),
    })
}

/// Whether the file's row `p.seq` has the hash `p.hash` (row 0 is the genesis).
async fn holds(conn: &mut SqliteConnection, p: &ChainPoint) -> Result<bool, StoreError> {
    if p.seq == 0 {
        return Ok(p.hash == GENESIS_HASH);
    }
    let hash: Option<String> = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = ?")
        .bind(p.seq)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(hash.as_deref() == Some(p.hash.as_str()))
}

impl ChainAnchor {
    /// The anchor of the ledger file at `ledger_path`, kept in `anchor`.
    pub fn new(anchor: Arc<dyn AuditAnchor>, ledger_path: &Path) -> Self {
        ChainAnchor {
            anchor,
            path: ledger_path.to_owned(),
            key: Self::ledger_key(ledger_path),
            known: tokio::sync::Mutex::new(None),
            timeout: ANCHOR_TIMEOUT,
        }
    }

    /// The same, waiting at most `timeout` on each anchor call.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// A ledger's key: its place, the file's canonical path, hashed (so any
    /// path makes a plain key). A file moved or copied elsewhere has another.
    pub fn ledger_key(ledger_path: &Path) -> String {
        let place = std::fs::canonicalize(ledger_path)
            .or_else(|_| std::path::absolute(ledger_path))
            .unwrap_or_else(|_| ledger_path.to_owned());
        let digest = Sha256::digest(place.to_string_lossy().as_bytes());
        hex::encode(&digest[..16])
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the anchor now (not what this process last wrote).
    pub async fn load(&self) -> Result<Option<AnchorEntry>, AnchorError> {
        let anchor = Arc::clone(&self.anchor);
        let key = self.key.clone();
        off_thread(self.timeout, move || anchor.load(&key)).await
    }

    async fn save(&self, entry: &AnchorEntry) -> Result<(), AnchorError> {
        let anchor = Arc::clone(&self.anchor);
        let key = self.key.clone();
        let entry = entry.clone();
        off_thread(self.timeout, move || anchor.save(&key, &entry)).await
    }

    /// Called after a COMMIT that extended the chain: moves the anchor to the
    /// chain's head. The anchor only moves forward along the same chain: when
    /// the row it holds is gone or has another hash, it is left as it is (as
    /// evidence for `verify`). With no anchor yet, the current head is
    /// anchored. Never fails: a keyring that cannot be reached is logged,
    /// and the write is tried again after the next commit.
    pub async fn after_commit(&self, conn: &mut SqliteConnection) -> AnchorUpdate {
        let mut known = self.known.lock().await;
        let head = match last_point(conn).await {
            Ok(h) => h,
            Err(e) => return self.deferred(format!("the ledger's head could not be read: {e}")),
        };
        let current = match known.clone() {
            Some(entry) => Some(entry),
            None => match self.load().await {
                Ok(entry) => entry,
                Err(e) => return self.deferred(e.to_string()),
            },
        };
        let next = match &current {
            None => AnchorEntry::new(head.clone()),
            Some(entry) if entry.head == head => {
                *known = current;
                return AnchorUpdate::Current;
            }
            Some(entry) => {
                let agrees = entry.head.seq <= head.seq
                    && match holds(conn, &entry.head).await {
                        Ok(h) => h,
                        Err(e) => {
                            return self
                                .deferred(format!("the ledger's chain could not be read: {e}"))
                        }
                    };
                if !agrees {
                    tracing::error!(
                        anchor_seq = entry.head.seq,
                        chain_end = head.seq,
                        "the ledger's audit chain does not agree with its anchor outside the file; the anchor is kept as it is (run `audit verify`)"
                    );
                    let refused = AnchorUpdate::Refused {
                        anchor_seq: entry.head.seq,
                        chain_end: head.seq,
                    };
                    *known = current;
                    return refused;
                }
                entry.advanced_to(head.clone())
            }
        };
        match self.save(&next).await {
            Ok(()) => {
                *known = Some(next);
                AnchorUpdate::Advanced { seq: head.seq }
            }
            Err(e) => {
                // What was known still holds: the next commit compares with it.
                *known = current;
                self.deferred(e.to_string())
            }
        }
    }

    fn deferred(&self, reason: String) -> AnchorUpdate {
        tracing::warn!(
            reason = %reason,
            "the audit chain's head could not be anchored outside the ledger; it is tried again after the next change"
        );
        AnchorUpdate::Deferred { reason }
    }

    /// Anchors the head of the ledger file as it is now, whatever the anchor
    /// held: what a restore calls once the backup is in place (a backup
    /// carries its own head, and the restore checked its chain), so that
    /// the restored, older chain is not taken for a truncated one.
    pub async fn adopt_from_file(&self) -> Result<ChainPoint, AnchorError> {
        let ledger = |e: StoreError| AnchorError::Ledger(e.to_string());
        let mut conn = crate::read_only(&self.path, Duration::from_secs(5))
            .await
            .map_err(ledger)?;
        let head = last_point(&mut conn).await;
        let _ = sqlx::Connection::close(conn).await;
        let head = head.map_err(ledger)?;
        self.adopt(head).await
    }

    /// [`adopt_from_file`](Self::adopt_from_file) over an open connection to the file.
    pub async fn adopt_from(&self, conn: &mut SqliteConnection) -> Result<ChainPoint, AnchorError> {
        let head = last_point(conn)
            .await
            .map_err(|e| AnchorError::Ledger(e.to_string()))?;
        self.adopt(head).await
    }

    async fn adopt(&self, head: ChainPoint) -> Result<ChainPoint, AnchorError> {
        let mut known = self.known.lock().await;
        let entry = AnchorEntry::new(head.clone());
        self.save(&entry).await?;
        *known = Some(entry);
        tracing::info!(
            seq = head.seq,
            "the audit anchor now holds the restored ledger's head"
        );
        Ok(head)
    }
}

/// A restore's hook: after the backup at `ledger_path` has replaced the
/// ledger (and before it is opened), anchors the head it carries.
pub async fn adopt_anchor_from_file(
    anchor: Arc<dyn AuditAnchor>,
    ledger_path: &Path,
) -> Result<ChainPoint, AnchorError> {
    ChainAnchor::new(anchor, ledger_path)
        .adopt_from_file()
        .await
}

/// Walks the whole chain ([`verify`]), then checks it against its anchor:
/// the anchor's rows must be in the file with the same hashes. Reports a
/// chain cut short ([`BreakKind::Truncated`]), emptied
/// ([`BreakKind::Emptied`]) or from another file
/// ([`BreakKind::AnchorMismatch`]) as broken, naming the last good row. An
/// anchor that cannot be read, or is behind, is reported in `anchor`, and is
/// not a break.
pub async fn verify_anchored(
    conn: &mut SqliteConnection,
    anchor: &ChainAnchor,
) -> Result<VerifyReport, StoreError> {
    let mut report = verify(conn).await?;
    if report.first_break.is_some() {
        return Ok(report);
    }
    let entry = match anchor.load().await {
        Ok(Some(entry)) => entry,
        Ok(None) => {
            report.anchor = AnchorCheck::NotAnchored;
            return Ok(report);
        }
        Err(e) => {
            report.anchor = AnchorCheck::Unavailable {
                reason: e.to_string(),
            };
            return Ok(report);
        }
    };
    let end = report.head_seq;
    let anchored = entry.head.seq;
    let mut last_vouched = 0i64;
    for p in entry.points() {
        if p.seq > end {
            let (kind, detail) = if end == 0 {
                (
                    BreakKind::Emptied,
                    format!(
                        "the audit trail is empty, but the anchor kept outside the ledger records {anchored} rows: the trail was deleted, or another ledger file was put in its place; no row is left to trust"
                    ),
                )
            } else {
                (
                    BreakKind::Truncated,
                    format!(
                        "the audit trail ends at row {end}, but the anchor kept outside the ledger records row {anchored}: rows {} to {anchored} were removed, or an older ledger file was put in its place; the last good row is {end}",
                        end + 1
                    ),
                )
            };
            report.first_break = Some(ChainBreak {
                seq: end + 1,
                kind,
                last_good_seq: end,
                detail,
            });
            report.anchor = AnchorCheck::Contradicted {
                anchor_seq: anchored,
            };
            return Ok(report);
        }
        if !holds(conn, p).await? {
            report.first_break = Some(ChainBreak {
                seq: p.seq,
                kind: BreakKind::AnchorMismatch,
                last_good_seq: last_vouched,
                detail: format!(
                    "row {} is not the row the anchor kept outside the ledger records: the ledger file was replaced by another, or its trail rewritten; the last good row is {last_vouched}",
                    p.seq
                ),
            });
            report.anchor = AnchorCheck::Contradicted {
                anchor_seq: anchored,
            };
            return Ok(report);
        }
        last_vouched = p.seq;
    }
    report.anchor = if anchored == end {
        AnchorCheck::Matches { seq: end }
    } else {
        AnchorCheck::Behind {
            anchor_seq: anchored,
            head_seq: end,
        }
    };
    Ok(report)
}

impl LedgerStore {
    /// Walks the whole audit chain and checks it against its anchor outside
    /// the file; see [`verify_anchored`].
    pub async fn verify_audit_anchored(
        &self,
        anchor: &ChainAnchor,
    ) -> Result<VerifyReport, StoreError> {
        let _timer = self.timed("verify_audit_anchored");
        let mut conn = self.pool().acquire().await?;
        verify_anchored(&mut conn, anchor).await
    }

    /// After a COMMIT that extended the audit chain: moves `anchor` to the
    /// new head. Never fails; see [`ChainAnchor::after_commit`].
    pub async fn anchor_audit_head(&self, anchor: &ChainAnchor) -> AnchorUpdate {
        let _timer = self.timed("anchor_audit_head");
        match self.pool().acquire().await {
            Ok(mut conn) => anchor.after_commit(&mut conn).await,
            Err(e) => anchor.deferred(format!("the ledger could not be reached: {e}")),
        }
    }
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
    #[test]
    fn the_anchor_keeps_few_earlier_heads_each_further_back() {
        let point = |seq: i64| ChainPoint {
            seq,
            hash: format!("{seq:064}"),
        };
        let mut entry = AnchorEntry::new(point(1));
        for seq in 2..=10_000 {
            entry = entry.advanced_to(point(seq));
            let seqs: Vec<i64> = entry.points().map(|p| p.seq).collect();
            // Oldest first, the head last, no repeats, all real rows.
            assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
            assert_eq!(*seqs.last().unwrap(), seq);
            assert!(seqs[0] >= 1);
            // At most one per power-of-two distance from the head.
            assert!(entry.earlier.len() <= 64 - (seq as u64).leading_zeros() as usize);
            // The previous head is always kept.
            assert_eq!(entry.earlier.last().unwrap().seq, seq - 1);
        }
        // After 10,000 heads, the oldest kept is far back: a file cut or
        // replaced long ago is still told from the anchor.
        assert_eq!(entry.earlier[0].seq, 1, "{:?}", entry.earlier);
        assert!(entry
            .earlier
            .iter()
            .any(|p| (2_000..8_000).contains(&p.seq)));
        assert!(entry.earlier.len() <= 14, "{}", entry.earlier.len());

        // A jump of many rows at once keeps the old head.
        let jumped = AnchorEntry::new(point(3)).advanced_to(point(1_000_000));
        assert_eq!(jumped.earlier, vec![point(3)]);
        // The genesis is never kept as a point: it holds for every chain.
        assert!(AnchorEntry::new(ChainPoint::genesis())
            .advanced_to(point(5))
            .earlier
            .is_empty());
    }

    #[test]
    fn an_anchor_entry_reads_back_from_its_json() {
        let entry = AnchorEntry::new(ChainPoint {
            seq: 7,
            hash: "ab".repeat(32),
        })
        .advanced_to(ChainPoint {
            seq: 9,
            hash: "cd".repeat(32),
        });
        let json = serde_json::to_string(&entry).unwrap();
        assert_eq!(serde_json::from_str::<AnchorEntry>(&json).unwrap(), entry);
        // An entry with only a head (no earlier points) reads too.
        let bare: AnchorEntry = serde_json::from_str(r#"{"head":{"seq":3,"hash":"00"}}"#).unwrap();
        assert_eq!((bare.head.seq, bare.earlier.len()), (3, 0));
    }
}

//! The totals of a text search, summed in memory.
//!
//! A common word matches a great many documents (about 147,000 of 1M for a
//! word of the line text), and SQLite looked each match's amount up by id:
//! p50 361 ms for the totals, where the rows of the same search take 37 ms;
//! with a month or a status as well, up to 1.4 s.
//!
//! Instead the store keeps, per kind of document and organisation, a copy of
//! what the explorer's filters ask of each document: its currency, integer
//! total, day, status, type and bank account, in id order (32 bytes a
//! document: about 32 MB per million). The matches' ids are read from the FTS
//! index in one string and looked up in the copy.
//!
//! The copy is as of an audit head. Every change to a document writes its
//! audit row, and so moves the head, in the same transaction
//! ([`crate::apply`]). A search reads the head, brings the copy to it and
//! reads its matches in one read transaction, so the copy holds the rows the
//! search sees:
//! - the first search builds the copy from the amount index, which holds the
//!   id, total and currency (migration 0009), read as one string
//!   ([`Amounts::load`]); the first search filtered by day, status, type or
//!   bank account adds those from their own indexes ([`Amounts::describe`]);
//! - later searches read again just the documents the audit rows since the
//!   copy's head name ([`Amounts::catch_up`]); a great many changes build it
//!   afresh;
//! - so that the owner's first search need not wait, the store makes the
//!   copy a second after the explorer opens ([`SearchTotals::warm_later`]),
//!   and brings every copy up to date as a sync run ends
//!   ([`SearchTotals::refresh`], from `LedgerStore::optimize`).
//!
//! The same copy sums an amount range with no text, once it is made (a
//! wide range at 1M documents took SQLite up to 375 ms, reading 292,000
//! totals from the amount index): every document of the copy is visited. So
//! that a deleted document is not counted, a deletion since the copy's head
//! makes the copy again.
//!
//! Exactness: the sums are `i128` of ten-thousandths, so they cannot overflow;
//! a matching total the integers do not hold (more than four decimal places,
//! or too large) sends the search back to SQLite, which sums its decimals. So
//! does anything the copy cannot decide exactly as SQL would (a stored date
//! or a bound that is no `YYYY-MM-DD`, more distinct values than it numbers).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use futures_util::TryStreamExt;
use ledgerkeep_domain::Money;
use sqlx::{Connection, SqliteConnection, SqlitePool};
use tokio::sync::Mutex;

use crate::query::{CurrencyTotal, DocumentFilter, DocumentKind};
use crate::StoreError;

/// Per kind of document and organisation, the newest copy.
#[derive(Debug, Default)]
pub(crate) struct SearchTotals {
    copies: Mutex<HashMap<(DocumentKind, String), Arc<Amounts>>>,
    /// The copies [`SearchTotals::warm_later`] is to make.
    warming: parking_lot::Mutex<HashSet<(DocumentKind, String)>>,
    /// The copies made so far, known without waiting for `copies` (held
    /// while a copy is built).
    made: parking_lot::Mutex<HashSet<(DocumentKind, String)>>,
}

/// How long after the explorer opens its search copy is made: its first
/// rows and totals come first.
const WARM_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Whether `f` asks for a document's day, status, type or account, which a
/// copy holds only once described ([`Amounts::describe`]).
fn asks_description(f: &DocumentFilter) -> bool {
    f.date_from.is_some()
        || f.date_to.is_some()
        || f.status.is_some()
        || f.doc_type.is_some()
        || f.account.is_some()
}

/// More changes than this since a copy's head, and it is built afresh: one
/// read of the indexes costs less than reading each changed row.
const MOST_TO_CATCH_UP: i64 = 50_000;

impl SearchTotals {
    /// The totals of the documents matching `f` and the FTS query `fts_query`
    /// (`f`'s text); `None` when the copy cannot answer exactly (the caller
    /// then asks SQLite).
    pub(crate) async fn totals(
        &self,
        conn: &mut SqliteConnection,
        kind: DocumentKind,
        fts_query: &str,
        f: &DocumentFilter,
    ) -> Result<Option<Vec<CurrencyTotal>>, StoreError> {
        // The head, the copy as of it and the matches: one snapshot.
        let mut tx = conn.begin().await?;
        let copy = self
            .copy_at_head(&mut tx, kind, &f.tenant_id, asks_description(f))
            .await?;
        let matches: Option<String> = sqlx::query_scalar(&format!(
            "SELECT group_concat(rowid) FROM {0} WHERE {0} MATCH ?",
            kind.fts()
        ))
        .bind(fts_query)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(copy) = copy else {
            return Ok(None);
        };
        let mut ids = Vec::new();
        for id in matches.as_deref().unwrap_or_default().split(',') {
            if !id.is_empty() {
                ids.push(parse_id(id)?);
            }
        }
        Ok(copy.totals(Some(&ids), f))
    }

    /// The totals of every document of `kind` matching `f` (which has no
    /// text), from the organisation's copy if one is made already; `None`
    /// when none is (a copy takes longer to make than SQLite takes to sum)
    /// or it cannot answer exactly.
    pub(crate) async fn totals_of_every(
        &self,
        conn: &mut SqliteConnection,
        kind: DocumentKind,
        f: &DocumentFilter,
    ) -> Result<Option<Vec<CurrencyTotal>>, StoreError> {
        if !self.made.lock().contains(&(kind, f.tenant_id.clone())) {
            return Ok(None);
        }
        let mut tx = conn.begin().await?;
        let copy = self
            .copy_at_head(&mut tx, kind, &f.tenant_id, asks_description(f))
            .await?;
        tx.commit().await?;
        Ok(copy.and_then(|copy| copy.totals(None, f)))
    }

    /// Brings every copy made so far up to the ledger's head (as a sync run
    /// ends, so that the next search need not).
    pub(crate) async fn refresh(&self, conn: &mut SqliteConnection) -> Result<(), StoreError> {
        let made: Vec<(DocumentKind, String, bool)> = {
            let copies = self.copies.lock().await;
            copies
                .iter()
                .map(|((kind, tenant), copy)| (*kind, tenant.clone(), copy.described))
                .collect()
        };
        for (kind, tenant, described) in made {
            let mut tx = conn.begin().await?;
            self.copy_at_head(&mut tx, kind, &tenant, described).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Makes `tenant`'s copy of `kind`, described, in the background after
    /// [`WARM_AFTER`], unless it is made already: the explorer has opened,
    /// and its first search should not wait for it. A failure is logged; the
    /// search then builds the copy itself.
    pub(crate) fn warm_later(
        self: &Arc<Self>,
        pool: &SqlitePool,
        kind: DocumentKind,
        tenant: &str,
    ) {
        let key = (kind, tenant.to_owned());
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.copies.try_lock().is_ok_and(|c| c.contains_key(&key)) {
            return;
        }
        if !self.warming.lock().insert(key.clone()) {
            return;
        }
        let (this, pool) = (Arc::clone(self), pool.clone());
        runtime.spawn(async move {
            tokio::time::sleep(WARM_AFTER).await;
            let made = async {
                let mut conn = pool.acquire().await?;
                let mut tx = conn.begin().await?;
                this.copy_at_head(&mut tx, key.0, &key.1, true).await?;
                tx.commit().await?;
                Ok::<_, StoreError>(())
            }
            .await;
            if let Err(e) = made {
                tracing::info!(error = %e, "the search totals' copy was not made ahead");
            }
            this.warming.lock().remove(&key);
        });
    }

    /// The organisation's copy of `kind` as of the head `conn` reads, brought
    /// up to it or built now, `described` if asked (see [`Amounts::describe`]);
    /// `None` if it cannot be made.
    async fn copy_at_head(
        &self,
        conn: &mut SqliteConnection,
        kind: DocumentKind,
        tenant: &str,
        described: bool,
    ) -> Result<Option<Arc<Amounts>>, StoreError> {
        let head: Option<i64> = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
        let head = head.unwrap_or(0);
        // Held while building: a search that comes meanwhile waits for this
        // copy rather than building its own.
        let mut copies = self.copies.lock().await;
        let key = (kind, tenant.to_owned());
        let current = match copies.remove(&key) {
            Some(old) if old.head == head => Some(old),
            Some(old) => Arc::unwrap_or_clone(old)
                .catch_up(conn, kind, tenant, head)
                .await?
                .map(Arc::new),
            None => None,
        };
        let copy = match current {
            Some(copy) => Some(copy),
            None => Amounts::load(conn, kind, tenant, head).await?.map(Arc::new),
        };
        let copy = match copy {
            Some(copy) if described && !copy.described => {
                let mut bare = Arc::unwrap_or_clone(copy);
                bare.describe(conn, kind, tenant)
                    .await?
                    .then(|| Arc::new(bare))
            }
            other => other,
        };
        // `made` says whether `copies` holds the key, without its lock.
        match &copy {
            Some(copy) => {
                self.made.lock().insert(key.clone());
                copies.insert(key, Arc::clone(copy));
            }
            None => {
                self.made.lock().remove(&key);
            }
        }
        Ok(copy)
    }
}

fn parse_id(text: &str) -> Result<i64, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Data(format!("the ledger gave {text:?} for a row id")))
}

/// A document with no day.
const NO_DAY: u32 = 0;
/// A document whose day is text that is no `YYYY-MM-DD`.
const NOT_A_DAY: u32 = u32::MAX;

/// `YYYY-MM-DD` as the number `YYYYMMDD`, which orders as the text does;
/// `None` for any other text.
fn day_number(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some(digits(0..4)? * 10_000 + digits(5..7)? * 100 + digits(8..10)?)
}

/// Where each id is in a copy's ascending ids: a table by id when they are
/// dense (as SQLite gives them, but for deletions), which is several times
/// quicker than a binary search for each of a million documents.
enum Positions {
    Table { first: i64, at: Vec<u32> },
    Search,
}

impl Positions {
    fn of(ids: &[i64]) -> Positions {
        let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
            return Positions::Search;
        };
        let span = usize::try_from(last - first).unwrap_or(usize::MAX);
        if span >= ids.len().saturating_mul(2) || u32::try_from(ids.len()).is_err() {
            return Positions::Search;
        }
        let mut at = vec![u32::MAX; span + 1];
        for (i, id) in ids.iter().enumerate() {
            at[(id - first) as usize] = i as u32;
        }
        Positions::Table { first, at }
    }

    /// The position of `id` in `ids` (the ids this was made of).
    fn get(&self, ids: &[i64], id: i64) -> Option<usize> {
        match self {
            Positions::Table { first, at } => {
                let i = *at.get(usize::try_from(id.checked_sub(*first)?).ok()?)?;
                (i != u32::MAX).then_some(i as usize)
            }
            Positions::Search => ids.binary_search(&id).ok(),
        }
    }
}

/// One document in a copy.
#[derive(Debug, Clone, Copy, Default)]
struct Doc {
    /// Valid when `flags` has [`HAS_E4`].
    total_e4: i64,
    /// See [`day_number`], [`NO_DAY`] and [`NOT_A_DAY`].
    day: u32,
    currency: u16,
    account: u16,
    status: u8,
    doc_type: u8,
    flags: u8,
}

/// The document has a total.
const HAS_TOTAL: u8 = 1;
/// ... and it is held exactly in ten-thousandths.
const HAS_E4: u8 = 2;

/// The distinct values of one column, numbered in the order first seen.
#[derive(Debug, Clone, Default)]
struct Values(Vec<Option<String>>);

impl Values {
    /// The number of `value`; `None` past what `T` numbers.
    fn number<T: TryFrom<usize>>(&mut self, value: Option<String>) -> Option<T> {
        let n = match self.0.iter().position(|v| *v == value) {
            Some(n) => n,
            None => {
                self.0.push(value);
                self.0.len() - 1
            }
        };
        T::try_from(n).ok()
    }

    /// The number of `value`, if any document has it.
    fn find(&self, value: &str) -> Option<usize> {
        self.0.iter().position(|v| v.as_deref() == Some(value))
    }
}

/// One organisation's documents of one kind, as of an audit head.
#[derive(Debug, Clone)]
struct Amounts {
    head: i64,
    /// Ascending.
    ids: Vec<i64>,
    docs: Vec<Doc>,
    currencies: Values,
    /// Whether each document's day, status, type and account are read in.
    described: bool,
    statuses: Values,
    types: Values,
    accounts: Values,
}

impl Amounts {
    /// Reads the organisation's documents of `kind` from the amount index,
    /// which holds the id, total and currency (migration 0009), as one
    /// string: about 0.4 s at 1M rows, where reading them as rows took 5 s.
    /// `None` with more currencies than a copy numbers.
    async fn load(
        conn: &mut SqliteConnection,
        kind: DocumentKind,
        tenant: &str,
        head: i64,
    ) -> Result<Option<Amounts>, StoreError> {
        let table = kind.table();
        // The currency in hex (`-` for none), so that no code can be taken for
        // a separator.
        let text: Option<String> = sqlx::query_scalar(&format!(
            "SELECT group_concat(id || ',' || ifnull(total_e4, '') || ',' || \
             ifnull(hex(currency_code), '-'), ';') \
             FROM {table} INDEXED BY {table}_total WHERE tenant_id = ?"
        ))
        .bind(tenant)
        .fetch_one(&mut *conn)
        .await?;
        // The totals with no integer form (few), told apart from no total.
        let mut inexact: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM {table} INDEXED BY {table}_total \
             WHERE tenant_id = ? AND total_e4 IS NULL AND total IS NOT NULL"
        ))
        .bind(tenant)
        .fetch_all(&mut *conn)
        .await?;
        inexact.sort_unstable();
        let mut currencies = Values::default();
        let mut by_hex: HashMap<&str, u16> = HashMap::new();
        let mut docs = Vec::new();
        let bad = |item: &str| StoreError::Data(format!("the ledger gave {item:?} for an amount"));
        for item in text.as_deref().unwrap_or_default().split(';') {
            if item.is_empty() {
                continue;
            }
            let mut fields = item.split(',');
            let (Some(id), Some(e4), Some(hex), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad(item));
            };
            let id = parse_id(id)?;
            let currency = match by_hex.get(hex) {
                Some(c) => *c,
                None => {
                    let code = match hex {
                        "-" => None,
                        h => Some(
                            hex::decode(h)
                                .ok()
                                .and_then(|b| String::from_utf8(b).ok())
                                .ok_or_else(|| bad(item))?,
                        ),
                    };
                    let Some(c) = currencies.number(code) else {
                        return Ok(None);
                    };
                    by_hex.insert(hex, c);
                    c
                }
            };
            let (total_e4, flags) = if e4.is_empty() {
                let inexact = inexact.binary_search(&id).is_ok();
                (0, if inexact { HAS_TOTAL } else { 0 })
            } else {
                (e4.parse().map_err(|_| bad(item))?, HAS_TOTAL | HAS_E4)
            };
            let doc = Doc {
                total_e4,
                currency,
                flags,
                ..Doc::default()
            };
            docs.push((id, doc));
        }
        // The index is in amount order.
        docs.sort_unstable_by_key(|(id, _)| *id);
        let (ids, docs) = docs.into_iter().unzip();
        Ok(Some(Amounts {
            head,
            ids,
            docs,
            currencies,
            described: false,
            statuses: Values::default(),
            types: Values::default(),
            accounts: Values::default(),
        }))
    }

    /// Reads in each document's day, status and type (from the index on
    /// them, grouped by status and type) and, for bank transactions, its bank
    /// account (from the account index); at the copy's head, which `conn`
    /// reads. `false` with more distinct values than a copy numbers.
    async fn describe(
        &mut self,
        conn: &mut SqliteConnection,
        kind: DocumentKind,
        tenant: &str,
    ) -> Result<bool, StoreError> {
        let table = kind.table();
        let at = Positions::of(&self.ids);
        let groups: Vec<(Option<String>, Option<String>, String)> = sqlx::query_as(&format!(
            "SELECT status, type, group_concat(id || ',' || ifnull(date, ''), ';') \
             FROM {table} INDEXED BY {table}_status_type_date WHERE tenant_id = ? \
             GROUP BY status, type"
        ))
        .bind(tenant)
        .fetch_all(&mut *conn)
        .await?;
        let bad = |item: &str| StoreError::Data(format!("the ledger gave {item:?} for a day"));
        for (status, doc_type, items) in groups {
            let (Some(status), Some(doc_type)) =
                (self.statuses.number(status), self.types.number(doc_type))
            else {
                return Ok(false);
            };
            for item in items.split(';') {
                let (id, day) = item.split_once(',').ok_or_else(|| bad(item))?;
                let day = match day {
                    "" => NO_DAY,
                    d => day_number(d).unwrap_or(NOT_A_DAY),
                };
                let Some(doc) = at.get(&self.ids, parse_id(id)?).map(|i| &mut self.docs[i]) else {
                    return Ok(false);
                };
                doc.day = day;
                doc.status = status;
                doc.doc_type = doc_type;
            }
        }
        if kind == DocumentKind::BankTransactions {
            let groups: Vec<(Option<String>, String)> = sqlx::query_as(
                "SELECT bank_account_xero_id, group_concat(id) FROM bank_transactions \
                 INDEXED BY bank_transactions_account_date WHERE tenant_id = ? \
                 GROUP BY bank_account_xero_id",
            )
            .bind(tenant)
            .fetch_all(&mut *conn)
            .await?;
            for (account, ids) in groups {
                let Some(account) = self.accounts.number(account) else {
                    return Ok(false);
                };
                for id in ids.split(',') {
                    let Some(doc) = at.get(&self.ids, parse_id(id)?).map(|i| &mut self.docs[i])
                    else {
                        return Ok(false);
                    };
                    doc.account = account;
                }
            }
        }
        self.described = true;
        Ok(true)
    }

    fn doc_mut(&mut self, id: i64) -> Option<&mut Doc> {
        let i = self.ids.binary_search(&id).ok()?;
        self.docs.get_mut(i)
    }

    /// This copy brought up to `head` by reading again the documents that the
    /// audit rows since its own head name; `None` when it must be built
    /// afresh instead (too many changed, or any deleted).
    async fn catch_up(
        mut self,
        conn: &mut SqliteConnection,
        kind: DocumentKind,
        tenant: &str,
        head: i64,
    ) -> Result<Option<Amounts>, StoreError> {
        let table = kind.table();
        let (changes, deletions): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE action = 'delete') FROM audit_log NOT INDEXED \
             WHERE seq > ? AND seq <= ? AND table_name = ? AND tenant_id = ?",
        )
        .bind(self.head)
        .bind(head)
        .bind(table)
        .bind(tenant)
        .fetch_one(&mut *conn)
        .await?;
        // A deleted document's row is gone, and with it the id the copy knows
        // it by: the copy is built afresh (deletions are rare).
        if changes > MOST_TO_CATCH_UP || deletions > 0 || head < self.head {
            return Ok(None);
        }
        let account = match kind {
            DocumentKind::BankTransactions => "d.bank_account_xero_id",
            _ => "NULL",
        };
        // From the audit rows (a range of seq: NOT INDEXED keeps SQLite from
        // walking the organisation's whole part of the record index instead)
        // to their documents, in that order.
        let sql = format!(
            "SELECT d.id, d.currency_code, d.total_e4, d.total IS NOT NULL, d.date, d.status, \
             d.type, {account} \
             FROM audit_log a NOT INDEXED CROSS JOIN {table} d \
             ON d.tenant_id = a.tenant_id AND d.xero_id = a.record_id \
             WHERE a.seq > ? AND a.seq <= ? AND a.table_name = ? AND a.tenant_id = ?"
        );
        type Changed = (
            i64,
            Option<String>,
            Option<i64>,
            bool,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let mut added = Vec::new();
        {
            let mut changed = sqlx::query_as::<_, Changed>(&sql)
                .bind(self.head)
                .bind(head)
                .bind(table)
                .bind(tenant)
                .fetch(&mut *conn);
            while let Some((id, currency, e4, has_total, date, status, doc_type, account)) =
                changed.try_next().await?
            {
                let (Some(currency), Some(status), Some(doc_type), Some(account)) = (
                    self.currencies.number(currency),
                    self.statuses.number(status),
                    self.types.number(doc_type),
                    self.accounts.number(account),
                ) else {
                    return Ok(None);
                };
                let doc = Doc {
                    total_e4: e4.unwrap_or(0),
                    day: date.map_or(NO_DAY, |d| day_number(&d).unwrap_or(NOT_A_DAY)),
                    currency,
                    account,
                    status,
                    doc_type,
                    flags: u8::from(has_total) * HAS_TOTAL + u8::from(e4.is_some()) * HAS_E4,
                };
                match self.doc_mut(id) {
                    Some(d) => *d = doc,
                    None => added.push((id, doc)),
                }
            }
        }
        if !added.is_empty() {
            // Later changes of the same document come later: keep the last.
            added.reverse();
            added.sort_by_key(|(id, _)| *id);
            added.dedup_by_key(|(id, _)| *id);
            self.insert_sorted(added);
        }
        self.head = head;
        Ok(Some(self))
    }

    /// Adds documents not yet in the copy (`added`: ascending ids).
    fn insert_sorted(&mut self, added: Vec<(i64, Doc)>) {
        // New documents take ids above every other: a plain append.
        if added
            .first()
            .is_some_and(|(id, _)| self.ids.last().is_none_or(|last| last < id))
        {
            for (id, doc) in added {
                self.ids.push(id);
                self.docs.push(doc);
            }
            return;
        }
        let old = std::mem::take(&mut self.ids)
            .into_iter()
            .zip(std::mem::take(&mut self.docs));
        let mut merged: Vec<(i64, Doc)> = old.chain(added).collect();
        merged.sort_by_key(|(id, _)| *id);
        (self.ids, self.docs) = merged.into_iter().unzip();
    }

    /// The totals of the documents `ids` (ascending; `None` for every
    /// document) that `f` asks for, per currency in SQLite's order (no
    /// currency first); `None` when the copy cannot tell as SQL would (see
    /// the module's notes).
    fn totals(&self, ids: Option<&[i64]>, f: &DocumentFilter) -> Option<Vec<CurrencyTotal>> {
        if asks_description(f) && !self.described {
            return None;
        }
        // A value no document has: nothing matches.
        let mut none_has = false;
        let mut number = |values: &Values, wanted: Option<&str>| {
            wanted.and_then(|w| {
                let n = values.find(w);
                none_has |= n.is_none();
                n
            })
        };
        let currency = number(&self.currencies, f.currency.as_deref());
        let status = number(&self.statuses, f.status.as_deref());
        let doc_type = number(&self.types, f.doc_type.as_deref());
        let account = number(&self.accounts, f.account.as_deref());
        if none_has {
            return Some(Vec::new());
        }
        // A bound that is no `YYYY-MM-DD` is compared as text by SQL, and an
        // amount with no integer form is refused by it: both left to SQL.
        let day = |b: &Option<String>| b.as_deref().map(|t| day_number(t).ok_or(())).transpose();
        let e4 = |m: &Option<Money>| m.as_ref().map(|m| m.to_e4().ok_or(())).transpose();
        let (Ok(from_day), Ok(to_day), Ok(min_e4), Ok(max_e4)) = (
            day(&f.date_from),
            day(&f.date_to),
            e4(&f.amount_min),
            e4(&f.amount_max),
        ) else {
            return None;
        };
        let dated = from_day.is_some() || to_day.is_some();
        let bounded = min_e4.is_some() || max_e4.is_some();
        let is = |n: Option<usize>, v: usize| n.is_none_or(|n| n == v);
        let mut sums = vec![(0u64, 0i128); self.currencies.0.len()];
        let each: Box<dyn Iterator<Item = usize> + '_> = match ids {
            None => Box::new(0..self.docs.len()),
            Some(ids) => {
                let mut from = 0;
                Box::new(ids.iter().filter_map(move |&id| {
                    from += self.ids[from..].partition_point(|&x| x < id);
                    // Not found: another organisation's document (the copy is
                    // of one).
                    (self.ids.get(from) == Some(&id)).then_some(from)
                }))
            }
        };
        for at in each {
            let d = self.docs[at];
            if !is(currency, d.currency.into())
                || !is(status, d.status.into())
                || !is(doc_type, d.doc_type.into())
                || !is(account, d.account.into())
            {
                continue;
            }
            if dated {
                match d.day {
                    NO_DAY => continue,
                    NOT_A_DAY => return None,
                    day if from_day.is_some_and(|f| day < f) || to_day.is_some_and(|t| day > t) => {
                        continue
                    }
                    _ => {}
                }
            }
            let exact = d.flags & HAS_E4 != 0;
            if bounded {
                // As in SQL: a total with no integer form is outside any bound.
                if !exact
                    || min_e4.is_some_and(|m| d.total_e4 < m)
                    || max_e4.is_some_and(|m| d.total_e4 > m)
                {
                    continue;
                }
            } else if d.flags & HAS_TOTAL != 0 && !exact {
                return None;
            }
            let s = &mut sums[usize::from(d.currency)];
            s.0 += 1;
            if exact {
                s.1 += i128::from(d.total_e4);
            }
        }
        let mut out = Vec::new();
        for (c, (count, sum)) in sums.into_iter().enumerate() {
            if count > 0 {
                out.push(CurrencyTotal {
                    currency_code: self.currencies.0[c].clone(),
                    count,
                    total: Money::from_e4(sum)?,
                });
            }
        }
        out.sort_by(|a, b| a.currency_code.cmp(&b.currency_code));
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(total_e4: i64, day: &str) -> Doc {
        Doc {
            total_e4,
            day: day_number(day).unwrap(),
            flags: HAS_TOTAL | HAS_E4,
            ..Doc::default()
        }
    }

    /// Documents new to a copy keep its ids ascending, whether they come after
    /// every other (the usual case) or between them (an id SQLite gave again).
    #[test]
    fn added_documents_keep_the_ids_in_order() {
        let day = "2026-03-31";
        let mut a = Amounts {
            head: 0,
            ids: vec![1, 5, 9],
            docs: vec![doc(10, day), doc(50, day), doc(90, "2026-04-01")],
            currencies: Values(vec![Some("NZD".to_owned())]),
            described: true,
            statuses: Values::default(),
            types: Values::default(),
            accounts: Values::default(),
        };
        a.insert_sorted(vec![(10, doc(100, day)), (11, doc(110, day))]);
        a.insert_sorted(vec![(3, doc(30, day)), (12, doc(120, day))]);
        assert_eq!(a.ids, [1, 3, 5, 9, 10, 11, 12]);
        let totals: Vec<i64> = a.docs.iter().map(|r| r.total_e4).collect();
        assert_eq!(totals, [10, 30, 50, 90, 100, 110, 120]);
        let wanted = DocumentFilter {
            amount_max: Money::parse("0.01").ok(),
            date_to: Some(day.to_owned()),
            ..DocumentFilter::default()
        };
        let t = a.totals(Some(&[3, 4, 9, 10, 11]), &wanted).unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].count, t[0].total.to_e4()), (2, Some(130)));
        // A bound SQL would compare as text is left to SQL.
        let odd = DocumentFilter {
            date_from: Some("2026-3-1".to_owned()),
            ..DocumentFilter::default()
        };
        assert_eq!(a.totals(Some(&[3]), &odd), None);
    }

    #[test]
    fn positions_are_found_by_table_or_by_search() {
        let dense = [3, 4, 6, 7];
        let sparse = [3, 1_000, 2_000_000];
        for ids in [&dense[..], &sparse[..], &[]] {
            let at = Positions::of(ids);
            for (i, id) in ids.iter().enumerate() {
                assert_eq!(at.get(ids, *id), Some(i));
            }
            for absent in [i64::MIN, 0, 5, 8, 999, i64::MAX] {
                assert_eq!(at.get(ids, absent), None, "{absent} in {ids:?}");
            }
        }
        assert!(matches!(Positions::of(&dense), Positions::Table { .. }));
        assert!(matches!(Positions::of(&sparse), Positions::Search));
    }

    #[test]
    fn days_are_numbered_in_the_order_of_their_text() {
        let days = [
            "0999-12-31",
            "2026-02-28",
            "2026-03-01",
            "2026-12-31",
            "9999-01-01",
        ];
        for w in days.windows(2) {
            assert!(
                day_number(w[0]).unwrap() < day_number(w[1]).unwrap(),
                "{w:?}"
            );
        }
        for odd in ["2026-3-01", "+10000-01-01", "2026/03/01", "2026-03-0x", ""] {
            assert_eq!(day_number(odd), None, "{odd}");
        }
    }
}

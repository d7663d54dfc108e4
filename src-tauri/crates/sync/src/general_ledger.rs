//! Rebuilds an organisation's general ledger from the documents the ledger
//! holds: the store gives the facts, the pure posting engine
//! (`ledgerkeep-ledger`) posts each document, and the store keeps the lines.
//! A Starter Xero app cannot read Journals, so every report reads these lines.
//!
//! A document that cannot be posted is named in the ledger's state with the
//! engine's reason; the rest still post, and nothing is silently balanced.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use ledgerkeep_domain::format_instant;
use ledgerkeep_domain::xero::{
    BankTransaction, BankTransfer, CreditNote, Invoice, ManualJournal, Overpayment, Payment,
    Prepayment,
};
use ledgerkeep_domain::Money;
use ledgerkeep_domain::XeroDate;
use ledgerkeep_ledger::{
    aged_document, linked, post, settled_before, settled_from, settlements_of, AccountKey,
    AgedDocument, Document, JournalLine, LineRole, LinkedDocument, PostingContext, PostingError,
    Settlement, SystemAccounts,
};
use ledgerkeep_store::aged::AgedCopy;
use ledgerkeep_store::general_ledger::{ChartAccount, GlLine, GlState, Unposted, POSTING_TABLES};
use ledgerkeep_store::{LedgerStore, StoreError};

/// Documents read from the store at a time.
const PAGE: u32 = 2_000;

/// The chart, as posting resolves the accounts a document names.
struct Chart {
    by_id: BTreeMap<String, ChartAccount>,
    by_code: BTreeMap<String, String>,
}

impl Chart {
    fn new(accounts: Vec<ChartAccount>) -> Chart {
        let by_code = accounts
            .iter()
            .filter_map(|a| a.code.clone().map(|c| (c, a.xero_id.clone())))
            .collect();
        let by_id = accounts
            .into_iter()
            .map(|a| (a.xero_id.clone(), a))
            .collect();
        Chart { by_id, by_code }
    }

    /// The system account Xero names `system`, else one named by `fallback`
    /// (a code no chart has, so the report shows it on its own line).
    fn system(&self, system: &str, fallback: &str) -> AccountKey {
        self.by_id
            .values()
            .find(|a| a.system_account.as_deref() == Some(system))
            .map(|a| AccountKey {
                code: a.code.clone(),
                account_id: Some(a.xero_id.clone()),
            })
            .unwrap_or_else(|| AccountKey::code(fallback))
    }

    fn resolve(&self, key: &AccountKey) -> Option<&ChartAccount> {
        key.account_id
            .as_ref()
            .and_then(|id| self.by_id.get(id))
            .or_else(|| {
                key.code
                    .as_ref()
                    .and_then(|c| self.by_code.get(c))
                    .and_then(|id| self.by_id.get(id))
            })
    }
}

fn role_name(role: LineRole) -> &'static str {
    match role {
        LineRole::Control => "control",
        LineRole::Bank => "bank",
        LineRole::Item => "item",
        LineRole::Tax => "tax",
        LineRole::CurrencyGain => "currencyGain",
        LineRole::Rounding => "rounding",
    }
}

/// What the organisation's ledger posts against: its system accounts, and
/// how much of each document each settlement found already settled. What
/// each settled document was booked at ([`PostingContext::linked`]) is added
/// as the documents are posted: invoices, credit notes, overpayments and
/// prepayments post before the payments that settle them.
async fn context(store: &LedgerStore, tenant: &str) -> Result<(PostingContext, Chart), StoreError> {
    let org = store.reporting_organisation(tenant).await?;
    let base = org.and_then(|o| o.base_currency).unwrap_or_default();
    let chart = Chart::new(store.posting_chart(tenant).await?);
    let accounts = SystemAccounts {
        receivable: chart.system("DEBTORS", "610"),
        payable: chart.system("CREDITORS", "800"),
        tax: chart.system("GST", "820"),
        currency_gains: chart.system("REALISEDCURRENCYGAIN", "REALISEDCURRENCYGAIN"),
        rounding: chart.system("ROUNDING", "ROUNDING"),
    };
    let mut ctx = PostingContext::new(base, accounts);
    for (doc, bank) in store.overpayment_bank_accounts(tenant).await? {
        ctx.bank_accounts.insert(doc, AccountKey::id(bank));
    }
    let mut settlements = Vec::new();
    for (document_id, settlement_id, date, amount) in store.settlements(tenant).await? {
        if let Ok(date) = date.parse::<NaiveDate>() {
            settlements.push(Settlement {
                document_id,
                settlement_id,
                date: XeroDate(date),
                amount: amount.as_decimal(),
            });
        }
    }
    ctx.settled_before = settled_before(settlements)
        .ok_or_else(|| StoreError::Data("the amounts settled overflow".to_owned()))?;
    Ok((ctx, chart))
}

/// Reads a stored document of `table` and hands it to `f`.
fn with_document<T>(
    table: &str,
    json: &str,
    f: impl FnOnce(Document<'_>) -> Result<T, PostingError>,
) -> Result<(T, Option<String>), String> {
    fn read<D: serde::de::DeserializeOwned>(json: &str) -> Result<D, String> {
        serde_json::from_str(json).map_err(|e| format!("Its JSON could not be read: {e}."))
    }
    let done = |r: Result<T, PostingError>, reference: Option<String>| {
        r.map(|t| (t, reference)).map_err(|e| e.to_string())
    };
    // One arm per table: read the document, name its reference, hand it on.
    macro_rules! arm {
        ($ty:ty, $variant:ident, |$d:ident| $reference:expr) => {{
            let $d: $ty = read(json)?;
            let reference = $reference;
            done(f(Document::$variant(&$d)), reference)
        }};
    }
    match table {
        "invoices" => arm!(Invoice, Invoice, |d| d
            .invoice_number
            .clone()
            .or(d.reference.clone())),
        "credit_notes" => arm!(CreditNote, CreditNote, |d| d
            .credit_note_number
            .clone()
            .or(d.reference.clone())),
        "overpayments" => arm!(Overpayment, Overpayment, |d| d.reference.clone()),
        "prepayments" => arm!(Prepayment, Prepayment, |d| d.reference.clone()),
        "payments" => arm!(Payment, Payment, |d| d.reference.clone()),
        "bank_transactions" => arm!(BankTransaction, BankTransaction, |d| d.reference.clone()),
        "bank_transfers" => arm!(BankTransfer, BankTransfer, |d| d.reference.clone()),
        "manual_journals" => arm!(ManualJournal, ManualJournal, |d| d.narration.clone()),
        other => Err(format!("{other} holds no documents that post.")),
    }
}

/// A document's journal lines and its reference, or why it cannot post.
type Posted = Result<(Vec<JournalLine>, Option<String>), String>;

/// What one document gives besides its lines: what payments and allocations
/// need of it if they can settle it, and what the aged reports keep of it.
#[derive(Default)]
struct Besides {
    settles: Option<LinkedDocument>,
    aged: Option<AgedDocument>,
    settlements: Vec<Settlement>,
}

/// Posts one stored document, read once.
fn post_json(table: &str, json: &str, ctx: &PostingContext) -> (Posted, Besides) {
    let mut besides = Besides::default();
    let posted = with_document(table, json, |d| {
        // A document whose booking cannot be read is named when it posts.
        besides.settles = linked(d, ctx).ok().flatten();
        besides.aged = aged_document(d, ctx).ok().flatten();
        besides.settlements = settlements_of(d);
        post(d, ctx)
    })
    .map(|(p, r)| (p.lines, r));
    (posted, besides)
}

/// The aged reports' documents and settlements, of the documents that
/// posted, as the pages pass.
#[derive(Default)]
struct AgedKept {
    documents: Vec<AgedDocument>,
    settlements: Vec<Settlement>,
}

impl AgedKept {
    /// The copy to keep: each document with the day it is settled for good.
    fn into_copy(self) -> AgedCopy {
        let mut by_document: std::collections::HashMap<&str, Vec<Settlement>> =
            std::collections::HashMap::new();
        for s in &self.settlements {
            by_document
                .entry(s.document_id.as_str())
                .or_default()
                .push(s.clone());
        }
        let documents = self
            .documents
            .into_iter()
            .map(|d| {
                let theirs = by_document
                    .get(d.id.as_str())
                    .map_or(&[][..], Vec::as_slice);
                let from = settled_from(&d, theirs);
                (d, from)
            })
            .collect();
        AgedCopy {
            documents,
            settlements: self.settlements,
        }
    }
}

fn stored_line(l: &JournalLine, reference: &Option<String>, chart: &Chart) -> GlLine {
    let account = chart.resolve(&l.account);
    let tracking_json = (!l.tracking.is_empty())
        .then(|| serde_json::to_string(&l.tracking).ok())
        .flatten();
    GlLine {
        date: l.date.to_string(),
        reference: reference.clone(),
        source_xero_id: l.source.document_id.clone(),
        source_type: l.source.kind.as_str().to_owned(),
        line_xero_id: l.source.line_id.clone(),
        role: role_name(l.role).to_owned(),
        account_xero_id: account
            .map(|a| a.xero_id.clone())
            .or_else(|| l.account.account_id.clone()),
        account_code: account
            .and_then(|a| a.code.clone())
            .or_else(|| l.account.code.clone()),
        account_type: account.and_then(|a| a.account_type.clone()),
        account_name: account.and_then(|a| a.name.clone()),
        description: l.description.clone(),
        net: Money::new(l.amount),
        tax_type: l.tax_type.clone(),
        currency_code: l.foreign.as_ref().map(|f| f.currency.clone()),
        foreign_amount: l.foreign.as_ref().map(|f| Money::new(f.amount)),
        tracking_json,
    }
}

/// Posts one page of a table's documents: their lines, counting the
/// documents and naming those that cannot post. What each document that
/// payments and allocations settle was booked at goes into `ctx`.
fn post_page(
    table: &str,
    page: &[(i64, String, String)],
    ctx: &mut PostingContext,
    chart: &Chart,
    kept: &mut Kept,
) -> Vec<GlLine> {
    let mut lines = Vec::new();
    for (_, xero_id, json) in page {
        kept.documents += 1;
        let (posted, besides) = post_json(table, json, ctx);
        if let Some(settles) = besides.settles {
            ctx.linked.insert(xero_id.clone(), settles);
        }
        match posted {
            Ok((posted, reference)) => {
                lines.extend(posted.iter().map(|l| stored_line(l, &reference, chart)));
                kept.aged.documents.extend(besides.aged);
                kept.aged.settlements.extend(besides.settlements);
            }
            Err(reason) => kept.unposted.push(Unposted {
                table: table.to_owned(),
                xero_id: xero_id.clone(),
                reason,
            }),
        }
    }
    lines
}

/// What a rebuild counts and keeps besides the lines.
#[derive(Default)]
struct Kept {
    documents: u64,
    unposted: Vec<Unposted>,
    aged: AgedKept,
}

/// Reads and posts every document, page by page, reading the next page while
/// posting this one, and hands each page's lines to `send`. Stops early if
/// the writer has stopped (its error is the one to report).
async fn post_all(
    store: &LedgerStore,
    tenant: &str,
    ctx: &mut PostingContext,
    chart: &Chart,
    send: &tokio::sync::mpsc::Sender<Vec<GlLine>>,
) -> Result<Kept, StoreError> {
    let mut kept = Kept::default();
    for table in POSTING_TABLES {
        let mut page = store.documents_to_post(tenant, table, 0, PAGE).await?;
        while let Some((last, _, _)) = page.last() {
            let after = *last;
            let (next, lines) =
                tokio::join!(store.documents_to_post(tenant, table, after, PAGE), async {
                    post_page(table, &page, ctx, chart, &mut kept)
                });
            if send.send(lines).await.is_err() {
                return Ok(kept);
            }
            page = next?;
        }
    }
    Ok(kept)
}

/// Where a rebuild's time went, on the real clock (a benchmark prints it;
/// a rebuild logs it).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RebuildPhases {
    /// Reading the chart, what each settlement found settled and the
    /// overpayments' bank accounts.
    pub context: Duration,
    /// Starting the transaction and putting the old ledger away.
    pub begin: Duration,
    /// Reading, posting and writing every document (side by side).
    pub post_and_write: Duration,
    /// Of that, the time the writer was writing.
    pub writer_busy: Duration,
    /// The last lines, the month totals, the indexes and the commit.
    pub finish: Duration,
}

/// Rebuilds the organisation's general ledger from every document it holds,
/// replacing the old one in one transaction.
///
/// The lines are written by a task of their own, so that SQLite writes one
/// page's lines while the next page is read and posted; the whole rebuild is
/// still the writer's one transaction, committed at the end.
pub async fn rebuild_general_ledger(
    store: &LedgerStore,
    tenant: &str,
    now: DateTime<Utc>,
) -> Result<GlState, StoreError> {
    let (state, phases) = rebuild_general_ledger_timed(store, tenant, now).await?;
    tracing::debug!(tenant, ?phases, "general ledger rebuilt");
    Ok(state)
}

/// [`rebuild_general_ledger`], with where its time went.
pub async fn rebuild_general_ledger_timed(
    store: &LedgerStore,
    tenant: &str,
    now: DateTime<Utc>,
) -> Result<(GlState, RebuildPhases), StoreError> {
    let mut phases = RebuildPhases::default();
    let clock = Instant::now();
    let (mut ctx, chart) = context(store, tenant).await?;
    phases.context = clock.elapsed();
    let clock = Instant::now();
    let mut writer = store.begin_general_ledger(tenant).await?;
    phases.begin = clock.elapsed();
    let clock = Instant::now();
    let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<GlLine>>(4);
    let writing = tokio::spawn(async move {
        let mut busy = Duration::ZERO;
        while let Some(lines) = receive.recv().await {
            let started = Instant::now();
            writer.write_owned(lines).await?;
            busy += started.elapsed();
        }
        Ok::<_, StoreError>((writer, busy))
    });
    let posted = post_all(store, tenant, &mut ctx, &chart, &send).await;
    drop(send);
    let (mut writer, busy) = writing
        .await
        .map_err(|e| StoreError::Data(format!("the general ledger's writer stopped: {e}")))??;
    phases.post_and_write = clock.elapsed();
    phases.writer_busy = busy;
    let Kept {
        documents,
        unposted,
        aged,
    } = posted?;
    writer.keep_aged(aged.into_copy());
    if !unposted.is_empty() {
        tracing::warn!(
            tenant,
            count = unposted.len(),
            "documents that could not be posted"
        );
    }
    let clock = Instant::now();
    let state = writer
        .finish(&format_instant(now), documents, &unposted)
        .await?;
    phases.finish = clock.elapsed();
    Ok((state, phases))
}

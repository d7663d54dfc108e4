//! Rebuilds an organisation's general ledger from the documents the ledger
//! holds: the store gives the facts, the pure posting engine
//! (`ledgerkeep-ledger`) posts each document, and the store keeps the lines.
//! A Starter Xero app cannot read Journals, so every report reads these lines.
//!
//! A document that cannot be posted is named in the ledger's state with the
//! engine's reason; the rest still post, and nothing is silently balanced.

use std::collections::BTreeMap;

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
    linked, post, settled_before, AccountKey, Document, JournalLine, LineRole, PostingContext,
    PostingError, Settlement, SystemAccounts,
};
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

/// What the organisation's ledger posts against: its system accounts, what
/// each document that payments and allocations settle was booked at, and how
/// much of it each settlement found already settled.
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
    for table in ["invoices", "credit_notes", "overpayments", "prepayments"] {
        let mut after = 0;
        loop {
            let page = store.documents_to_post(tenant, table, after, PAGE).await?;
            let Some((last, _, _)) = page.last() else {
                break;
            };
            after = *last;
            for (_, xero_id, json) in &page {
                // A document that cannot be read is named when it is posted.
                if let Ok((Some(linked), _)) = with_document(table, json, |d| linked(d, &ctx)) {
                    ctx.linked.insert(xero_id.clone(), linked);
                }
            }
        }
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

/// Posts one stored document: its lines, or why it cannot post.
fn post_json(
    table: &str,
    json: &str,
    ctx: &PostingContext,
) -> Result<(Vec<JournalLine>, Option<String>), String> {
    with_document(table, json, |d| post(d, ctx)).map(|(p, r)| (p.lines, r))
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
/// documents and naming those that cannot post.
fn post_page(
    table: &str,
    page: &[(i64, String, String)],
    ctx: &PostingContext,
    chart: &Chart,
    documents: &mut u64,
    unposted: &mut Vec<Unposted>,
) -> Vec<GlLine> {
    let mut lines = Vec::new();
    for (_, xero_id, json) in page {
        *documents += 1;
        match post_json(table, json, ctx) {
            Ok((posted, reference)) => {
                lines.extend(posted.iter().map(|l| stored_line(l, &reference, chart)));
            }
            Err(reason) => unposted.push(Unposted {
                table: table.to_owned(),
                xero_id: xero_id.clone(),
                reason,
            }),
        }
    }
    lines
}

/// Reads and posts every document, page by page, reading the next page while
/// posting this one, and hands each page's lines to `send`. Stops early if
/// the writer has stopped (its error is the one to report).
async fn post_all(
    store: &LedgerStore,
    tenant: &str,
    ctx: &PostingContext,
    chart: &Chart,
    send: &tokio::sync::mpsc::Sender<Vec<GlLine>>,
) -> Result<(u64, Vec<Unposted>), StoreError> {
    let mut documents = 0u64;
    let mut unposted = Vec::new();
    for table in POSTING_TABLES {
        let mut page = store.documents_to_post(tenant, table, 0, PAGE).await?;
        while let Some((last, _, _)) = page.last() {
            let after = *last;
            let (next, lines) =
                tokio::join!(store.documents_to_post(tenant, table, after, PAGE), async {
                    post_page(table, &page, ctx, chart, &mut documents, &mut unposted)
                });
            if send.send(lines).await.is_err() {
                return Ok((documents, unposted));
            }
            page = next?;
        }
    }
    Ok((documents, unposted))
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
    let (ctx, chart) = context(store, tenant).await?;
    let mut writer = store.begin_general_ledger(tenant).await?;
    let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<GlLine>>(4);
    let writing = tokio::spawn(async move {
        while let Some(lines) = receive.recv().await {
            writer.write_owned(lines).await?;
        }
        Ok::<_, StoreError>(writer)
    });
    let posted = post_all(store, tenant, &ctx, &chart, &send).await;
    drop(send);
    let writer = writing
        .await
        .map_err(|e| StoreError::Data(format!("the general ledger's writer stopped: {e}")))??;
    let (documents, unposted) = posted?;
    if !unposted.is_empty() {
        tracing::warn!(
            tenant,
            count = unposted.len(),
            "documents that could not be posted"
        );
    }
    writer
        .finish(&format_instant(now), documents, &unposted)
        .await
}

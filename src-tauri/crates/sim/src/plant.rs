//! Planted irregularities: known anomalies put into the generated books, so
//! that tests (and demos) of the anomaly rules have cases with known answers.
//!
//! Each method changes one organisation's books the way the owner (or a
//! fraudster) would through Xero: the records it adds or edits carry the
//! clock's now as `UpdatedDateUTC`, and documents that post to the ledger
//! post their Journals, as Xero does. Each returns the ids it made.
//!
//! ```no_run
//! # async fn demo(sim: &ledgerkeep_sim::RunningSimulator, tenant: &str) {
//! let copy = sim.plant(tenant, |p| {
//!     let bill = p.first(ledgerkeep_sim::Collection::Invoices, |v| v["Type"] == "ACCPAY")?;
//!     Some(p.duplicate_bill(bill["InvoiceID"].as_str()?, 2, false))
//! });
//! # let _ = copy; }
//! ```

use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::books::{Collection, TenantBooks};
use crate::generate::uuid_from;
use crate::mutate::{post_invoice, repost};
use crate::wire::{money, ms_date, number_text, parse_ms_date};

const DAY_MS: i64 = 86_400_000;

/// One organisation's books, open for planting.
#[derive(Debug)]
pub struct Planter<'a> {
    pub(crate) books: &'a mut TenantBooks,
    pub(crate) rng: &'a mut ChaCha8Rng,
    /// The clock's now (ms): the planted records' `UpdatedDateUTC`.
    pub now: i64,
}

fn dec(v: &Value) -> Decimal {
    v.to_string()
        .trim_matches('"')
        .parse()
        .unwrap_or(Decimal::ZERO)
}

impl Planter<'_> {
    /// The books being planted.
    pub fn books(&self) -> &TenantBooks {
        self.books
    }

    /// The first record of `c` (in creation order) that passes `ok`.
    pub fn first(&self, c: Collection, ok: impl Fn(&Value) -> bool) -> Option<Value> {
        self.books
            .table(c)
            .records()
            .iter()
            .map(|r| r.value())
            .find(|v| ok(v))
    }

    /// Every record of `c` that passes `ok`, in creation order.
    pub fn all(&self, c: Collection, ok: impl Fn(&Value) -> bool) -> Vec<Value> {
        self.books
            .table(c)
            .records()
            .iter()
            .map(|r| r.value())
            .filter(|v| ok(v))
            .collect()
    }

    fn get(&self, c: Collection, id: &str) -> Option<Value> {
        self.books.table(c).get(id).map(|r| r.value())
    }

    /// Edits a record as the owner would in Xero: `f` changes it, and its
    /// `UpdatedDateUTC` moves to now. Nothing is re-posted.
    pub fn edit(&mut self, c: Collection, id: &str, f: impl FnOnce(&mut Value)) {
        let Some(mut v) = self.get(c, id) else {
            return;
        };
        f(&mut v);
        v["UpdatedDateUTC"] = ms_date(self.now);
        self.books.put(c, &v);
    }

    /// A new AUTHORISED, unpaid copy of the bill `template` dated `date_ms`,
    /// numbered `number`, changed by `f`, then posted. Returns its id.
    fn copy_bill(
        &mut self,
        template: &str,
        date_ms: i64,
        number: &str,
        f: impl FnOnce(&mut Value, &mut ChaCha8Rng),
    ) -> String {
        let Some(mut v) = self.get(Collection::Invoices, template) else {
            return String::new();
        };
        let id = uuid_from(self.rng);
        v["InvoiceID"] = json!(id);
        v["InvoiceNumber"] = json!(number);
        v["Status"] = json!("AUTHORISED");
        v["Payments"] = json!([]);
        v["CreditNotes"] = json!([]);
        v["AmountPaid"] = money(Decimal::ZERO);
        v["AmountCredited"] = money(Decimal::ZERO);
        v["AmountDue"] = v["Total"].clone();
        v["Date"] = ms_date(date_ms);
        v["DueDate"] = ms_date(date_ms + 20 * DAY_MS);
        v["UpdatedDateUTC"] = ms_date(self.now);
        if let Some(o) = v.as_object_mut() {
            o.remove("FullyPaidOnDate");
        }
        if let Some(lines) = v["LineItems"].as_array_mut() {
            for l in lines {
                l["LineItemID"] = json!(uuid_from(self.rng));
            }
        }
        f(&mut v, self.rng);
        self.books.put(Collection::Invoices, &v);
        post_invoice(self.books, self.rng, &v, self.now);
        id
    }

    /// The bill `bill` entered again, `days_later` days after its date: the
    /// same supplier and amount, a new number unless `same_number`.
    pub fn duplicate_bill(&mut self, bill: &str, days_later: i64, same_number: bool) -> String {
        let Some(v) = self.get(Collection::Invoices, bill) else {
            return String::new();
        };
        let date = v["Date"]
            .as_str()
            .and_then(parse_ms_date)
            .unwrap_or(self.now);
        let number = if same_number {
            v["InvoiceNumber"].as_str().unwrap_or_default().to_owned()
        } else {
            format!("{}-B", v["InvoiceNumber"].as_str().unwrap_or("BILL"))
        };
        self.copy_bill(bill, date + days_later * DAY_MS, &number, |_, _| {})
    }

    /// A new bill like `template` for `factor` times its total, as one line,
    /// dated `date_ms`.
    pub fn scaled_bill(
        &mut self,
        template: &str,
        factor: Decimal,
        date_ms: i64,
        number: &str,
    ) -> String {
        let Some(t) = self.get(Collection::Invoices, template) else {
            return String::new();
        };
        let amount = (dec(&t["Total"]) * factor).round_dp(2);
        self.copy_bill(template, date_ms, number, |v, rng| {
            let account = v["LineItems"][0]["AccountCode"].clone();
            v["LineItems"] = json!([{
                "LineItemID": uuid_from(rng),
                "Description": "Services",
                "Quantity": 1,
                "UnitAmount": money(amount),
                "AccountCode": account,
                "TaxType": "NONE",
                "TaxAmount": money(Decimal::ZERO),
                "LineAmount": money(amount),
                "Tracking": []
            }]);
            for k in ["SubTotal", "Total", "AmountDue"] {
                v[k] = money(amount);
            }
            v["TotalTax"] = money(Decimal::ZERO);
        })
    }

    /// Replaces a contact's `BankAccountDetails`.
    pub fn set_bank_details(&mut self, contact: &str, details: &str) {
        let Some(mut v) = self.get(Collection::Contacts, contact) else {
            return;
        };
        v["BankAccountDetails"] = json!(details);
        v["UpdatedDateUTC"] = ms_date(self.now);
        self.books.put(Collection::Contacts, &v);
    }

    /// Sets the organisation's period lock date (midnight of `date_ms`'s day).
    pub fn set_period_lock_date(&mut self, date_ms: i64) {
        let Some(mut org) = self.first(Collection::Organisation, |_| true) else {
            return;
        };
        org["PeriodLockDate"] = ms_date(date_ms.div_euclid(DAY_MS) * DAY_MS);
        self.books.put(Collection::Organisation, &org);
    }

    /// Adds a line of `extra` (no tax) to an unpaid document and re-posts
    /// its journals: an edit of its amount, made now.
    pub fn add_line(&mut self, invoice: &str, extra: Decimal) {
        let Some(mut v) = self.get(Collection::Invoices, invoice) else {
            return;
        };
        let code = v["LineItems"][0]["AccountCode"].clone();
        if let Some(lines) = v["LineItems"].as_array_mut() {
            lines.push(json!({
                "LineItemID": uuid_from(self.rng),
                "Description": "Added later",
                "Quantity": 1,
                "UnitAmount": money(extra),
                "AccountCode": code,
                "TaxType": "NONE",
                "TaxAmount": money(Decimal::ZERO),
                "LineAmount": money(extra),
                "Tracking": []
            }));
        }
        for k in ["SubTotal", "Total", "AmountDue"] {
            v[k] = money(dec(&v[k]) + extra);
        }
        v["UpdatedDateUTC"] = ms_date(self.now);
        self.books.put(Collection::Invoices, &v);
        repost(self.books, self.rng, invoice, self.now, false);
        post_invoice(self.books, self.rng, &v, self.now);
    }

    /// A spend (for a bill) or receive (for an invoice) money transaction
    /// with the document's contact and total, dated `date_ms`, with its journal.
    pub fn pay_again_by_bank(&mut self, invoice: &str, date_ms: i64, reference: &str) -> String {
        let Some(v) = self.get(Collection::Invoices, invoice) else {
            return String::new();
        };
        let spend = v["Type"] == "ACCPAY";
        self.bank_transaction(
            if spend { "SPEND" } else { "RECEIVE" },
            &v["Contact"],
            dec(&v["Total"]),
            date_ms,
            reference,
        )
    }

    /// A payment of `amount` on the document `invoice` from the main bank
    /// account, dated `date_ms`, as Xero records one (Payment, the document's
    /// amounts, the journal). Returns the payment's id.
    pub fn pay(&mut self, invoice: &str, amount: Decimal, date_ms: i64, reference: &str) -> String {
        let Some(bank) = self.first(Collection::Accounts, |a| a["Code"] == "090") else {
            return String::new();
        };
        let p = crate::write::record_payment(
            self.books, self.rng, invoice, &bank, amount, date_ms, reference, self.now,
        );
        p["PaymentID"].as_str().unwrap_or_default().to_owned()
    }

    /// A spend money transaction of `amount` (no tax) to `contact`, dated `date_ms`.
    pub fn spend(
        &mut self,
        contact: &str,
        amount: Decimal,
        date_ms: i64,
        reference: &str,
    ) -> String {
        let Some(c) = self.get(Collection::Contacts, contact) else {
            return String::new();
        };
        let short = json!({"ContactID": c["ContactID"], "Name": c["Name"], "Addresses": [], "Phones": [], "ContactGroups": [], "ContactPersons": [], "HasValidationErrors": false});
        self.bank_transaction("SPEND", &short, amount, date_ms, reference)
    }

    fn bank_transaction(
        &mut self,
        kind: &str,
        contact: &Value,
        amount: Decimal,
        date_ms: i64,
        reference: &str,
    ) -> String {
        let Some(bank) = self.first(Collection::Accounts, |a| a["Code"] == "090") else {
            return String::new();
        };
        let id = uuid_from(self.rng);
        let currency = self.books.base_currency.clone();
        let bt = json!({
            "BankTransactionID": id,
            "Type": kind,
            "Contact": contact,
            "LineItems": [{"LineItemID": uuid_from(self.rng), "Description": reference, "Quantity": 1, "UnitAmount": money(amount), "AccountCode": "429", "TaxType": "NONE", "TaxAmount": money(Decimal::ZERO), "LineAmount": money(amount), "Tracking": []}],
            "BankAccount": {"AccountID": bank["AccountID"], "Code": bank["Code"], "Name": bank["Name"]},
            "IsReconciled": false,
            "Date": ms_date(date_ms),
            "Reference": reference,
            "CurrencyCode": currency,
            "CurrencyRate": number_text("1.000000"),
            "Status": "AUTHORISED",
            "LineAmountTypes": "NoTax",
            "SubTotal": money(amount),
            "TotalTax": money(Decimal::ZERO),
            "Total": money(amount),
            "UpdatedDateUTC": ms_date(self.now),
            "HasAttachments": false
        });
        self.books.put(Collection::BankTransactions, &bt);
        let sign = if kind == "SPEND" {
            Decimal::NEGATIVE_ONE
        } else {
            Decimal::ONE
        };
        let expense = self.first(Collection::Accounts, |a| a["Code"] == "429");
        let line = |rng: &mut ChaCha8Rng, a: &Value, net: Decimal| json!({"JournalLineID": uuid_from(rng), "AccountID": a["AccountID"], "AccountCode": a["Code"], "AccountType": a["Type"], "AccountName": a["Name"], "Description": "", "NetAmount": money(net), "GrossAmount": money(net), "TaxAmount": money(Decimal::ZERO), "TrackingCategories": []});
        let lines = vec![
            line(self.rng, &bank, sign * amount),
            line(self.rng, &expense.unwrap_or(Value::Null), -sign * amount),
        ];
        let journal = json!({
            "JournalID": uuid_from(self.rng),
            "JournalDate": ms_date(date_ms),
            "JournalNumber": self.books.next_journal_number(),
            "CreatedDateUTC": ms_date(self.now),
            "Reference": reference,
            "SourceID": id,
            "SourceType": if kind == "SPEND" { "CASHPAID" } else { "CASHREC" },
            "JournalLines": lines
        });
        self.books.put(Collection::Journals, &journal);
        id
    }
}

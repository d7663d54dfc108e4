//! Payments writes: `PUT`/`POST /api.xro/2.0/Payments`, all or nothing, as
//! Xero does by default (`summarizeErrors=true`).

use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::api::{envelope, validation_error, Answer};
use crate::books::{Collection, TenantBooks};
use crate::server::Shared;
use crate::wire::{money, ms_date, number_text, parse_ms_date};

fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => n.to_string().parse().ok(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn date_ms(v: &Value, now: i64) -> Option<i64> {
    let Some(s) = v.as_str() else {
        return Some(now.div_euclid(86_400_000) * 86_400_000);
    };
    parse_ms_date(s).or_else(|| {
        let day = s.get(..10)?;
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc().timestamp_millis())
    })
}

struct Planned {
    invoice: Value,
    account: Value,
    amount: Decimal,
    date: i64,
    reference: String,
}

fn plan(b: &TenantBooks, p: &Value, now: i64) -> Result<Planned, String> {
    let inv_ref = &p["Invoice"];
    let invoice = match (
        inv_ref["InvoiceID"].as_str(),
        inv_ref["InvoiceNumber"].as_str(),
    ) {
        (Some(id), _) => b.table(Collection::Invoices).get(id).map(|r| r.value()),
        (None, Some(n)) => b
            .table(Collection::Invoices)
            .records()
            .iter()
            .map(|r| r.value())
            .find(|v| v["InvoiceNumber"] == n),
        _ => None,
    }
    .ok_or("Invoice could not be found")?;
    let acc_ref = &p["Account"];
    let account = b
        .table(Collection::Accounts)
        .records()
        .iter()
        .map(|r| r.value())
        .find(|a| {
            acc_ref["AccountID"].as_str().is_some_and(|id| {
                a["AccountID"]
                    .as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(id))
            }) || (acc_ref["Code"].is_string() && a["Code"] == acc_ref["Code"])
        })
        .ok_or("Account could not be found")?;
    if account["Type"] != "BANK" && account["EnablePaymentsToAccount"] != true {
        return Err(
            "Payments can only be made to bank accounts or accounts with payments enabled".into(),
        );
    }
    if invoice["Status"] != "AUTHORISED" {
        return Err("Payment cannot be created: the invoice is not AUTHORISED".into());
    }
    let amount = decimal(&p["Amount"]).ok_or("Amount is required")?;
    let due = decimal(&invoice["AmountDue"]).unwrap_or(Decimal::ZERO);
    if amount <= Decimal::ZERO {
        return Err("Payment amount must be greater than zero".into());
    }
    if amount.scale() > 2 && amount.normalize().scale() > 2 {
        return Err("Payment amount must have at most 2 decimal places".into());
    }
    if amount > due {
        return Err(format!(
            "Payment amount exceeds the amount outstanding on this document ({due})"
        ));
    }
    let date = date_ms(&p["Date"], now).ok_or("Date is not a valid date")?;
    Ok(Planned {
        invoice,
        account,
        amount,
        date,
        reference: p["Reference"].as_str().unwrap_or_default().to_owned(),
    })
}

/// The most payments Xero takes in one request ("about 50 items per batch").
pub const MAX_BATCH: usize = 50;

/// The element Xero echoes for a refused payment: the request's item with its
/// validation messages.
fn refused(item: &Value, message: &str) -> Value {
    let mut e = item.clone();
    e["ValidationErrors"] = json!([{ "Message": message }]);
    e["HasValidationErrors"] = json!(true);
    e
}

/// Creates the payments in `body` for `tenant`.
///
/// With `summarize_errors` (Xero's default) the batch is all or nothing: one
/// invalid payment refuses the whole request with a 400 naming each item's
/// errors. With `summarizeErrors=false` each payment stands alone: the valid
/// ones are recorded, and the answer is a 200 whose items carry
/// `StatusAttributeString` `OK` or `ERROR` (with `ValidationErrors`).
pub(crate) fn create_payments(
    shared: &Shared,
    tenant: &str,
    body: &Value,
    summarize_errors: bool,
) -> Answer {
    let items: Vec<Value> = match body.get("Payments").and_then(Value::as_array) {
        Some(list) => list.clone(),
        None if body.is_object() => vec![body.clone()],
        None => Vec::new(),
    };
    if items.len() > MAX_BATCH {
        return Answer::error(
            StatusCode::BAD_REQUEST,
            json!({"ErrorNumber": 10, "Type": "ValidationException", "Message": format!("No more than {MAX_BATCH} payments can be sent in one request")}),
        );
    }
    let now = shared.clock.now_ms();
    let mut books = shared.books.write();
    let Some(b) = books.tenant_named_mut(tenant) else {
        return Answer::error(
            StatusCode::NOT_FOUND,
            json!({"Title": "Not Found", "Status": 404}),
        );
    };
    if items.is_empty() {
        return Answer::error(StatusCode::BAD_REQUEST, validation_error(Vec::new()));
    }
    if !summarize_errors {
        // Each payment is checked against the books as the ones before it left them.
        let answered = items
            .iter()
            .map(|item| match plan(b, item, now) {
                Ok(p) => {
                    let mut payment = record(shared, b, p, now);
                    payment["StatusAttributeString"] = json!("OK");
                    payment
                }
                Err(m) => {
                    let mut e = refused(item, &m);
                    e["StatusAttributeString"] = json!("ERROR");
                    e
                }
            })
            .collect();
        drop(books);
        return Answer::ok(envelope(shared, "Payments", answered, None), Vec::new());
    }
    // All or nothing: every payment valid, and together no more than each invoice's due.
    let mut planned: Vec<Result<Planned, String>> = items.iter().map(|p| plan(b, p, now)).collect();
    let mut batch_total: std::collections::HashMap<String, Decimal> = Default::default();
    for r in &mut planned {
        if let Ok(p) = r {
            let id = p.invoice["InvoiceID"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let total = batch_total.entry(id).or_default();
            *total += p.amount;
            let due = decimal(&p.invoice["AmountDue"]).unwrap_or(Decimal::ZERO);
            if *total > due {
                *r = Err(format!(
                    "Payment amount exceeds the amount outstanding on this document ({due})"
                ));
            }
        }
    }
    if planned.iter().any(Result::is_err) {
        let elements = items
            .iter()
            .zip(&planned)
            .map(|(item, r)| match r {
                Err(m) => refused(item, m),
                Ok(_) => {
                    let mut e = item.clone();
                    e["ValidationErrors"] = json!([]);
                    e
                }
            })
            .collect();
        return Answer::error(StatusCode::BAD_REQUEST, validation_error(elements));
    }
    let created = planned
        .into_iter()
        .flatten()
        .map(|p| record(shared, b, p, now))
        .collect();
    drop(books);
    Answer::ok(envelope(shared, "Payments", created, None), Vec::new())
}

/// Records one checked payment.
fn record(shared: &Shared, b: &mut TenantBooks, p: Planned, now: i64) -> Value {
    let inv_id = p.invoice["InvoiceID"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    record_payment(
        b,
        &mut shared.rng.lock(),
        &inv_id,
        &p.account,
        p.amount,
        p.date,
        &p.reference,
        now,
    )
}

/// Records one payment of `amount` on the invoice `inv_id` from `account`:
/// the Payment, the invoice's amounts and status, and the payment's journal.
/// Checks nothing: the caller has (the API) or means to plant it (tests).
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_payment(
    b: &mut TenantBooks,
    rng: &mut rand_chacha::ChaCha8Rng,
    inv_id: &str,
    account: &Value,
    amount: Decimal,
    date: i64,
    reference: &str,
    now: i64,
) -> Value {
    let id = crate::generate::uuid_from(rng);
    // Read the invoice now: an earlier payment in the same batch may have changed it.
    let mut inv = b
        .table(Collection::Invoices)
        .get(inv_id)
        .map_or(Value::Null, |r| r.value());
    let due = decimal(&inv["AmountDue"]).unwrap_or(Decimal::ZERO) - amount;
    let paid = decimal(&inv["AmountPaid"]).unwrap_or(Decimal::ZERO) + amount;
    let sales = inv["Type"] == "ACCREC";
    let rate = inv["CurrencyRate"].clone();
    let payment = json!({
        "PaymentID": id,
        "Date": ms_date(date),
        "BankAmount": money(amount),
        "Amount": money(amount),
        "Reference": reference,
        "CurrencyRate": if rate.is_null() { number_text("1.000000") } else { rate.clone() },
        "PaymentType": if sales { "ACCRECPAYMENT" } else { "ACCPAYPAYMENT" },
        "Status": "AUTHORISED",
        "UpdatedDateUTC": ms_date(now),
        "HasAccount": true,
        "IsReconciled": false,
        "Account": {"AccountID": account["AccountID"], "Code": account["Code"]},
        "Invoice": {"InvoiceID": inv["InvoiceID"], "InvoiceNumber": inv["InvoiceNumber"], "Type": inv["Type"], "Contact": inv["Contact"], "CurrencyCode": inv["CurrencyCode"]},
        "HasValidationErrors": false
    });
    b.put(Collection::Payments, &payment);
    if let Some(list) = inv["Payments"].as_array_mut() {
        list.push(json!({"PaymentID": id, "Date": ms_date(date), "Amount": money(amount), "Reference": reference, "CurrencyRate": rate, "HasAccount": false, "HasValidationErrors": false}));
    }
    inv["AmountDue"] = money(due);
    inv["AmountPaid"] = money(paid);
    inv["UpdatedDateUTC"] = ms_date(now);
    if due.is_zero() {
        inv["Status"] = json!("PAID");
        // The last of its payments and credits, not necessarily this one.
        inv["FullyPaidOnDate"] = ms_date(crate::wire::last_settled_ms(&inv).unwrap_or(date));
    }
    b.put(Collection::Invoices, &inv);
    let number = b.next_journal_number();
    let (bank, ar, sign) = if sales {
        (account["Code"].clone(), "610", Decimal::ONE)
    } else {
        (account["Code"].clone(), "800", Decimal::NEGATIVE_ONE)
    };
    let jid = crate::generate::uuid_from(rng);
    let journal = json!({
        "JournalID": jid,
        "JournalDate": ms_date(date),
        "JournalNumber": number,
        "CreatedDateUTC": ms_date(now),
        "Reference": inv["InvoiceNumber"],
        "SourceID": id,
        "SourceType": if sales { "ACCRECPAYMENT" } else { "ACCPAYPAYMENT" },
        "JournalLines": [
            {"AccountID": account["AccountID"], "AccountCode": bank, "AccountType": "BANK", "NetAmount": money(sign * amount), "GrossAmount": money(sign * amount), "TaxAmount": money(Decimal::ZERO), "TrackingCategories": []},
            {"AccountCode": ar, "NetAmount": money(-sign * amount), "GrossAmount": money(-sign * amount), "TaxAmount": money(Decimal::ZERO), "TrackingCategories": []}
        ]
    });
    b.put(Collection::Journals, &journal);
    payment
}

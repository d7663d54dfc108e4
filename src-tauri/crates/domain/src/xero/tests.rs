use super::*;
use serde_json::json;

#[test]
fn an_invoice_reads_typed_fields_and_keeps_every_raw_field() {
    let text = r#"{
        "Type": "ACCREC", "InvoiceID": "inv-1", "InvoiceNumber": "INV-001",
        "Contact": {"ContactID": "c-1", "Name": "Acme"},
        "Date": "/Date(1539993600000+0000)/", "DueDate": "/Date(1540598400000+0000)/",
        "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
        "LineItems": [{"Description": "Widgets", "Quantity": 3.0000, "UnitAmount": 0.3333,
                       "LineAmount": 1.00, "TaxAmount": 0.15,
                       "Tracking": [{"Name": "Region", "Option": "North"}]}],
        "SubTotal": 1.00, "TotalTax": 0.15, "Total": 98765432109876.54,
        "CurrencyCode": "NZD", "UpdatedDateUTC": "/Date(1552326816230+0000)/",
        "SomethingXeroAddsNextYear": {"Nested": [1, 2.50]}
    }"#;
    let rec = XeroRecord::<Invoice>::from_json(text).unwrap();
    let inv = &rec.entity;
    assert_eq!(inv.xero_id(), "inv-1");
    assert_eq!(inv.invoice_type, Some(InvoiceType::AccRec));
    assert_eq!(inv.status, Some(DocumentStatus::Authorised));
    assert_eq!(inv.date.unwrap().to_string(), "2018-10-20");
    assert_eq!(inv.total.unwrap().to_string(), "98765432109876.54");
    assert_eq!(inv.line_items[0].unit_amount.unwrap().to_string(), "0.3333");
    assert_eq!(inv.line_items[0].quantity.unwrap().to_string(), "3.0000");
    assert_eq!(
        inv.line_items[0].tracking[0].option.as_deref(),
        Some("North")
    );
    assert_eq!(
        inv.updated_utc().unwrap().to_iso(),
        "2019-03-11T17:53:36.230Z"
    );
    // The raw JSON keeps the field the model does not know, digits intact.
    assert_eq!(
        crate::canonical_json(&rec.raw["SomethingXeroAddsNextYear"]),
        r#"{"Nested":[1,2.50]}"#
    );
    assert_eq!(rec.raw["Total"].to_string(), "98765432109876.54");
}

#[test]
fn every_entity_kind_reads_a_minimal_record() {
    fn check<T: XeroEntity>(value: serde_json::Value, id: &str) {
        let rec = XeroRecord::<T>::from_value(value).unwrap();
        assert_eq!(rec.entity.xero_id(), id);
    }
    check::<Organisation>(
        json!({"OrganisationID": "o", "BaseCurrency": "NZD", "PeriodLockDate": "/Date(1546214400000+0000)/"}),
        "o",
    );
    check::<Account>(json!({"AccountID": "a", "Type": "BANK"}), "a");
    check::<Contact>(json!({"ContactID": "c", "Name": "Acme"}), "c");
    check::<ContactGroup>(
        json!({"ContactGroupID": "g", "Contacts": [{"ContactID": "c"}]}),
        "g",
    );
    check::<Invoice>(json!({"InvoiceID": "i"}), "i");
    check::<CreditNote>(
        json!({"CreditNoteID": "cn", "Allocations": [{"Amount": 5.00, "Invoice": {"InvoiceID": "i"}}]}),
        "cn",
    );
    check::<Payment>(json!({"PaymentID": "p", "Amount": 1.10}), "p");
    check::<Overpayment>(json!({"OverpaymentID": "op"}), "op");
    check::<Prepayment>(json!({"PrepaymentID": "pp"}), "pp");
    check::<BankTransaction>(
        json!({"BankTransactionID": "bt", "BankAccount": {"AccountID": "a"}}),
        "bt",
    );
    check::<BankTransfer>(json!({"BankTransferID": "tr", "Amount": 20.00}), "tr");
    check::<ManualJournal>(
        json!({"ManualJournalID": "mj", "JournalLines": [{"LineAmount": -5.00}]}),
        "mj",
    );
    check::<Journal>(json!({"JournalID": "j", "JournalNumber": 42}), "j");
    check::<TaxRate>(
        json!({"TaxType": "OUTPUT2", "EffectiveRate": 15.0000}),
        "OUTPUT2",
    );
    check::<TrackingCategory>(
        json!({"TrackingCategoryID": "t", "Options": [{"Name": "North"}]}),
        "t",
    );
    check::<Currency>(json!({"Code": "NZD"}), "NZD");
    check::<Item>(
        json!({"ItemID": "it", "SalesDetails": {"UnitPrice": 9.9999}}),
        "it",
    );
    check::<BatchPayment>(
        json!({"BatchPaymentID": "bp", "Type": "PAYBATCH", "TotalAmount": 98765432109876.54,
               "IsReconciled": "false", "Payments": [{"PaymentID": "p", "Amount": 1.10}]}),
        "bp",
    );
    for kind in EntityKind::ALL {
        assert_eq!(EntityKind::from_stream(kind.stream()), Some(kind));
    }
}

#[test]
fn a_batch_payment_keeps_its_payments_and_a_payment_names_its_batch_either_way() {
    let batch = XeroRecord::<BatchPayment>::from_json(
        r#"{"BatchPaymentID": "bp", "Type": "RECBATCH", "Status": "AUTHORISED",
            "Account": {"AccountID": "bank", "Code": "090"}, "TotalAmount": 98765432109876.54,
            "Payments": [{"PaymentID": "p1", "Amount": 0.10, "Invoice": {"InvoiceID": "i1"}},
                         {"PaymentID": "p2", "Amount": 0.20, "Invoice": {"InvoiceID": "i2"}}]}"#,
    )
    .unwrap()
    .entity;
    assert_eq!(batch.batch_payment_type, Some(BatchPaymentType::RecBatch));
    assert_eq!(batch.total().unwrap().to_string(), "98765432109876.54");
    let ids: Vec<_> = batch
        .payments
        .iter()
        .filter_map(|p| p.payment_id.as_deref())
        .collect();
    assert_eq!(ids, ["p1", "p2"]);
    let by_id =
        XeroRecord::<Payment>::from_value(json!({"PaymentID": "p1", "BatchPaymentID": "bp"}))
            .unwrap()
            .entity;
    let nested = XeroRecord::<Payment>::from_value(
        json!({"PaymentID": "p2", "BatchPayment": {"BatchPaymentID": "bp", "TotalAmount": "0.30"}}),
    )
    .unwrap()
    .entity;
    let alone = XeroRecord::<Payment>::from_value(json!({"PaymentID": "p3", "BatchPaymentID": ""}))
        .unwrap()
        .entity;
    assert_eq!(by_id.batch_id(), Some("bp"));
    assert_eq!(nested.batch_id(), Some("bp"));
    assert_eq!(alone.batch_id(), None);
}

#[test]
fn a_record_without_its_id_or_with_a_bad_date_is_refused() {
    assert!(XeroRecord::<Invoice>::from_value(json!({"Total": 1})).is_err());
    assert!(XeroRecord::<Invoice>::from_value(json!({"InvoiceID": ""})).is_err());
    assert!(XeroRecord::<Invoice>::from_value(json!({"InvoiceID": "i", "Date": "soon"})).is_err());
}

#[test]
fn a_bad_payload_names_the_entity_and_the_field() {
    let err =
        XeroRecord::<Invoice>::from_value(json!({"InvoiceID": "i", "Date": "soon"})).unwrap_err();
    let EntityError::Shape { kind, field, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*kind, field.as_str()), (EntityKind::Invoice, "Date"));
    assert!(
        err.to_string()
            .contains("Invoice record could not be read at Date"),
        "{err}"
    );
    let err = XeroRecord::<Invoice>::from_value(json!({
        "InvoiceID": "i", "LineItems": [{"LineAmount": 1}, {"LineAmount": "lots"}]
    }))
    .unwrap_err();
    assert!(
        err.to_string().contains("at LineItems[1].LineAmount"),
        "{err}"
    );
}

#[test]
fn secrets_never_stay_in_the_raw_json() {
    let rec = XeroRecord::<Organisation>::from_value(json!({
        "OrganisationID": "o", "APIKey": "SECRET-KEY", "Name": "Demo"
    }))
    .unwrap();
    assert!(!rec.raw.to_string().contains("SECRET-KEY"));
    assert_eq!(rec.raw["Name"], "Demo");
}

#[test]
fn a_page_reads_from_its_envelope() {
    let page =
        json!({"Invoices": [{"InvoiceID": "a"}, {"InvoiceID": "b"}], "pagination": {"page": 1}});
    let recs = XeroRecord::<Invoice>::page_from_value(page).unwrap();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1].entity.invoice_id, "b");
}

#[test]
fn a_code_xero_adds_later_reads_as_other_and_the_raw_keeps_it() {
    let rec = XeroRecord::<BankTransaction>::from_value(json!({
        "BankTransactionID": "bt", "Type": "RECEIVE-CRYPTO", "Status": "ON-HOLD",
        "BankAccount": {"AccountID": "a"}
    }))
    .unwrap();
    assert_eq!(
        rec.entity.bank_transaction_type,
        Some(BankTransactionType::Other("RECEIVE-CRYPTO".to_owned()))
    );
    assert_eq!(
        rec.entity.status.as_ref().map(DocumentStatus::as_str),
        Some("ON-HOLD")
    );
    assert_eq!(rec.raw["Type"], "RECEIVE-CRYPTO");
    let acc = XeroRecord::<Account>::from_value(
        json!({"AccountID": "a", "Type": "BANK", "Class": "ASSET", "Status": "ACTIVE"}),
    )
    .unwrap()
    .entity;
    assert_eq!(acc.account_type, Some(AccountType::Bank));
    assert_eq!(acc.class, Some(AccountClassCode::Asset));
    assert_eq!(acc.status, Some(RecordStatus::Active));
}

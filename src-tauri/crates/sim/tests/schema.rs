//! Every response the simulator serves validates against Xero's own OpenAPI
//! schemas (converted to JSON Schema, `$ref`s resolved inside the spec), and the
//! spec's example records are served back unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use common::*;
use jsonschema::{Draft, Validator};
use ledgerkeep_sim::examples::{example_records, read_spec};
use ledgerkeep_sim::{default_spec_dir, Collection, Paging};
use serde_json::{json, Value};

struct Schemas {
    root: Value,
    cache: HashMap<String, Validator>,
    formats: bool,
}

impl Schemas {
    fn load(file: &str, formats: bool) -> Schemas {
        let path = default_spec_dir().join(file);
        let root = read_spec(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Schemas {
            root,
            cache: HashMap::new(),
            formats,
        }
    }

    /// A validator for a JSON pointer into the spec (e.g. a response's schema).
    fn at(&mut self, pointer: &str) -> &Validator {
        if !self.cache.contains_key(pointer) {
            let schema = self
                .root
                .pointer(pointer)
                .unwrap_or_else(|| panic!("no {pointer} in the spec"))
                .clone();
            // OpenAPI 3.0 schemas are JSON Schema draft 4 with extensions; the
            // spec itself is the document, so "#/components/schemas/X" resolves.
            let mut doc = self.root.clone();
            let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
            doc["$ref"] = json!(format!("#{fragment}"));
            let _ = schema;
            let v = jsonschema::options()
                .with_draft(Draft::Draft202012)
                .should_validate_formats(self.formats)
                .build(&doc)
                .unwrap_or_else(|e| panic!("cannot compile {pointer}: {e}"));
            self.cache.insert(pointer.to_owned(), v);
        }
        &self.cache[pointer]
    }

    fn check(&mut self, pointer: &str, instance: &Value, what: &str) {
        let v = self.at(pointer);
        let errors: Vec<String> = v
            .iter_errors(instance)
            .take(8)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{what} does not match {pointer}:\n{}",
            errors.join("\n")
        );
    }
}

fn get_schema(path: &str) -> String {
    format!("/paths/~1{path}/get/responses/200/content/application~1json/schema")
}

/// Every page of a collection, as the client would fetch it.
async fn all_pages(
    h: &Harness,
    access: &str,
    tenant: &str,
    c: Collection,
    extra: &str,
) -> Vec<Value> {
    let mut out = Vec::new();
    match c.paging() {
        Paging::None => out.push(
            h.get_json(
                access,
                tenant,
                &format!("{}?includeArchived=true{extra}", c.path()),
            )
            .await,
        ),
        Paging::Page | Paging::PageSize => {
            for page in 1.. {
                let body = h
                    .get_json(
                        access,
                        tenant,
                        &format!(
                            "{}?page={page}&pageSize=1000&includeArchived=true{extra}",
                            c.path()
                        ),
                    )
                    .await;
                let empty = body[c.key()].as_array().unwrap().is_empty();
                out.push(body);
                if empty {
                    break;
                }
            }
        }
        Paging::Offset => {
            let mut offset = 0;
            loop {
                let body = h
                    .get_json(
                        access,
                        tenant,
                        &format!("{}?offset={offset}{extra}", c.path()),
                    )
                    .await;
                let last = body[c.key()]
                    .as_array()
                    .unwrap()
                    .last()
                    .map(|j| j["JournalNumber"].as_i64().unwrap());
                out.push(body);
                match last {
                    Some(n) => offset = n,
                    None => break,
                }
            }
        }
    }
    out
}

#[tokio::test]
async fn every_accounting_response_validates_against_the_spec() {
    let mut schemas = Schemas::load("xero_accounting.yaml", true);
    let h = start_limited(GENEROUS).await;
    let t = h.login().await;
    let mut checked = 0;
    for tenant in h.sim.tenants() {
        for c in Collection::ALL {
            for extra in ["&unitdp=4", ""] {
                let pages = all_pages(&h, &t.access, &tenant.tenant_id, c, extra).await;
                let served: usize = pages
                    .iter()
                    .map(|p| p[c.key()].as_array().unwrap().len())
                    .sum();
                let truth = h
                    .sim
                    .truth()
                    .tenant(&tenant.tenant_id)
                    .unwrap()
                    .table(c)
                    .len();
                assert_eq!(served, truth, "{c} of {}: every record served", tenant.name);
                for p in &pages {
                    schemas.check(&get_schema(c.path()), p, &format!("{c} of {}", tenant.name));
                    checked += p[c.key()].as_array().unwrap().len();
                }
            }
            // One record by id, where Xero has that path.
            let id_path = format!(
                "/paths/~1{}~1{{{}}}/get/responses/200/content/application~1json/schema",
                c.path(),
                c.id_field()
            );
            if schemas.root.pointer(&id_path).is_some() {
                let first = h
                    .sim
                    .truth()
                    .records(&tenant.tenant_id, c)
                    .into_iter()
                    .next()
                    .unwrap();
                let id = first[c.id_field()].as_str().unwrap().to_owned();
                let body = h
                    .get_json(&t.access, &tenant.tenant_id, &format!("{}/{id}", c.path()))
                    .await;
                schemas.check(&id_path, &body, &format!("{c}/{{id}}"));
            }
        }
    }
    assert!(checked > 3000, "{checked}");
}

#[tokio::test]
async fn a_schema_violation_would_be_caught() {
    // The validator is not vacuous: a wrong enum, a wrong type and a bad uuid fail.
    let mut schemas = Schemas::load("xero_accounting.yaml", true);
    let bad = [
        json!({"Invoices": [{"Type": "ACCSOMETHING"}]}),
        json!({"Invoices": [{"Total": "12.00"}]}),
        json!({"Invoices": [{"InvoiceID": "not-a-uuid"}]}),
        json!({"pagination": {"page": "1"}, "Invoices": []}),
    ];
    for b in bad {
        let v = schemas.at(&get_schema("Invoices"));
        assert!(!v.is_valid(&b), "{b} should not validate");
    }
}

#[tokio::test]
async fn identity_and_token_responses_validate_against_the_identity_spec() {
    // Xero's connection dates carry no offset ("2019-12-07T18:46:19.5165400", as
    // in the spec's own example), which strict date-time format checking would
    // refuse; formats are checked for the Accounting API only.
    let mut schemas = Schemas::load("xero-identity.yaml", false);
    let h = start().await;
    let code = h.code(VERIFIER).await;
    let token: Value = h.exchange(&code, VERIFIER).await.json().await.unwrap();
    schemas.check("/components/schemas/AccessToken", &token, "token response");
    let refreshed: Value = h
        .refresh(token["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    schemas.check(
        "/components/schemas/AccessToken",
        &refreshed,
        "refresh response",
    );
    let conns: Value = h
        .http
        .get(h.url("/connections"))
        .bearer_auth(refreshed["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    schemas.check(
        "/paths/~1Connections/get/responses/200/content/application~1json/schema",
        &conns,
        "connections",
    );
    assert_eq!(conns.as_array().unwrap().len(), 3);
    // The same shape as the spec's example.
    let example = schemas
        .root
        .pointer("/paths/~1Connections/get/responses/200/content/application~1json/example")
        .unwrap();
    let example: Value = serde_json::from_str(example.as_str().unwrap()).unwrap();
    let keys = |v: &Value| {
        v[0].as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert!(
        keys(&example).is_subset(&keys(&conns)),
        "{example} vs {conns}"
    );
    let date = conns[0]["createdDateUtc"].as_str().unwrap();
    assert_eq!(
        date.len(),
        example[0]["createdDateUtc"].as_str().unwrap().len(),
        "{date}"
    );
}

#[tokio::test]
async fn the_specs_example_records_are_served_back_unchanged() {
    let spec = read_spec(&default_spec_dir().join("xero_accounting.yaml")).unwrap();
    let examples = example_records(&spec);
    assert!(
        examples.len() >= 15,
        "examples for most collections: {}",
        examples.len()
    );
    let h = start_with(|b| b.spec_examples(default_spec_dir()).limits(GENEROUS)).await;
    let t = h.login().await;
    let tenant = h.sim.tenants().last().unwrap().tenant_id.clone();
    for (c, mut expected) in examples {
        let pages = all_pages(&h, &t.access, &tenant, c, "&unitdp=4").await;
        let served: Vec<Value> = pages
            .iter()
            .flat_map(|p| p[c.key()].as_array().unwrap().clone())
            .collect();
        if c == Collection::Journals {
            expected.sort_by_key(|j| j["JournalNumber"].as_i64());
        }
        assert_eq!(served, expected, "{c}");
        // The envelope around them is still Xero's. (Some of the spec's example
        // records break its own schemas, e.g. a BatchPayment's "IsReconciled":
        // "false": served unchanged, they are not validated record by record.)
        for p in &pages {
            assert_eq!(p["Status"], "OK");
            assert!(p[c.key()].is_array());
        }
    }
}

#[tokio::test]
async fn a_payment_write_response_validates_against_the_spec() {
    let mut schemas = Schemas::load("xero_accounting.yaml", true);
    let h = start().await;
    let t = h.login().await;
    let tenant = h.tenant(0);
    let inv = h
        .sim
        .truth()
        .records(&tenant, Collection::Invoices)
        .into_iter()
        .find(|i| i["Status"] == "AUTHORISED")
        .unwrap();
    let body = json!({"Payments": [{"Invoice": {"InvoiceID": inv["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2026-06-30", "Amount": 0.01}]});
    let r = h
        .http
        .put(h.url("/api.xro/2.0/Payments"))
        .bearer_auth(&t.access)
        .header("xero-tenant-id", &tenant)
        .header("Idempotency-Key", "schema-check")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    schemas.check(
        "/paths/~1Payments/put/responses/200/content/application~1json/schema",
        &answer,
        "PUT Payments",
    );
    // A mixed answer with summarizeErrors=false: one recorded, one refused.
    let mixed = json!({"Payments": [
        {"Invoice": {"InvoiceID": inv["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2026-06-30", "Amount": 0.01},
        {"Invoice": {"InvoiceID": inv["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2026-06-30", "Amount": 0}
    ]});
    let r = h
        .http
        .put(h.url("/api.xro/2.0/Payments?summarizeErrors=false"))
        .bearer_auth(&t.access)
        .header("xero-tenant-id", &tenant)
        .json(&mixed)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["Payments"][1]["StatusAttributeString"], "ERROR");
    schemas.check(
        "/paths/~1Payments/put/responses/200/content/application~1json/schema",
        &answer,
        "PUT Payments?summarizeErrors=false",
    );
    // And the invoice as served afterwards.
    let id = inv["InvoiceID"].as_str().unwrap();
    let served = h
        .get_json(&t.access, &tenant, &format!("Invoices/{id}"))
        .await;
    schemas.check(&get_schema("Invoices"), &served, "the paid invoice");
}

#[tokio::test]
async fn every_report_validates_against_the_spec() {
    let mut schemas = Schemas::load("xero_accounting.yaml", true);
    let h = start_limited(GENEROUS).await;
    let t = h.login().await;
    for tenant in h.sim.tenants() {
        for (path, query) in [
            ("ProfitAndLoss", "fromDate=2025-04-01&toDate=2026-03-31"),
            (
                "ProfitAndLoss",
                "fromDate=2026-01-01&toDate=2026-03-31&periods=3&timeframe=QUARTER",
            ),
            ("ProfitAndLoss", ""),
            ("BalanceSheet", "date=2026-06-30&periods=2&timeframe=MONTH"),
            ("BalanceSheet", ""),
            ("TrialBalance", "date=2026-06-30"),
        ] {
            let body = h
                .get_json(
                    &t.access,
                    &tenant.tenant_id,
                    &format!("Reports/{path}?{query}"),
                )
                .await;
            assert!(body["Reports"][0]["Rows"].as_array().unwrap().len() >= 3);
            schemas.check(
                &get_schema(&format!("Reports~1{path}")),
                &body,
                &format!("{path}?{query} of {}", tenant.name),
            );
        }
        // The aged reports, for a customer and a supplier with something
        // outstanding today, at a past date and over a range.
        let invoices = h
            .sim
            .truth()
            .records(&tenant.tenant_id, Collection::Invoices);
        for (path, kind) in [
            ("AgedReceivablesByContact", "ACCREC"),
            ("AgedPayablesByContact", "ACCPAY"),
        ] {
            let contact = invoices
                .iter()
                .find(|i| i["Type"] == kind && i["Status"] == "AUTHORISED")
                .map(|i| i["Contact"]["ContactID"].as_str().unwrap().to_owned())
                .unwrap();
            for query in [
                format!("contactId={contact}"),
                format!(
                    "contactId={contact}&date=2025-09-30&fromDate=2025-03-01&toDate=2025-08-31"
                ),
            ] {
                let body = h
                    .get_json(
                        &t.access,
                        &tenant.tenant_id,
                        &format!("Reports/{path}?{query}"),
                    )
                    .await;
                assert!(body["Reports"][0]["Rows"].as_array().unwrap().len() >= 3);
                schemas.check(
                    &get_schema(&format!("Reports~1{path}")),
                    &body,
                    &format!("{path}?{query} of {}", tenant.name),
                );
            }
        }
    }
}

/// Every page of every collection of every tenant, checked against the spec
/// and counted against the truth.
async fn check_every_collection(
    h: &Harness,
    schemas: &mut Schemas,
    access: &str,
    when: &str,
) -> usize {
    let mut checked = 0;
    for tenant in h.sim.tenants() {
        for c in Collection::ALL {
            let pages = all_pages(h, access, &tenant.tenant_id, c, "").await;
            let served: usize = pages
                .iter()
                .map(|p| p[c.key()].as_array().unwrap().len())
                .sum();
            let truth = h
                .sim
                .truth()
                .tenant(&tenant.tenant_id)
                .unwrap()
                .table(c)
                .len();
            assert_eq!(served, truth, "{c} of {} {when}", tenant.name);
            for p in &pages {
                schemas.check(
                    &get_schema(c.path()),
                    p,
                    &format!("{c} of {} {when}", tenant.name),
                );
                checked += p[c.key()].as_array().unwrap().len();
            }
        }
    }
    checked
}

#[tokio::test]
async fn the_records_after_mutations_validate_against_the_spec() {
    let mut schemas = Schemas::load("xero_accounting.yaml", true);
    let h = start_limited(GENEROUS).await;
    // Three rounds of changes, each later than the last: new, edited, voided,
    // deleted and archived records, and reposted journals.
    let mut kinds = std::collections::BTreeSet::new();
    for _ in 0..3 {
        h.clock.advance(std::time::Duration::from_secs(3_600));
        for m in h.sim.mutate(150) {
            kinds.insert(format!("{:?}", m.kind));
        }
    }
    assert!(kinds.len() >= 8, "most kinds of change: {kinds:?}");
    let t = h.login().await;
    let checked = check_every_collection(&h, &mut schemas, &t.access, "after mutations").await;
    let total: usize = h.sim.with_truth(|truth| {
        truth
            .tenants
            .iter()
            .map(|b| {
                Collection::ALL
                    .iter()
                    .map(|c| b.table(*c).len())
                    .sum::<usize>()
            })
            .sum()
    });
    assert_eq!(checked, total);
    assert!(checked > 2000, "{checked}");
    // And one by id, for each kind of record a mutation touches.
    let tenant = h.tenant(0);
    for c in [
        Collection::Invoices,
        Collection::Contacts,
        Collection::BankTransactions,
    ] {
        let newest = h
            .sim
            .truth()
            .tenant(&tenant)
            .unwrap()
            .table(c)
            .records()
            .iter()
            .max_by_key(|r| r.updated_ms)
            .unwrap()
            .id
            .clone();
        let body = h
            .get_json(&t.access, &tenant, &format!("{}/{newest}", c.path()))
            .await;
        schemas.check(&get_schema(c.path()), &body, &format!("the newest of {c}"));
    }
}

#[tokio::test]
async fn a_new_starter_apps_answers_and_the_path_aliases_validate_against_the_spec() {
    let mut schemas = Schemas::load("xero_accounting.yaml", true);
    let h = start_with(|b| b.new_starter_app().limits(GENEROUS)).await;
    let scope = "openid offline_access accounting.settings.read accounting.contacts.read accounting.invoices.read accounting.payments accounting.banktransactions.read accounting.manualjournals.read accounting.reports.profitandloss.read accounting.reports.balancesheet.read accounting.reports.trialbalance.read";
    let (t, token) = h.login_with(scope).await;
    let identity = Schemas::load("xero-identity.yaml", false);
    let mut identity = identity;
    identity.check(
        "/components/schemas/AccessToken",
        &token,
        "a granular token",
    );
    let tenant = h.tenant(0);
    for c in Collection::ALL {
        if c == Collection::Journals {
            continue; // 401 on Starter (tiers.rs)
        }
        for alias in [
            c.path().to_owned(),
            c.path().to_ascii_lowercase(),
            c.key().to_ascii_uppercase(),
        ] {
            let body = h
                .get_json(&t.access, &tenant, &format!("{alias}?page=1"))
                .await;
            schemas.check(&get_schema(c.path()), &body, &format!("{alias} on Starter"));
            assert!(!body[c.key()].as_array().unwrap().is_empty(), "{alias}");
        }
    }
    // /Organisations answers as /Organisation does.
    let body = h.get_json(&t.access, &tenant, "Organisations").await;
    schemas.check(&get_schema("Organisation"), &body, "/Organisations");
    for (path, query) in [
        ("ProfitAndLoss", "fromDate=2025-04-01&toDate=2026-03-31"),
        ("BalanceSheet", "date=2026-06-30"),
        ("TrialBalance", "date=2026-06-30"),
    ] {
        let body = h
            .get_json(
                &t.access,
                &tenant,
                &format!("reports/{}?{query}", path.to_ascii_lowercase()),
            )
            .await;
        schemas.check(
            &get_schema(&format!("Reports~1{path}")),
            &body,
            &format!("reports/{path} on Starter"),
        );
    }
    // A payment written with the granular write scope.
    let inv = h
        .sim
        .truth()
        .records(&tenant, Collection::Invoices)
        .into_iter()
        .find(|i| i["Status"] == "AUTHORISED")
        .unwrap();
    let body = json!({"Payments": [{"Invoice": {"InvoiceID": inv["InvoiceID"]}, "Account": {"Code": "090"}, "Date": "2026-06-30", "Amount": 0.01}]});
    let r = h
        .http
        .put(h.url("/api.xro/2.0/payments"))
        .bearer_auth(&t.access)
        .header("xero-tenant-id", &tenant)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    schemas.check(
        "/paths/~1Payments/put/responses/200/content/application~1json/schema",
        &answer,
        "PUT payments on Starter",
    );
}

#[tokio::test]
async fn the_published_tax_returns_validate_against_the_spec() {
    let mut schemas = Schemas::load("xero_accounting.yaml", true);
    let h = start_limited(GENEROUS).await;
    let t = h.login().await;
    let mut returns = 0;
    for tenant in h.sim.tenants() {
        let list = h.get_json(&t.access, &tenant.tenant_id, "Reports").await;
        schemas.check(
            &get_schema("Reports"),
            &list,
            &format!("the published reports of {}", tenant.name),
        );
        for r in list["Reports"].as_array().unwrap() {
            let id = r["ReportID"].as_str().unwrap();
            let body = h
                .get_json(&t.access, &tenant.tenant_id, &format!("Reports/{id}"))
                .await;
            assert!(body["Reports"][0]["Rows"].as_array().unwrap().len() >= 3);
            schemas.check(
                &get_schema("Reports~1{ReportID}"),
                &body,
                &format!("return {id} of {}", tenant.name),
            );
            returns += 1;
        }
    }
    assert!(returns >= 8, "{returns}");
}

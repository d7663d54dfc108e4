//! The Accounting API: `/api.xro/2.0/{collection}` GETs with Xero's paging and
//! filters, and Payments writes with `Idempotency-Key`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

use crate::app::{self, Need};
use crate::books::{Collection, Paging, Record};
use crate::faults::Fault;
use crate::limits::Remaining;
use crate::oauth;
use crate::query::{parse_if_modified_since, Filter, Order};
use crate::server::Shared;
use crate::wire::{money, ms_date_bare};
use crate::write;

/// The most records one page may hold.
pub const MAX_PAGE_SIZE: usize = 1000;
/// Records per page by default, and Journals per call.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// The longest `Idempotency-Key` Xero accepts.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;
/// The largest request body Xero accepts (3.5 MB).
pub const MAX_REQUEST_BYTES: usize = 3_500_000;

fn correlation_id(shared: &Shared) -> String {
    crate::generate::uuid_from(&mut *shared.rng.lock())
}

fn tenant_header(headers: &HeaderMap) -> Option<String> {
    headers
        .get("xero-tenant-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn set(headers: &mut HeaderMap, name: &'static str, value: impl ToString) {
    if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
        headers.insert(name, v);
    }
}

fn limit_headers(headers: &mut HeaderMap, r: Remaining) {
    set(headers, "x-daylimit-remaining", r.day);
    set(headers, "x-minlimit-remaining", r.minute);
    set(headers, "x-appminlimit-remaining", r.app_minute);
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// What a handler produced, before faults and headers.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
    /// Records to touch after answering (ChangeServedRecords).
    pub(crate) served: Vec<String>,
    /// A file's bytes and their type, answered as they are instead of `body`.
    pub(crate) file: Option<(&'static str, Vec<u8>)>,
}

impl Answer {
    pub(crate) fn ok(body: Value, served: Vec<String>) -> Answer {
        Answer {
            status: StatusCode::OK,
            body,
            served,
            file: None,
        }
    }
    pub(crate) fn error(status: StatusCode, body: Value) -> Answer {
        Answer {
            status,
            body,
            served: Vec::new(),
            file: None,
        }
    }
}

pub(crate) fn not_found() -> Answer {
    Answer::error(
        StatusCode::NOT_FOUND,
        json!({"Title": "Not Found", "Status": 404, "Detail": "The resource you're looking for cannot be found"}),
    )
}

pub(crate) fn bad_request(message: &str) -> Answer {
    Answer::error(
        StatusCode::BAD_REQUEST,
        json!({"ErrorNumber": 16, "Type": "QueryParseException", "Message": message}),
    )
}

/// What a call needs besides a live token for its tenant.
#[derive(Debug, Clone, Copy)]
struct Gate {
    /// The scope (`None`: an endpoint Xero does not have, answered 404).
    need: Option<Need>,
    /// Journals: open on the Advanced tier only.
    journals: bool,
}

impl Gate {
    fn collection(c: Option<Collection>, write: bool) -> Gate {
        Gate {
            need: c.map(|c| Need {
                families: app::collection_scopes(c),
                write,
            }),
            journals: c == Some(Collection::Journals),
        }
    }
}

/// Runs the checks every Accounting API call goes through (token, tenant,
/// scope and tier, limits, faults), then `handler`, and adds Xero's headers.
async fn serve(
    shared: Arc<Shared>,
    headers: HeaderMap,
    collection_path: String,
    gate: Gate,
    handler: impl FnOnce(&Shared, &str) -> Answer,
) -> Response {
    let correlation = correlation_id(&shared);
    let mut out = serve_inner(&shared, &headers, &collection_path, gate, handler).await;
    set(out.headers_mut(), "xero-correlation-id", correlation);
    out
}

async fn serve_inner(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    collection_path: &str,
    gate: Gate,
    handler: impl FnOnce(&Shared, &str) -> Answer,
) -> Response {
    let faults = shared.faults.lock().take(collection_path);
    if faults.contains(&Fault::ExpireTokens) {
        let now = shared.clock.now_ms();
        shared.auth.lock().expire_access_tokens(now);
    }
    let tenant = tenant_header(headers);
    let grant = match oauth::authorize_api(shared, headers, tenant.as_deref()) {
        Ok(g) => g,
        Err(r) => return *r,
    };
    if let Some(need) = gate.need {
        if let Err(r) = oauth::permit(shared, &grant, need, gate.journals) {
            return *r;
        }
    }
    let tenant = tenant.unwrap_or_default().to_ascii_lowercase();
    let now = shared.clock.now_ms();
    for f in &faults {
        if let Fault::RateLimited {
            problem,
            retry_after_secs,
        } = f
        {
            let for_ms = i64::try_from(retry_after_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
            shared.limiter.block(&tenant, *problem, now, for_ms);
        }
    }
    let (in_flight, remaining) = match shared.limiter.acquire(&tenant, now) {
        Ok(ok) => ok,
        Err(refusal) => {
            let mut r = json_response(StatusCode::TOO_MANY_REQUESTS, String::new());
            limit_headers(r.headers_mut(), refusal.remaining);
            set(
                r.headers_mut(),
                "x-rate-limit-problem",
                refusal.problem.as_str(),
            );
            if let Some(secs) = refusal.retry_after {
                set(r.headers_mut(), "retry-after", secs);
            }
            return r;
        }
    };
    for f in &faults {
        match f {
            Fault::Delay(d) => tokio::time::sleep(*d).await,
            Fault::Timeout => tokio::time::sleep(Duration::from_secs(3600)).await,
            Fault::Hold(gate) => gate.pass().await,
            _ => {}
        }
    }
    let status_fault = faults.iter().find_map(|f| match f {
        Fault::Status(s) => Some(*s),
        _ => None,
    });
    let answer = match status_fault {
        Some(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Answer::error(
                status,
                json!({"Title": status.canonical_reason().unwrap_or("Error"), "Status": code, "Detail": "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status."}),
            )
        }
        None => handler(shared, &tenant),
    };
    for f in &faults {
        if let Fault::HoldAnswer(gate) = f {
            gate.pass().await;
        }
    }
    if let Some((mime, bytes)) = answer.file {
        let mut r = (answer.status, bytes).into_response();
        if let Ok(v) = HeaderValue::from_str(mime) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        limit_headers(r.headers_mut(), remaining);
        drop(in_flight);
        return r;
    }
    let mut text = answer.body.to_string();
    if faults.contains(&Fault::TruncatedJson) {
        let mut cut = text.len() / 2;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    if faults.contains(&Fault::MalformedJson) {
        text = format!(
            "<html><body>{}</body></html>",
            &text[..text.len().min(40)].replace('<', "")
        );
    }
    if faults.contains(&Fault::ChangeServedRecords) && !answer.served.is_empty() {
        if let Some(c) = Collection::from_path(collection_path) {
            let now = shared.clock.now_ms();
            let mut books = shared.books.write();
            if let Some(b) = books
                .tenants
                .iter_mut()
                .find(|b| b.tenant_id.eq_ignore_ascii_case(&tenant))
            {
                for id in &answer.served {
                    crate::mutate::touch(b, c, id, now);
                }
            }
        }
    }
    let mut r = if accepts_json(headers) {
        json_response(answer.status, text)
    } else {
        xml_response(shared, answer.status)
    };
    limit_headers(r.headers_mut(), remaining);
    drop(in_flight);
    r
}

pub(crate) fn accepts_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("application/json"))
}

/// Xero answers XML when the request does not ask for JSON. The simulator
/// serves only JSON's shapes, so it answers a bare XML envelope: enough for a
/// client that forgot `Accept: application/json` to fail loudly.
fn xml_response(shared: &Shared, status: StatusCode) -> Response {
    let body = format!(
        "<Response xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><Id>{}</Id><Status>{}</Status><ProviderName>{}</ProviderName><DateTimeUTC>{}</DateTimeUTC></Response>",
        correlation_id(shared),
        if status.is_success() { "OK" } else { "Error" },
        shared.config.provider_name,
        chrono::DateTime::from_timestamp_millis(shared.clock.now_ms()).map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string()).unwrap_or_default()
    );
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    r
}

pub(crate) fn envelope(
    shared: &Shared,
    key: &str,
    records: Vec<Value>,
    pagination: Option<Value>,
) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("Id".into(), json!(correlation_id(shared)));
    body.insert("Status".into(), json!("OK"));
    body.insert("ProviderName".into(), json!(shared.config.provider_name));
    body.insert("DateTimeUTC".into(), ms_date_bare(shared.clock.now_ms()));
    if let Some(p) = pagination {
        body.insert("pagination".into(), p);
    }
    body.insert(key.into(), Value::Array(records));
    Value::Object(body)
}

pub(crate) fn flag(q: &HashMap<String, String>, name: &str) -> Option<String> {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

fn list_param(q: &HashMap<String, String>, name: &str) -> Option<Vec<String>> {
    flag(q, name).map(|v| {
        v.split(',')
            .map(|s| s.trim().trim_matches('"').to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect()
    })
}

/// Rounds unit amounts to 2 dp, as Xero does unless `unitdp=4`.
fn round_unit_amounts(v: &mut Value) {
    let round = |x: &mut Value| {
        if let Ok(d) = x.to_string().parse::<Decimal>() {
            if d.scale() > 2 {
                *x = money(d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero));
            }
        }
    };
    if let Some(lines) = v.get_mut("LineItems").and_then(Value::as_array_mut) {
        for l in lines {
            if let Some(u) = l.get_mut("UnitAmount") {
                round(u);
            }
        }
    }
    for k in ["SalesDetails", "PurchaseDetails"] {
        if let Some(u) = v.get_mut(k).and_then(|d| d.get_mut("UnitPrice")) {
            round(u);
        }
    }
}

fn archived(c: Collection, v: &Value) -> bool {
    match c {
        Collection::Contacts => v["ContactStatus"] == "ARCHIVED",
        Collection::TrackingCategories => v["Status"] == "ARCHIVED",
        _ => false,
    }
}

fn list_records(
    shared: &Shared,
    tenant: &str,
    c: Collection,
    q: &HashMap<String, String>,
    ims: Option<i64>,
) -> Answer {
    let books = shared.books.read();
    let Some(b) = books.tenant_named(tenant) else {
        return not_found();
    };
    let table = b.table(c);
    let filter = match flag(q, "where").filter(|w| !w.trim().is_empty()) {
        Some(w) => match Filter::parse(&w) {
            Ok(f) => Some(f),
            Err(e) => return bad_request(&e.to_string()),
        },
        None => None,
    };
    let include_archived =
        flag(q, "includeArchived").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let ids = list_param(q, "IDs");
    let statuses = list_param(q, "Statuses");
    let contact_ids = list_param(q, "ContactIDs");
    let numbers = list_param(q, "InvoiceNumbers");
    let unit4 = flag(q, "unitdp").as_deref() == Some("4");
    let order = flag(q, "order").map(|o| Order::parse(&o));

    // Index-only filters first: cheap on a million records.
    let mut candidates: Vec<&Record> = table
        .records()
        .iter()
        .filter(|r| match (ims, r.updated_ms) {
            (Some(since), Some(u)) => u >= since,
            _ => true,
        })
        .filter(|r| {
            ids.as_ref()
                .is_none_or(|ids| ids.contains(&r.id.to_ascii_lowercase()))
        })
        .collect();
    if c.paging() == Paging::Offset {
        let offset: i64 = flag(q, "offset").and_then(|o| o.parse().ok()).unwrap_or(0);
        candidates.retain(|r| r.number.unwrap_or(0) > offset);
        candidates.sort_by_key(|r| r.number);
        let served: Vec<Value> = candidates
            .iter()
            .take(DEFAULT_PAGE_SIZE)
            .map(|r| r.value())
            .collect();
        let ids = candidates
            .iter()
            .take(DEFAULT_PAGE_SIZE)
            .map(|r| r.id.clone())
            .collect();
        return Answer::ok(envelope(shared, c.key(), served, None), ids);
    }
    if order.as_ref().is_some_and(Order::is_updated_asc) {
        candidates.sort_by_key(|r| r.updated_ms);
    }
    let needs_body = filter.is_some()
        || statuses.is_some()
        || contact_ids.is_some()
        || numbers.is_some()
        || (c.archived_hidden() || c == Collection::TrackingCategories) && !include_archived
        || order.as_ref().is_some_and(|o| !o.is_updated_asc());
    let mut values: Option<Vec<(String, Value)>> = None;
    if needs_body {
        let mut v: Vec<(String, Value)> = candidates
            .iter()
            .map(|r| (r.id.clone(), r.value()))
            .filter(|(_, v)| filter.as_ref().is_none_or(|f| f.matches(v)))
            .filter(|(_, v)| {
                statuses.as_ref().is_none_or(|s| {
                    v.get("Status")
                        .and_then(Value::as_str)
                        .is_some_and(|st| s.contains(&st.to_ascii_lowercase()))
                })
            })
            .filter(|(_, v)| {
                contact_ids.as_ref().is_none_or(|s| {
                    v["Contact"]["ContactID"]
                        .as_str()
                        .is_some_and(|id| s.contains(&id.to_ascii_lowercase()))
                })
            })
            .filter(|(_, v)| {
                numbers.as_ref().is_none_or(|s| {
                    v["InvoiceNumber"]
                        .as_str()
                        .is_some_and(|n| s.contains(&n.to_ascii_lowercase()))
                })
            })
            .filter(|(_, v)| include_archived || !archived(c, v))
            .collect();
        if let Some(o) = order.as_ref().filter(|o| !o.is_updated_asc()) {
            v.sort_by(|a, b| o.cmp(&a.1, &b.1));
        }
        values = Some(v);
    }
    let total = values.as_ref().map_or(candidates.len(), Vec::len);
    let (range, pagination) = match c.paging() {
        Paging::None | Paging::Offset => (0..total, None),
        Paging::Page | Paging::PageSize => {
            let page: usize = flag(q, "page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1)
                .max(1);
            let size = if c.paging() == Paging::PageSize {
                flag(q, "pageSize")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(DEFAULT_PAGE_SIZE)
                    .clamp(1, MAX_PAGE_SIZE)
            } else {
                DEFAULT_PAGE_SIZE
            };
            let start = (page - 1).saturating_mul(size).min(total);
            let end = start.saturating_add(size).min(total);
            let pagination = (c.paging() == Paging::PageSize).then(|| {
                json!({"page": page, "pageSize": size, "pageCount": total.div_ceil(size), "itemCount": total})
            });
            (start..end, pagination)
        }
    };
    let page: Vec<(String, Value)> = match values {
        Some(v) => v.into_iter().skip(range.start).take(range.len()).collect(),
        None => candidates[range]
            .iter()
            .map(|r| (r.id.clone(), r.value()))
            .collect(),
    };
    let served = page.iter().map(|(id, _)| id.clone()).collect();
    let records = page
        .into_iter()
        .map(|(_, mut v)| {
            if !unit4 {
                round_unit_amounts(&mut v);
            }
            v
        })
        .collect();
    Answer::ok(envelope(shared, c.key(), records, pagination), served)
}

/// Decodes `%XX` escapes in a path segment.
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match escaped {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The path under `/api.xro/2.0/` (the prefix in any letter case), split
/// into decoded segments; `None` for a path outside the Accounting API.
pub(crate) fn api_segments(path: &str) -> Option<Vec<String>> {
    const PREFIX: &str = "/api.xro/2.0/";
    let head = path.get(..PREFIX.len())?;
    if !head.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    Some(
        path[PREFIX.len()..]
            .split('/')
            .filter(|s| !s.is_empty())
            .map(percent_decode)
            .collect(),
    )
}

/// Every Accounting API path, in any letter case: `{collection}`,
/// `{collection}/{id}` and `Reports/{report}` (a GUID: a published return), by method.
pub async fn dispatch(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(segments) = api_segments(uri.path()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let q: HashMap<String, String> = Query::try_from_uri(&uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    let reading = method == Method::GET;
    let writing = method == Method::PUT || method == Method::POST;
    match (segments.as_slice(), reading, writing) {
        ([report], true, _) if report.eq_ignore_ascii_case("Reports") => {
            tax_return_call(shared, None, headers).await
        }
        ([report, id], true, _)
            if report.eq_ignore_ascii_case("Reports")
                && app::report_scope(id).is_none()
                && uuid::Uuid::parse_str(id).is_ok() =>
        {
            tax_return_call(shared, Some(id.clone()), headers).await
        }
        ([report, name], true, _) if report.eq_ignore_ascii_case("Reports") => {
            report_call(shared, name.clone(), q, headers).await
        }
        ([segment], true, _) if segment.eq_ignore_ascii_case("Budgets") => {
            budget_call(shared, None, q, headers).await
        }
        ([segment, id], true, _) if segment.eq_ignore_ascii_case("Budgets") => {
            budget_call(shared, Some(id.clone()), q, headers).await
        }
        ([segment], true, _) => list(shared, segment.clone(), q, headers).await,
        ([segment, id], true, _) => one(shared, segment.clone(), id.clone(), q, headers).await,
        ([segment, id, files], true, _) if files.eq_ignore_ascii_case("Attachments") => {
            attachments(shared, segment.clone(), id.clone(), None, headers).await
        }
        ([segment, id, history], true, _) if history.eq_ignore_ascii_case("History") => {
            history_call(shared, segment.clone(), id.clone(), headers).await
        }
        ([segment, id, files, file], true, _) if files.eq_ignore_ascii_case("Attachments") => {
            attachments(
                shared,
                segment.clone(),
                id.clone(),
                Some(file.clone()),
                headers,
            )
            .await
        }
        ([segment], _, true) => write(shared, segment.clone(), q, headers, body).await,
        ([], _, _) => StatusCode::NOT_FOUND.into_response(),
        _ if !reading && !writing => StatusCode::METHOD_NOT_ALLOWED.into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The name faults match a call by: the collection's own spelling when it is one.
fn canonical(segment: &str) -> String {
    Collection::from_path(segment).map_or_else(|| segment.to_owned(), |c| c.path().to_owned())
}

/// `GET /api.xro/2.0/{collection}`.
async fn list(
    shared: Arc<Shared>,
    segment: String,
    q: HashMap<String, String>,
    headers: HeaderMap,
) -> Response {
    let ims = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_if_modified_since);
    let c = Collection::from_path(&segment);
    serve(
        shared,
        headers,
        canonical(&segment),
        Gate::collection(c, false),
        move |shared, tenant| match c {
            Some(c) => list_records(shared, tenant, c, &q, ims),
            None => not_found(),
        },
    )
    .await
}

/// `GET /api.xro/2.0/{collection}/{id}`.
async fn one(
    shared: Arc<Shared>,
    segment: String,
    id: String,
    q: HashMap<String, String>,
    headers: HeaderMap,
) -> Response {
    let c = Collection::from_path(&segment);
    serve(
        shared,
        headers,
        canonical(&segment),
        Gate::collection(c, false),
        move |shared, tenant| {
            let Some(c) = c else {
                return not_found();
            };
            let books = shared.books.read();
            let Some(b) = books.tenant_named(tenant) else {
                return not_found();
            };
            let record = b.table(c).get(&id).or_else(|| {
                // Invoices and credit notes can also be fetched by number.
                b.table(c).records().iter().find(|r| {
                    let v = r.value();
                    v["InvoiceNumber"] == json!(id) || v["CreditNoteNumber"] == json!(id)
                })
            });
            match record {
                Some(r) => {
                    let mut v = r.value();
                    if flag(&q, "unitdp").as_deref() != Some("4") {
                        round_unit_amounts(&mut v);
                    }
                    Answer::ok(envelope(shared, c.key(), vec![v], None), vec![r.id.clone()])
                }
                None => not_found(),
            }
        },
    )
    .await
}

/// `GET /api.xro/2.0/{collection}/{id}/Attachments` (the list), and
/// `.../Attachments/{AttachmentID or FileName}` (a file's content), behind
/// the attachments scope (`attachments.rs`). Faults match them by the path
/// `Attachments`.
async fn attachments(
    shared: Arc<Shared>,
    segment: String,
    id: String,
    file: Option<String>,
    headers: HeaderMap,
) -> Response {
    let c = Collection::from_path(&segment).filter(|c| crate::attachments::carries_files(*c));
    let gate = Gate {
        need: c.map(|_| Need {
            families: &["accounting.attachments"],
            write: false,
        }),
        journals: false,
    };
    serve(
        shared,
        headers,
        "Attachments".to_owned(),
        gate,
        move |shared, tenant| {
            let Some(c) = c else {
                return not_found();
            };
            let books = shared.books.read();
            let Some(record) = books
                .tenant_named(tenant)
                .and_then(|b| b.table(c).get(&id))
                .map(|r| r.value())
            else {
                return not_found();
            };
            match file {
                None => {
                    let files: Vec<Value> = crate::attachments::attachments_of(c, &record)
                        .iter()
                        .map(|a| a.describe(c, &id))
                        .collect();
                    Answer::ok(envelope(shared, "Attachments", files, None), Vec::new())
                }
                Some(name) => match crate::attachments::find(c, &record, &name) {
                    Some(a) => Answer {
                        file: Some((a.mime_type, a.bytes)),
                        ..Answer::ok(Value::Null, Vec::new())
                    },
                    None => not_found(),
                },
            }
        },
    )
    .await
}

/// `GET /api.xro/2.0/{collection}/{id}/History`: the record's history and
/// notes (`history.rs`), behind the collection's own read scope, counted by
/// the limits like any other call. Faults match it by the path `History`.
async fn history_call(
    shared: Arc<Shared>,
    segment: String,
    id: String,
    headers: HeaderMap,
) -> Response {
    let c = Collection::from_path(&segment).filter(|c| crate::history::carries_history(*c));
    serve(
        shared,
        headers,
        "History".to_owned(),
        Gate::collection(c, false),
        move |shared, tenant| {
            let Some(c) = c else {
                return not_found();
            };
            let books = shared.books.read();
            let Some(record) = books
                .tenant_named(tenant)
                .and_then(|b| b.table(c).get(&id))
                .map(|r| r.value())
            else {
                return not_found();
            };
            let entries = crate::history::history_of(c, &record);
            Answer::ok(
                envelope(shared, "HistoryRecords", entries, None),
                Vec::new(),
            )
        },
    )
    .await
}

/// `GET /api.xro/2.0/Reports/{report}`: a report computed from the books
/// (`reports.rs`), behind its report scope. It counts against the limits like
/// any other call, and its faults are those of the path `Reports`.
async fn report_call(
    shared: Arc<Shared>,
    name: String,
    q: HashMap<String, String>,
    headers: HeaderMap,
) -> Response {
    let gate = Gate {
        need: app::report_scope(&name).map(|families| Need {
            families,
            write: false,
        }),
        journals: false,
    };
    serve(
        shared,
        headers,
        "Reports".to_owned(),
        gate,
        move |shared, tenant| crate::reports::report(shared, tenant, &name, &q),
    )
    .await
}

/// `GET /api.xro/2.0/Reports` (the published GST/BAS returns) and
/// `Reports/{ReportID}` (one, with its figures), behind the tax reports
/// scope (`tax_returns.rs`). Faults match them by the path `Reports`.
async fn tax_return_call(shared: Arc<Shared>, id: Option<String>, headers: HeaderMap) -> Response {
    let gate = Gate {
        need: Some(Need {
            families: crate::tax_returns::TAX_REPORTS_SCOPES,
            write: false,
        }),
        journals: false,
    };
    serve(
        shared,
        headers,
        "Reports".to_owned(),
        gate,
        move |shared, tenant| {
            let Some(today) = chrono::DateTime::from_timestamp_millis(shared.clock.now_ms())
                .map(|d| d.date_naive())
            else {
                return bad_request("the clock is out of range");
            };
            let books = shared.books.read();
            let Some(b) = books.tenant_named(tenant) else {
                return not_found();
            };
            match &id {
                None => Answer::ok(
                    envelope(shared, "Reports", crate::tax_returns::list(b, today), None),
                    Vec::new(),
                ),
                Some(id) => match crate::tax_returns::one(b, id, today) {
                    Some(r) => Answer::ok(envelope(shared, "Reports", vec![r], None), Vec::new()),
                    None => not_found(),
                },
            }
        },
    )
    .await
}

/// `GET /api.xro/2.0/Budgets` and `Budgets/{BudgetID}` (`budgets.rs`),
/// behind `accounting.budgets.read`. The list holds no lines; one budget
/// holds its lines over `DateFrom` to `DateTo` (their months, inclusive).
/// Faults match them by the path `Budgets`.
async fn budget_call(
    shared: Arc<Shared>,
    id: Option<String>,
    q: HashMap<String, String>,
    headers: HeaderMap,
) -> Response {
    let gate = Gate {
        need: Some(Need {
            families: app::BUDGETS_SCOPES,
            write: false,
        }),
        journals: false,
    };
    serve(
        shared,
        headers,
        "Budgets".to_owned(),
        gate,
        move |shared, tenant| {
            let month = |name: &str| -> Result<Option<String>, String> {
                match flag(&q, name).filter(|v| !v.trim().is_empty()) {
                    None => Ok(None),
                    Some(v) => chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                        .map(|d| Some(d.format("%Y-%m").to_string()))
                        .map_err(|_| {
                            format!("'{v}' is not a valid date for {name}; use YYYY-MM-DD")
                        }),
                }
            };
            let (from, to) = match (month("DateFrom"), month("DateTo")) {
                (Ok(f), Ok(t)) => (f, t),
                (Err(e), _) | (_, Err(e)) => return bad_request(&e),
            };
            let books = shared.books.read();
            let Some(b) = books.tenant_named(tenant) else {
                return not_found();
            };
            let all = crate::budgets::budgets(b, id.is_some(), from.as_deref(), to.as_deref());
            match &id {
                None => Answer::ok(envelope(shared, "Budgets", all, None), Vec::new()),
                Some(id) => match all.into_iter().find(|v| {
                    v["BudgetID"]
                        .as_str()
                        .is_some_and(|b| b.eq_ignore_ascii_case(id))
                }) {
                    Some(v) => Answer::ok(envelope(shared, "Budgets", vec![v], None), Vec::new()),
                    None => not_found(),
                },
            }
        },
    )
    .await
}

/// `PUT` and `POST /api.xro/2.0/{collection}`: Payments only, with `Idempotency-Key`.
async fn write(
    shared: Arc<Shared>,
    segment: String,
    q: HashMap<String, String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let summarize_errors = q
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("summarizeErrors"))
        .is_none_or(|(_, v)| !v.eq_ignore_ascii_case("false"));
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    *shared
        .writes_received
        .lock()
        .entry(segment.to_ascii_lowercase())
        .or_default() += 1;
    let c = Collection::from_path(&segment);
    serve(shared, headers, canonical(&segment), Gate::collection(c, true), move |shared, tenant| {
        if c != Some(Collection::Payments) {
            return Answer::error(StatusCode::METHOD_NOT_ALLOWED, json!({"Title": "Method Not Allowed", "Status": 405}));
        }
        if let Some(k) = &key {
            if k.len() > MAX_IDEMPOTENCY_KEY {
                return Answer::error(
                    StatusCode::BAD_REQUEST,
                    json!({"ErrorNumber": 10, "Type": "ValidationException", "Message": "Idempotency-Key is longer than 128 characters"}),
                );
            }
            let cached = shared.idempotency.lock().get(&(tenant.to_owned(), k.clone())).cloned();
            if let Some((status, text)) = cached {
                let body = serde_json::from_str(&text).unwrap_or(Value::Null);
                return Answer::error(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body);
            }
        }
        let answer = match serde_json::from_slice::<Value>(&body) {
            Ok(v) => write::create_payments(shared, tenant, &v, summarize_errors),
            Err(_) => Answer::error(
                StatusCode::BAD_REQUEST,
                json!({"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": "JSON for post data was invalid"}),
            ),
        };
        let (status, body) = (answer.status, answer.body);
        if let Some(k) = key {
            shared
                .idempotency
                .lock()
                .insert((tenant.to_owned(), k), (status.as_u16(), body.to_string()));
        }
        Answer::error(status, body)
    })
    .await
}

/// Xero's validation error body, with the offending records.
pub(crate) fn validation_error(elements: Vec<Value>) -> Value {
    json!({"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred", "Elements": elements})
}

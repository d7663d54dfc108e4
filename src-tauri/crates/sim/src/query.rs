//! The `where` and `order` query parameters, as far as the client uses them:
//! `Field==value`, `!=`, `<`, `<=`, `>`, `>=`, joined by `AND`/`&&` or `OR`/`||`;
//! values as `"text"`, numbers, `true`/`false`, `Guid("…")` and `DateTime(y,m,d[,h,m,s])`;
//! dotted paths like `Contact.ContactID`.

use std::cmp::Ordering;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::wire::parse_ms_date;

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Text(String),
    Number(Decimal),
    Bool(bool),
    Date(i64),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
struct Clause {
    path: Vec<String>,
    op: Op,
    value: Literal,
}

/// A parsed `where`.
#[derive(Debug, Clone)]
pub struct Filter {
    expr: Expr,
}

#[derive(Debug, Clone)]
enum Expr {
    Any(Vec<Expr>),
    All(Vec<Expr>),
    Test(Clause),
}

impl Expr {
    fn matches(&self, record: &Value) -> bool {
        match self {
            Expr::Any(e) => e.iter().any(|e| e.matches(record)),
            Expr::All(e) => e.iter().all(|e| e.matches(record)),
            Expr::Test(c) => c.matches(record),
        }
    }
}

/// Strips parentheses that wrap the whole text.
fn unwrap_parens(mut t: &str) -> &str {
    loop {
        t = t.trim();
        if !(t.starts_with('(') && t.ends_with(')')) {
            return t;
        }
        // Only if the first '(' closes at the very end.
        let mut depth = 0;
        let mut closes_at_end = true;
        for (i, c) in t.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 && i + 1 != t.len() {
                        closes_at_end = false;
                        break;
                    }
                }
                _ => {}
            }
        }
        if !closes_at_end {
            return t;
        }
        t = &t[1..t.len() - 1];
    }
}

fn parse_expr(text: &str) -> Result<Expr, FilterError> {
    let t = unwrap_parens(text);
    let alts = split_top(t, &[" OR ", " or ", "||"]);
    if alts.len() > 1 {
        return alts
            .iter()
            .map(|a| parse_expr(a))
            .collect::<Result<_, _>>()
            .map(Expr::Any);
    }
    let alls = split_top(t, &[" AND ", " and ", "&&"]);
    if alls.len() > 1 {
        return alls
            .iter()
            .map(|a| parse_expr(a))
            .collect::<Result<_, _>>()
            .map(Expr::All);
    }
    let ops = [
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("<", Op::Lt),
        (">", Op::Gt),
        ("=", Op::Eq),
    ];
    let (at, len, op) = ops
        .iter()
        .filter_map(|(s, op)| t.find(s).map(|i| (i, s.len(), *op)))
        .min_by_key(|(i, len, _)| (*i, usize::MAX - len))
        .ok_or_else(|| FilterError(t.to_owned()))?;
    let path = t[..at].trim().split('.').map(str::to_owned).collect();
    let value = parse_literal(&t[at + len..])?;
    Ok(Expr::Test(Clause { path, op, value }))
}

/// A `where` the simulator cannot read: Xero answers 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse the where clause: {0}")]
pub struct FilterError(pub String);

fn split_top(s: &str, seps: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut start, mut i) = (0i32, false, 0, 0);
    let bytes = s.as_bytes();
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && c == '(' {
            depth += 1;
        } else if !quoted && c == ')' {
            depth -= 1;
        } else if !quoted && depth == 0 {
            if let Some(sep) = seps.iter().find(|sep| s[i..].starts_with(*sep)) {
                out.push(s[start..i].to_owned());
                i += sep.len();
                start = i;
                continue;
            }
        }
        i += 1;
    }
    out.push(s[start..].to_owned());
    out
}

fn parse_literal(text: &str) -> Result<Literal, FilterError> {
    let t = text.trim();
    let err = || FilterError(t.to_owned());
    if let Some(inner) = t.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        return Ok(Literal::Text(inner.to_owned()));
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("guid(") {
        let inner = &t[5..t.len().saturating_sub(1)];
        return Ok(Literal::Text(inner.trim().trim_matches('"').to_owned()));
    }
    if lower.starts_with("datetime(") {
        let inner = &t[9..t.len().saturating_sub(1)];
        let parts: Vec<u32> = inner
            .split(',')
            .map(|p| p.trim().parse::<u32>().map_err(|_| err()))
            .collect::<Result<_, _>>()?;
        let get = |i: usize| parts.get(i).copied().unwrap_or(0);
        let date = chrono::NaiveDate::from_ymd_opt(
            i32::try_from(get(0)).map_err(|_| err())?,
            get(1),
            get(2),
        )
        .ok_or_else(err)?;
        let dt = date.and_hms_opt(get(3), get(4), get(5)).ok_or_else(err)?;
        return Ok(Literal::Date(dt.and_utc().timestamp_millis()));
    }
    match lower.as_str() {
        "true" => return Ok(Literal::Bool(true)),
        "false" => return Ok(Literal::Bool(false)),
        "null" => return Ok(Literal::Null),
        _ => {}
    }
    t.parse::<Decimal>().map(Literal::Number).map_err(|_| err())
}

impl Filter {
    /// Parses a `where` expression.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        parse_expr(text).map(|expr| Filter { expr })
    }

    /// Whether a record passes.
    pub fn matches(&self, record: &Value) -> bool {
        self.expr.matches(record)
    }
}

fn field<'a>(record: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(record, |v, k| {
        v.as_object()?
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(k))
            .map(|(_, v)| v)
    })
}

fn compare(actual: Option<&Value>, lit: &Literal) -> Option<Ordering> {
    match (actual, lit) {
        (None | Some(Value::Null), Literal::Null) => Some(Ordering::Equal),
        (None | Some(Value::Null), _) => None,
        (Some(_), Literal::Null) => Some(Ordering::Greater),
        (Some(Value::String(s)), Literal::Date(ms)) => parse_ms_date(s)
            .or_else(|| {
                chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
                    .ok()
                    .map(|d| d.and_utc().timestamp_millis())
            })
            .map(|v| v.cmp(ms)),
        (Some(Value::String(s)), Literal::Text(t)) => Some(s.to_lowercase().cmp(&t.to_lowercase())),
        (Some(Value::Number(n)), Literal::Number(d)) => {
            n.to_string().parse::<Decimal>().ok().map(|v| v.cmp(d))
        }
        (Some(Value::Bool(b)), Literal::Bool(l)) => Some(b.cmp(l)),
        _ => None,
    }
}

impl Clause {
    fn matches(&self, record: &Value) -> bool {
        let ord = compare(field(record, &self.path), &self.value);
        match (self.op, ord) {
            (Op::Ne, None) => true,
            (_, None) => false,
            (Op::Eq, Some(o)) => o == Ordering::Equal,
            (Op::Ne, Some(o)) => o != Ordering::Equal,
            (Op::Lt, Some(o)) => o == Ordering::Less,
            (Op::Le, Some(o)) => o != Ordering::Greater,
            (Op::Gt, Some(o)) => o == Ordering::Greater,
            (Op::Ge, Some(o)) => o != Ordering::Less,
        }
    }
}

/// An `order` parameter: fields with ASC or DESC.
#[derive(Debug, Clone, Default)]
pub struct Order {
    keys: Vec<(Vec<String>, bool)>,
}

impl Order {
    /// Parses `UpdatedDateUTC ASC, InvoiceNumber DESC`.
    pub fn parse(text: &str) -> Order {
        let keys = text
            .split(',')
            .filter_map(|k| {
                let mut words = k.split_whitespace();
                let name = words.next()?;
                let desc = words.next().is_some_and(|w| w.eq_ignore_ascii_case("DESC"));
                Some((name.split('.').map(str::to_owned).collect(), desc))
            })
            .collect();
        Order { keys }
    }

    /// Whether the order is UpdatedDateUTC only (answered from the index).
    pub fn is_updated_asc(&self) -> bool {
        matches!(self.keys.as_slice(), [(p, false)] if p.len() == 1 && p[0].eq_ignore_ascii_case("UpdatedDateUTC"))
    }

    /// Compares two records.
    pub fn cmp(&self, a: &Value, b: &Value) -> Ordering {
        for (path, desc) in &self.keys {
            let o = sort_key(field(a, path)).cmp(&sort_key(field(b, path)));
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Missing,
    Bool(bool),
    Number(Decimal),
    Date(i64),
    Text(String),
}

fn sort_key(v: Option<&Value>) -> SortKey {
    match v {
        Some(Value::String(s)) => {
            parse_ms_date(s).map_or_else(|| SortKey::Text(s.to_lowercase()), SortKey::Date)
        }
        Some(Value::Number(n)) => n
            .to_string()
            .parse()
            .map_or(SortKey::Missing, SortKey::Number),
        Some(Value::Bool(b)) => SortKey::Bool(*b),
        _ => SortKey::Missing,
    }
}

/// Reads `If-Modified-Since`: RFC 1123 (`Sun, 06 Nov 1994 08:49:37 GMT`) or ISO
/// 8601 without offset (UTC), as Xero accepts. Second precision.
pub fn parse_if_modified_since(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc2822(t) {
        return Some(d.timestamp() * 1000);
    }
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(d.timestamp() * 1000);
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(t, f) {
            return Some(d.and_utc().timestamp() * 1000);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn where_reads_the_forms_the_client_sends() {
        let r = json!({"Status": "AUTHORISED", "Type": "ACCREC", "Contact": {"ContactID": "AbC"}, "Total": 10.5, "Date": "/Date(1546300800000+0000)/"});
        let yes = [
            "Status==\"AUTHORISED\"",
            "Type==\"ACCREC\" AND Status!=\"PAID\"",
            "Contact.ContactID==Guid(\"abc\")",
            "Date>=DateTime(2019,01,01) && Date<DateTime(2019,01,02)",
            "Status==\"PAID\" OR Status==\"AUTHORISED\"",
            "Total>10",
            "(Status==\"PAID\" OR Status==\"AUTHORISED\") AND Type==\"ACCREC\"",
        ];
        for w in yes {
            assert!(Filter::parse(w).unwrap().matches(&r), "{w}");
        }
        let no = [
            "(Status==\"PAID\" OR Status==\"DRAFT\") AND Type==\"ACCREC\"",
            "Status==\"PAID\"",
            "Date>DateTime(2019,01,01)",
            "Total<=10.49",
        ];
        for w in no {
            assert!(!Filter::parse(w).unwrap().matches(&r), "{w}");
        }
        assert!(Filter::parse("Status").is_err());
    }

    #[test]
    fn order_sorts_by_dates_and_text_both_ways() {
        let a = json!({"UpdatedDateUTC": "/Date(2000+0000)/", "N": "b"});
        let b = json!({"UpdatedDateUTC": "/Date(1000+0000)/", "N": "a"});
        assert_eq!(
            Order::parse("UpdatedDateUTC ASC").cmp(&a, &b),
            Ordering::Greater
        );
        assert_eq!(
            Order::parse("UpdatedDateUTC DESC").cmp(&a, &b),
            Ordering::Less
        );
        assert_eq!(Order::parse("N").cmp(&a, &b), Ordering::Greater);
        assert!(Order::parse("UpdatedDateUTC ASC").is_updated_asc());
    }

    #[test]
    fn if_modified_since_forms() {
        assert_eq!(
            parse_if_modified_since("Tue, 15 Nov 1994 08:12:31 GMT"),
            Some(784_887_151_000)
        );
        assert_eq!(
            parse_if_modified_since("1994-11-15T08:12:31"),
            Some(784_887_151_000)
        );
        assert_eq!(
            parse_if_modified_since("1994-11-15T08:12:31.999"),
            Some(784_887_151_000)
        );
        assert_eq!(parse_if_modified_since("soon"), None);
    }
}

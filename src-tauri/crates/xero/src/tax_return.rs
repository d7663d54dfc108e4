//! Xero's published GST/BAS returns, typed at the edge: the list `GET
//! Reports` gives ([`published_reports`]) and one return `GET
//! Reports/{ReportID}` gives ([`parse_tax_return`]).
//!
//! A return is a `ReportWithRows`: a `Section` titled *Sales* and one titled
//! *Purchases*, each with a `Row` per tax rate (its first cell the rate's
//! name carrying the attribute `taxType`, then the net and the tax) and a
//! `SummaryRow` of totals; the period is in `Fields` (`PeriodStart`,
//! `PeriodEnd`, `YYYY-MM-DD`). Amounts are read from their text into
//! [`Money`], never through a float. Which reports are tax returns: the
//! report types `GSTReturn`, `GSTReport`, `BASReport` and `BAS`.

use chrono::NaiveDate;
use ledgerkeep_domain::Money;
use serde_json::Value;

/// A return that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Xero's tax return could not be read: {0}")]
pub struct TaxReturnError(pub String);

fn err(m: impl Into<String>) -> TaxReturnError {
    TaxReturnError(m.into())
}

/// One entry of `GET Reports`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedReport {
    pub report_id: String,
    pub report_type: String,
    pub name: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl PublishedReport {
    /// Whether this report is a GST/BAS return.
    pub fn is_tax_return(&self) -> bool {
        is_tax_return(&self.report_type)
    }
}

/// Whether a report type is a GST/BAS return.
pub fn is_tax_return(report_type: &str) -> bool {
    ["GSTReturn", "GSTReport", "BASReport", "BAS"]
        .iter()
        .any(|t| t.eq_ignore_ascii_case(report_type.trim()))
}

/// A net amount and its tax.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReturnAmounts {
    pub net: Money,
    pub tax: Money,
}

/// One rate of a return, on one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRate {
    /// Xero's `TaxType`.
    pub tax_type: String,
    /// The rate's name as the return shows it.
    pub name: String,
    pub amounts: ReturnAmounts,
}

/// A published return, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedTaxReturn {
    pub report_id: String,
    pub report_type: String,
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub sales: Vec<ReturnRate>,
    pub purchases: Vec<ReturnRate>,
    /// The sections' summary rows.
    pub sales_total: ReturnAmounts,
    pub purchases_total: ReturnAmounts,
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

fn field_day(report: &Value, id: &str) -> Option<NaiveDate> {
    report["Fields"]
        .as_array()?
        .iter()
        .find(|f| f["FieldID"].as_str() == Some(id))
        .and_then(|f| f["Value"].as_str())
        .and_then(|v| NaiveDate::parse_from_str(v.trim().get(..10)?, "%Y-%m-%d").ok())
}

fn reports(body: &Value) -> Result<&Vec<Value>, TaxReturnError> {
    body["Reports"]
        .as_array()
        .ok_or_else(|| err("the answer has no Reports"))
}

/// The entries of `GET Reports`; entries without a `ReportID` are left out.
pub fn published_reports(body: &Value) -> Result<Vec<PublishedReport>, TaxReturnError> {
    Ok(reports(body)?
        .iter()
        .filter_map(|r| {
            Some(PublishedReport {
                report_id: text(r, "ReportID")?,
                report_type: text(r, "ReportType").unwrap_or_default(),
                name: text(r, "ReportName").unwrap_or_default(),
                from: field_day(r, "PeriodStart"),
                to: field_day(r, "PeriodEnd"),
            })
        })
        .collect())
}

fn amount(cell: &Value) -> Result<Money, TaxReturnError> {
    let t = cell["Value"].as_str().unwrap_or_default().trim();
    if t.is_empty() {
        return Ok(Money::default());
    }
    Money::parse(t).map_err(|_| err(format!("\"{t}\" is not an amount")))
}

fn amounts(cells: &[Value]) -> Result<ReturnAmounts, TaxReturnError> {
    if cells.len() < 3 {
        return Err(err("a row has fewer than three cells"));
    }
    Ok(ReturnAmounts {
        net: amount(&cells[1])?,
        tax: amount(&cells[2])?,
    })
}

type Side = (Vec<ReturnRate>, ReturnAmounts);

fn side(report: &Value, title: &str) -> Result<Side, TaxReturnError> {
    let section = report["Rows"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| {
            r["RowType"].as_str() == Some("Section")
                && r["Title"]
                    .as_str()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case(title))
        })
        .ok_or_else(|| err(format!("no {title} section")))?;
    let mut rates = Vec::new();
    let mut total = None;
    for row in section["Rows"].as_array().into_iter().flatten() {
        let cells = row["Cells"].as_array().map_or(&[][..], Vec::as_slice);
        match row["RowType"].as_str() {
            Some("Row") => {
                let first = cells.first().ok_or_else(|| err("a row without cells"))?;
                let tax_type = first["Attributes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|a| a["Id"].as_str() == Some("taxType"))
                    .and_then(|a| a["Value"].as_str())
                    .ok_or_else(|| err(format!("a {title} row names no tax type")))?;
                rates.push(ReturnRate {
                    tax_type: tax_type.to_owned(),
                    name: first["Value"].as_str().unwrap_or_default().to_owned(),
                    amounts: amounts(cells)?,
                });
            }
            Some("SummaryRow") => total = Some(amounts(cells)?),
            _ => {}
        }
    }
    Ok((rates, total.unwrap_or_default()))
}

/// The one return of `GET Reports/{ReportID}` (or of a stored copy: the
/// report object itself, without the `Reports` envelope).
pub fn parse_tax_return(body: &Value) -> Result<PublishedTaxReturn, TaxReturnError> {
    let report = match body.get("Reports") {
        Some(_) => reports(body)?
            .first()
            .ok_or_else(|| err("the answer holds no report"))?,
        None => body,
    };
    let report_type = text(report, "ReportType").unwrap_or_default();
    if !is_tax_return(&report_type) {
        return Err(err(format!("a {report_type} report is not a tax return")));
    }
    let from = field_day(report, "PeriodStart").ok_or_else(|| err("no period start"))?;
    let to = field_day(report, "PeriodEnd").ok_or_else(|| err("no period end"))?;
    if from > to {
        return Err(err("the period ends before it starts"));
    }
    let (sales, sales_total) = side(report, "Sales")?;
    let (purchases, purchases_total) = side(report, "Purchases")?;
    Ok(PublishedTaxReturn {
        report_id: text(report, "ReportID").ok_or_else(|| err("no ReportID"))?,
        report_type,
        name: text(report, "ReportName").unwrap_or_default(),
        from,
        to,
        sales,
        purchases,
        sales_total,
        purchases_total,
    })
}

/// The report object of a `GET Reports/{ReportID}` answer, to keep.
pub fn report_object(body: &Value) -> Option<&Value> {
    body["Reports"].as_array()?.first()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({"Reports": [{
        "ReportID": "r1", "ReportType": "GSTReturn", "ReportName": "GST Return",
        "Fields": [{"FieldID": "PeriodStart", "Value": "2026-04-01"}, {"FieldID": "PeriodEnd", "Value": "2026-06-30"}],
        "Rows": [
            {"RowType": "Header", "Cells": [{"Value": "Tax Rate"}, {"Value": "Net"}, {"Value": "GST"}]},
            {"RowType": "Section", "Title": "Sales", "Rows": [
                {"RowType": "Row", "Cells": [{"Value": "GST on Income", "Attributes": [{"Id": "taxType", "Value": "OUTPUT2"}]}, {"Value": "98765432109876.54"}, {"Value": "-0.10"}]},
                {"RowType": "SummaryRow", "Cells": [{"Value": "Total Sales"}, {"Value": "98765432109876.54"}, {"Value": "-0.10"}]}]},
            {"RowType": "Section", "Title": "Purchases", "Rows": [
                {"RowType": "SummaryRow", "Cells": [{"Value": "Total Purchases"}, {"Value": "0.00"}, {"Value": "0.00"}]}]}
        ]}]})
    }

    #[test]
    fn a_return_is_read_exactly() {
        let r = parse_tax_return(&sample()).unwrap();
        assert_eq!(r.from, NaiveDate::from_ymd_opt(2026, 4, 1).unwrap());
        assert_eq!(r.sales[0].tax_type, "OUTPUT2");
        assert_eq!(r.sales[0].amounts.net.to_string(), "98765432109876.54");
        assert_eq!(r.sales_total.tax.to_string(), "-0.10");
        assert!(r.purchases.is_empty());
        // The stored report object reads the same.
        let again = parse_tax_return(report_object(&sample()).unwrap()).unwrap();
        assert_eq!(again, r);
    }

    #[test]
    fn what_is_not_a_return_is_refused() {
        let mut other = sample();
        other["Reports"][0]["ReportType"] = json!("BalanceSheet");
        assert!(parse_tax_return(&other).is_err());
        let mut bad = sample();
        bad["Reports"][0]["Rows"][1]["Rows"][0]["Cells"][1]["Value"] = json!("1,000.00");
        assert!(parse_tax_return(&bad).is_err());
        let mut no_type = sample();
        no_type["Reports"][0]["Rows"][1]["Rows"][0]["Cells"][0]["Attributes"] = json!([]);
        assert!(parse_tax_return(&no_type).is_err());
        let list = published_reports(&json!({"Reports": [
            {"ReportID": "a", "ReportType": "BASReport", "Fields": [{"FieldID": "PeriodEnd", "Value": "2026-03-31"}]},
            {"ReportType": "GSTReturn"}
        ]}))
        .unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].is_tax_return());
        assert_eq!(list[0].to, NaiveDate::from_ymd_opt(2026, 3, 31));
    }
}

//! One module per operation (or per family of small operations): requests,
//! responses and functions.

pub mod aged;
pub mod anomalies;
pub mod app_info;
pub mod attachments;
pub mod audit_log;
pub mod backups;
pub mod budgets;
mod cash_basis;
pub mod catalog;
pub mod close;
pub mod close_library;
pub mod contacts;
pub mod dashboard;
pub mod data_settings;
pub mod demo;
pub mod diagnostics;
pub mod exports;
pub mod find;
pub mod folders;
pub mod general_ledger;
pub mod health;
pub mod ledger;
pub mod maintenance;
pub mod onboarding;
pub mod organisations;
pub mod payments;
pub mod preferences;
pub mod records;
pub mod report_query;
pub mod report_readiness;
pub mod reports;
pub mod saved_views;
pub mod support_bundle;
pub mod sync;
pub mod tax_form;
pub mod tax_returns;
pub mod tax_summary;
pub mod tracking;
pub mod updates;
pub mod xero_app;
pub mod xero_connection;
pub mod xero_history;

/// A listing's page size: `default` when absent, refused outside 1 to 500.
pub(crate) fn page_limit(limit: Option<u32>, default: u32) -> Result<u32, crate::ApiError> {
    let limit = limit.unwrap_or(default);
    if (1..=500).contains(&limit) {
        Ok(limit)
    } else {
        Err(crate::ApiError::invalid("A page holds 1 to 500 rows."))
    }
}

#[cfg(test)]
mod tests {
    /// Every operation a front calls (its first parameter the context, the
    /// sync service or the app's folders) runs in a span `op` carrying its
    /// name and a request id, so each command's log lines can be told apart.
    #[test]
    fn every_operation_runs_in_an_op_span() {
        // Every file here, read at test time, so that a new one cannot be missed.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ops");
        let mut sources: Vec<(String, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "rs"))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        sources.sort();
        let mut checked = 0;
        for (file, text) in &sources {
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let Some(rest) = line
                    .strip_prefix("pub async fn ")
                    .or_else(|| line.strip_prefix("pub fn "))
                else {
                    continue;
                };
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let signature: String = lines[i..].iter().take(4).copied().collect();
                let first_param = signature.split_once('(').map_or("", |(_, p)| p);
                let is_op = ["ctx: &AppContext", "svc: &SyncService", "paths: &AppPaths"]
                    .iter()
                    .any(|p| first_param.trim_start().starts_with(p));
                if !is_op {
                    continue;
                }
                let attribute = lines[..i]
                    .iter()
                    .rev()
                    .find(|l| !l.trim_start().starts_with("///"))
                    .copied()
                    .unwrap_or("");
                assert!(
                    attribute.starts_with("#[tracing::instrument(name = \"op\"")
                        && attribute.contains(&format!("op = \"{name}\""))
                        && attribute.contains("request_id = %crate::request_id()"),
                    "{file}: `{name}` does not run in an `op` span with its name and a request id"
                );
                checked += 1;
            }
        }
        assert!(
            checked >= 25,
            "only {checked} operations found: the scan is broken"
        );
    }
}

//! The reports in words, for a person at a terminal: one function per view,
//! each the text form of what `--json` prints whole. Money is the ledger's
//! exact decimal text, never reformatted.

use std::collections::HashMap;

use ledgerkeep_api::{
    AppInfo, AuditVerifyOutcome, BackupView, PaymentView, RestoreView, SyncReportView,
    SyncStatusView,
};

use crate::output::{fields, or_dash, word, Align, Output, Table};

/// `info`
pub fn info(out: &Output, i: &AppInfo) -> String {
    let schema = if i.schema_version == i.latest_schema_version {
        format!("{} (up to date)", i.schema_version)
    } else {
        format!(
            "{} of {}",
            i.schema_version,
            out.warn(&i.latest_schema_version.to_string())
        )
    };
    let mut pairs = vec![
        ("Ledgerkeep", i.app_version.clone()),
        ("Schema", schema),
        ("OS", i.os.clone()),
        ("Data folder", i.data_dir.clone()),
        ("Ledger", i.ledger_file.clone()),
        ("Logs", i.logs_dir.clone()),
        ("Backups", i.backups_dir.clone()),
    ];
    if i.demo {
        pairs.push(("Demo", "yes: no Xero app is configured".to_owned()));
    }
    fields(out, &pairs)
}

/// Each kept organisation's name by tenant id (for headings).
pub type Names = HashMap<String, String>;

fn heading(out: &Output, names: &Names, tenant: &str) -> String {
    out.bold(&match names.get(tenant) {
        Some(name) => format!("{name} ({tenant})"),
        None => format!("Organisation {tenant}"),
    })
}

/// `status`
pub fn status(out: &Output, v: &SyncStatusView, names: &Names) -> String {
    if v.tenants.is_empty() {
        return "No organisation has been synced yet: run `ledgerkeep-cli connect`, then `ledgerkeep-cli sync`.\n".to_owned();
    }
    let mut text = String::new();
    for (n, t) in v.tenants.iter().enumerate() {
        if n > 0 {
            text.push('\n');
        }
        text.push_str(&heading(out, names, &t.tenant_id));
        text.push('\n');
        let mut pairs = Vec::new();
        if let Some(r) = &t.last_run {
            let state = match r.status.as_str() {
                "ok" | "done" | "succeeded" => out.good(&r.status),
                "running" => out.warn(&r.status),
                _ => out.bad(&r.status),
            };
            pairs.push((
                "Last sync",
                format!(
                    "{} {} (started {}, finished {}): {} pages, {} records seen, {} changed{}",
                    r.kind,
                    state,
                    r.started_at,
                    or_dash(r.finished_at.as_deref()),
                    r.pages,
                    r.records_seen,
                    r.records_changed,
                    r.error
                        .as_deref()
                        .map(|e| format!("; {e}"))
                        .unwrap_or_default()
                ),
            ));
        } else {
            pairs.push(("Last sync", "never".to_owned()));
        }
        if let Some(p) = t.day_limit_used_pct {
            pairs.push(("Xero calls today", format!("{p}% of the daily limit used")));
        }
        if let Some(f) = &t.first_sync {
            pairs.push((
                "First sync",
                format!(
                    "under way: about {} Xero calls left{}",
                    f.calls_left,
                    f.more_days
                        .map(|d| format!(", about {d} more days"))
                        .unwrap_or_default()
                ),
            ));
        }
        text.push_str(&fields(out, &pairs));
        for r in &t.refused {
            text.push_str(&format!("{}\n", out.warn(&r.message)));
        }
        let mut table = Table::new(&[
            ("Stream", Align::Left),
            ("Status", Align::Left),
            ("Records", Align::Right),
            ("Watermark (UTC)", Align::Left),
            ("Last full sweep", Align::Left),
            ("Last error", Align::Left),
        ]);
        for s in &t.streams {
            table.row(vec![
                s.stream.clone(),
                s.status.clone(),
                s.records.to_string(),
                or_dash(s.watermark.as_deref()),
                or_dash(s.last_full_sweep.as_deref()),
                or_dash(s.last_error.as_deref()),
            ]);
        }
        text.push_str(&table.render(out));
    }
    text
}

fn amount(p: &PaymentView) -> String {
    match &p.currency_code {
        Some(c) if !c.is_empty() => format!("{} {c}", p.amount),
        _ => p.amount.to_string(),
    }
}

fn state(out: &Output, p: &PaymentView) -> String {
    let w = word(&p.state);
    match w.as_str() {
        "recorded" => out.good(&w),
        "failed" | "unknown" => out.bad(&w),
        "cancelled" => out.dim(&w),
        _ => out.warn(&w),
    }
}

/// `payments`
pub fn payments(out: &Output, list: &[PaymentView]) -> String {
    if list.is_empty() {
        return "No payments have been recorded through Ledgerkeep.\n".to_owned();
    }
    let mut table = Table::new(&[
        ("ID", Align::Right),
        ("State", Align::Left),
        ("Date", Align::Left),
        ("Document", Align::Left),
        ("Contact", Align::Left),
        ("Paid from", Align::Left),
        ("Amount", Align::Right),
        ("Tries", Align::Right),
        ("Note", Align::Left),
    ]);
    for p in list {
        // Cells stay plain: escape codes inside would upset the widths.
        table.row(vec![
            p.id.to_string(),
            word(&p.state),
            p.date.clone(),
            p.document_number
                .clone()
                .unwrap_or_else(|| p.invoice_id.clone()),
            or_dash(p.contact_name.as_deref()),
            p.account_name
                .clone()
                .unwrap_or_else(|| p.account_id.clone()),
            amount(p),
            p.attempts.to_string(),
            or_dash(p.error.as_deref()),
        ]);
    }
    let mut text = table.render(out);
    let waiting = list
        .iter()
        .filter(|p| matches!(word(&p.state).as_str(), "queued" | "sending"))
        .count();
    if waiting > 0 {
        text.push_str(&format!(
            "{waiting} waiting for Xero: the next `ledgerkeep-cli sync` sends them.\n"
        ));
    }
    text
}

/// `pay` and `cancel-payment`: the one payment.
pub fn payment(out: &Output, p: &PaymentView) -> String {
    let mut text = format!(
        "Payment {} {}: {} on {} ({}), paid from {} on {}",
        p.id,
        state(out, p),
        out.bold(&amount(p)),
        p.document_number.as_deref().unwrap_or(&p.invoice_id),
        or_dash(p.contact_name.as_deref()),
        p.account_name.as_deref().unwrap_or(&p.account_id),
        p.date
    );
    if !p.reference.is_empty() {
        text.push_str(&format!(", reference {}", p.reference));
    }
    text.push_str(".\n");
    if let Some(e) = &p.error {
        text.push_str(&format!("{e}\n"));
    }
    for f in &p.errors {
        text.push_str(&format!("{}: {}\n", f.field, f.message));
    }
    text
}

/// `audit verify`
pub fn audit(out: &Output, r: &AuditVerifyOutcome) -> String {
    let v = &r.view;
    let verdict = if v.intact {
        out.good("intact")
    } else {
        out.bad("BROKEN")
    };
    let anchor = serde_json::to_value(&r.anchor)
        .ok()
        .and_then(|a| a["state"].as_str().map(str::to_owned))
        .unwrap_or_default()
        .replace('_', " ");
    let mut pairs = vec![
        ("Audit trail", verdict),
        ("Rows checked", v.rows_checked.to_string()),
        ("Files checked", v.files_checked.to_string()),
        ("Anchor", anchor),
    ];
    if let Some(b) = &v.first_break {
        pairs.push((
            "First break",
            out.bad(&format!("row {} ({}): {}", b.seq, b.kind, b.detail)),
        ));
    }
    let mut text = fields(out, &pairs);
    for p in &v.file_problems {
        text.push_str(&format!(
            "{} {} ({}): {}\n",
            out.bad("attachment"),
            p.file_name,
            p.attachment_id,
            if p.missing { "missing" } else { "altered" }
        ));
    }
    text
}

/// `sync`: per organisation, a line and its streams.
pub fn sync(out: &Output, reports: &[SyncReportView], names: &Names) -> String {
    let mut text = String::new();
    for (n, r) in reports.iter().enumerate() {
        if n > 0 {
            text.push('\n');
        }
        let verdict = if r.ok {
            out.good("synced")
        } else {
            out.bad(&format!(
                "stopped early ({})",
                r.stopped.as_deref().unwrap_or("error")
            ))
        };
        text.push_str(&format!(
            "{} {verdict}: {} Xero calls, {} pages, {} records seen, {} changed",
            heading(out, names, &r.tenant),
            r.calls,
            r.pages,
            r.records_seen,
            r.records_changed
        ));
        if r.xero_reports > 0 {
            text.push_str(&format!(", {} of Xero's reports kept", r.xero_reports));
        }
        text.push('\n');
        if let Some(e) = &r.error {
            text.push_str(&format!("{}\n", out.bad(e)));
        }
        let mut table = Table::new(&[
            ("Stream", Align::Left),
            ("Status", Align::Left),
            ("Calls", Align::Right),
            ("Seen", Align::Right),
            ("New", Align::Right),
            ("Updated", Align::Right),
            ("Watermark (UTC)", Align::Left),
            ("Detail", Align::Left),
        ]);
        for s in &r.streams {
            let status = if s.full {
                format!("{} (full)", s.status)
            } else {
                s.status.clone()
            };
            table.row(vec![
                s.stream.clone(),
                status,
                s.calls.to_string(),
                s.records_seen.to_string(),
                s.inserted.to_string(),
                s.updated.to_string(),
                or_dash(s.watermark.as_deref()),
                or_dash(s.detail.as_deref()),
            ]);
        }
        text.push_str(&table.render(out));
    }
    text
}

/// `backup`
pub fn backup(out: &Output, b: &BackupView) -> String {
    format!(
        "Backup checked and written to {} ({} KiB, schema {}, {} audit rows).\n",
        out.bold(&b.path),
        b.size_kib,
        b.schema_version,
        b.audit_rows
    )
}

/// `restore`
pub fn restore(out: &Output, r: &RestoreView) -> String {
    let mut text = format!(
        "Restored from {} (schema {}, {} audit rows).\n",
        out.bold(&r.restored_from),
        r.schema_version,
        r.audit_rows
    );
    if let Some(p) = &r.previous_copy {
        text.push_str(&format!("The replaced ledger is kept at {p}.\n"));
    }
    text
}

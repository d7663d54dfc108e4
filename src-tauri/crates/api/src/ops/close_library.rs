//! The starter library of procedures the owner can import and then adapt.

use ledgerkeep_domain::close::CheckKind;

/// One starter step: Markdown, and the automated check it carries.
#[derive(Debug, Clone, Copy)]
pub struct StarterStep {
    pub body: &'static str,
    pub check: Option<CheckKind>,
}

/// One starter procedure.
#[derive(Debug, Clone, Copy)]
pub struct StarterSop {
    pub title: &'static str,
    pub owner: &'static str,
    pub frequency: &'static str,
    pub due_rule: &'static str,
    pub steps: &'static [StarterStep],
}

const fn manual(body: &'static str) -> StarterStep {
    StarterStep { body, check: None }
}

const fn check(body: &'static str, kind: CheckKind) -> StarterStep {
    StarterStep {
        body,
        check: Some(kind),
    }
}

/// Month-end close, bank reconciliation, accounts receivable follow-up, bill
/// payment run, payroll accrual, sales tax (GST/VAT) return preparation, year-end.
pub const STARTER_LIBRARY: &[StarterSop] = &[
    StarterSop {
        title: "Month-end close",
        owner: "Bookkeeper",
        frequency: "monthly",
        due_rule: "5th business day",
        steps: &[
            check("**Sync** every bank account after the month ends, so the feeds are complete.", CheckKind::BankAccountsSynced),
            check("**Reconcile** every bank line dated in the month.", CheckKind::UnreconciledBankLines),
            check("Approve or delete **draft invoices and bills** older than two weeks.", CheckKind::StaleDrafts),
            check("Clear the **suspense and clearing** accounts to zero.", CheckKind::SuspenseAtZero),
            manual("Review the *aged receivables* and *aged payables* reports against the ledger."),
            manual("Post accruals and prepayments; attach the workings."),
            check("No edits to a **closed period** since its sign-off.", CheckKind::ClosedPeriodEdits),
            check("Set the **period lock date** in Xero to the month's last day.", CheckKind::PeriodLocked),
        ],
    },
    StarterSop {
        title: "Bank reconciliation",
        owner: "Bookkeeper",
        frequency: "monthly",
        due_rule: "3rd business day",
        steps: &[
            check("Sync every bank account.", CheckKind::BankAccountsSynced),
            check("Match or create a transaction for every statement line.", CheckKind::UnreconciledBankLines),
            manual("Compare each account's closing balance with the bank statement; note any difference."),
        ],
    },
    StarterSop {
        title: "Accounts receivable follow-up",
        owner: "Accounts receivable",
        frequency: "monthly",
        due_rule: "2nd business day",
        steps: &[
            manual("Run the **aged receivables** report at the month's end."),
            manual("Send reminders for invoices more than 30 days overdue; call those over 60."),
            check("Approve and send draft invoices left over from the month.", CheckKind::StaleDrafts),
            manual("Agree write-offs of doubtful debts with the owner."),
        ],
    },
    StarterSop {
        title: "Bill payment run",
        owner: "Accounts payable",
        frequency: "monthly",
        due_rule: "last business day",
        steps: &[
            check("Approve the bills entered this month, or ask why they are still drafts.", CheckKind::StaleDrafts),
            manual("List the bills due before the next run; check each supplier's bank details against the last payment."),
            manual("Have the owner approve the batch, then pay it and mark the bills paid."),
        ],
    },
    StarterSop {
        title: "Payroll accrual",
        owner: "Bookkeeper",
        frequency: "monthly",
        due_rule: "last day",
        steps: &[
            manual("Work out wages earned but not paid at the month's end (days since the last pay run)."),
            manual("Post the accrual journal, reversing on the first of next month."),
            manual("Accrue holiday pay and employer contributions."),
        ],
    },
    StarterSop {
        title: "Sales tax (GST/VAT) return preparation",
        owner: "Bookkeeper",
        frequency: "quarterly",
        due_rule: "10th business day",
        steps: &[
            check("Reconcile every bank line of the return's period.", CheckKind::UnreconciledBankLines),
            manual("Run the GST/VAT report; check that each tax rate is the one the transaction needs."),
            manual("Compare the tax control account with the report; explain differences."),
            check("Lock the period before filing.", CheckKind::PeriodLocked),
            manual("File the return and record the payment or refund."),
        ],
    },
    StarterSop {
        title: "Year-end",
        owner: "Owner",
        frequency: "yearly",
        due_rule: "20th business day",
        steps: &[
            manual("Count stock and value it; post the adjustment."),
            manual("Review fixed assets and post depreciation."),
            check("Clear the suspense and clearing accounts.", CheckKind::SuspenseAtZero),
            manual("Send the trial balance and the workings to the accountant."),
            check("Set the end-of-year lock date once the accountant agrees the figures.", CheckKind::PeriodLocked),
        ],
    },
];

//! The operations every front calls: the Tauri shell, the headless CLI and the
//! tests. Each is `async fn op(ctx, request) -> Result<Response, ApiError>`,
//! in its own module under [`ops`], with its request and response types beside it.
//!
//! Boundary: may depend on every core crate (domain, store, xero, sync); none
//! of them depends on it, and it never depends on Tauri.

pub mod app;
pub mod context;
pub mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod links;
pub mod ops;
pub mod paths;

pub use app::{App, AppEvent, AppEvents, StartOptions};
pub use context::{AppConfig, AppContext, XeroSetup};
pub use error::{ApiError, ErrorCode, FieldError};
/// Who made a change: the `_as` operations take one (the CLI names itself).
pub use ledgerkeep_domain::Actor;
pub use links::{parse_link, Link, Screen};
pub use ops::anomalies::{
    dismiss_anomaly, list_anomalies, AnomalyRecordView, AnomalyView, DismissAnomalyRequest,
    ListAnomaliesRequest,
};
pub use ops::app_info::{app_info, AppInfo};
pub use ops::audit_log::{
    audit_log, AuditChangeWordsView, AuditLogPageView, AuditLogRequest, AuditLogRowView,
    AuditValueView, AuditWordsView,
};
pub use ops::catalog::{
    list_items, list_tax_rates, ItemListView, ItemView, ListItemsRequest, ListTaxRatesRequest,
    TaxRateView,
};
pub use ops::contacts::{
    list_contacts, ContactBalanceView, ContactPageView, ContactView, ListContactsRequest,
};
pub use ops::dashboard::{
    dashboard, dashboard_look, AgeBucketView, AgeingView, BankTileView, BillsDueSoonView,
    CloseDueView, CurrencyAmountView, DashboardAlertsView, DashboardLookRequest, DashboardLookView,
    DashboardRequest, DashboardView, DueTotalView, MonthView, RecentDocumentView,
    SinceLastLookView,
};
pub use ops::diagnostics::{diagnostics, Diagnostics};
pub use ops::exports::{
    export_report, export_view, ExportFileFormat, ExportReportRequest, ExportViewRequest,
    ExportedFile,
};
pub use ops::find::{
    quick_find, AccountHitView, AttachmentHitView, ContactHitView, QuickFindRequest, QuickFindView,
};
pub use ops::general_ledger::{
    general_ledger, GeneralLedgerPageView, GeneralLedgerRequest, GeneralLedgerRowView,
};
pub use ops::health::{health_check, health_check_offline, HealthReport, HealthRequest};
pub use ops::ledger::{
    document_kinds, document_totals, list_documents, record_history, search_documents,
    AuditEntryView, CurrencyTotalView, DocumentFilterDto, DocumentHitView, DocumentKindDto,
    DocumentKindInfo, DocumentPageView, DocumentRowView, FieldChangeView, ListDocumentsRequest,
    RecordHistoryRequest, SearchDocumentsRequest, SortFieldDto,
};
pub use ops::maintenance::{
    anchor_note, backup_now, restore_backup, restore_backup_with, verify_audit,
    verify_audit_anchored, AuditVerifyOutcome, AuditVerifyView, BackupRequest, BackupView,
    ChainBreakView, RestoreRequest, RestoreView, Upkeep,
};
pub use ops::payments::{
    cancel_payment, cancel_payment_as, list_payments, payment_accounts, record_payment,
    record_payment_as, CancelPaymentRequest, ListPaymentsRequest, PaymentAccountView,
    PaymentAccountsRequest, PaymentState, PaymentView, RecordPaymentRequest,
};
pub use ops::preferences::{preferences, set_log_level, Preferences, SetLogLevelRequest};
pub use ops::records::{open_record_in_xero, record_detail, RecordDetailRequest, RecordDetailView};
pub use ops::report_query::{run_report_query, ReportQuery};
pub use ops::report_readiness::{IncompleteReason, IncompleteStreamView};
pub use ops::reports::{
    list_accounts, report_drill, run_report, AccountView, ColumnHeading, DrillPageView,
    DrillRequest, DrillRowView, DrillSign, DrillView, LedgerDrillView, ListAccountsRequest,
    OutstandingDrillView, ReportBasis, ReportCellView, ReportColumnView, ReportKind, ReportPeriod,
    ReportRequest, ReportRowView, ReportSectionView, ReportView, XeroComparisonStatus,
    XeroComparisonView, XeroDifferenceView, XeroLineView,
};
pub use ops::saved_views::{delete_view, save_view, saved_views, DeleteViewRequest, SavedView};
pub use ops::support_bundle::{make_support_bundle, SupportBundle, SupportBundleRequest};
pub use ops::sync::{
    cancel_sync, export_records, progress_event, sync_now, sync_once, sync_status,
    CancelSyncRequest, CancelSyncView, ExportFormat, ExportRequest, FirstSyncView,
    StreamReportView, StreamStatusView, SyncNowRequest, SyncProgressView, SyncReportView,
    SyncService, SyncStatusRequest, SyncStatusView, TenantSyncStatusView,
};
pub use ops::tax_form::{
    TaxFormBoxComparisonView, TaxFormBoxView, TaxFormComparisonView, TaxFormSide,
    TaxFormUnplacedView, TaxFormView,
};
pub use ops::tax_returns::{
    compare_tax_return, list_tax_returns, PublishedTaxReturnView, TaxReturnComparisonRequest,
    TaxReturnComparisonView, TaxReturnDifferenceView, TaxReturnFigure, TaxReturnRateView,
    TaxReturnsRequest,
};
pub use ops::tax_summary::{
    tax_summary, NetTaxView, TaxRateSummaryView, TaxSkippedView, TaxSummaryRequest, TaxSummaryView,
};
pub use ops::xero_connection::{
    complete_sign_in, disconnect, finish_loopback_sign_in, keep_organisations, list_organisations,
    start_sign_in, CompleteSignInRequest, Connected, DisconnectOutcome, DisconnectRequest,
    FinishLoopbackSignInRequest, KeepOrganisationsRequest, OrganisationStatus, OrganisationView,
    SignInRoute, SignInStarted, StartSignInRequest,
};
pub use ops::xero_history::{
    record_xero_history, refresh_record_xero_history, XeroHistoryEntryView, XeroHistoryView,
};
pub use paths::{ledger_held_by_another_app, AppPaths};

/// A short id for one operation call, carried by its log span.
pub fn request_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    id[..12].to_owned()
}

//! Tauri commands. Each is one line: call the operation, return its result.
//! Parsing and validation live on the request types in `ledgerkeep-api`.

use ledgerkeep_api::ops::attachments::{
    AttachmentCopyView, AttachmentFileView, AttachmentRequest, AttachmentSettings,
    AttachmentSettingsView, AttachmentView, DocumentAttachmentsRequest,
};
use ledgerkeep_api::ops::audit_log::{AuditLogPageView, AuditLogRequest};
use ledgerkeep_api::ops::backups::BackupsView;
use ledgerkeep_api::ops::close::{
    self, ArchiveSopRequest, ListRunsRequest, ListSopsRequest, RunIdRequest, RunSummaryView,
    RunView, SaveSopRequest, SignOffRequest, SopIdRequest, SopVersionView, SopView,
    StartRunRequest, TickStepRequest,
};
use ledgerkeep_api::ops::contacts::{ContactPageView, ListContactsRequest};
use ledgerkeep_api::ops::dashboard::{DashboardRequest, DashboardView};
use ledgerkeep_api::ops::data_settings::DataSettings;
use ledgerkeep_api::ops::exports::{ExportReportRequest, ExportViewRequest, ExportedFile};
use ledgerkeep_api::ops::find::{QuickFindRequest, QuickFindView};
use ledgerkeep_api::ops::folders::{FolderRequest, FolderView};
use ledgerkeep_api::ops::general_ledger::{GeneralLedgerPageView, GeneralLedgerRequest};
use ledgerkeep_api::ops::ledger::{
    AuditEntryView, CurrencyTotalView, DocumentFilterDto, DocumentPageView, ListDocumentsRequest,
    RecordHistoryRequest,
};
use ledgerkeep_api::ops::maintenance::{
    AuditVerifyView, BackupRequest, BackupView, RestoreRequest,
};
use ledgerkeep_api::ops::onboarding::{CheckClientIdRequest, ClientIdCheck, XeroConnectionTest};
use ledgerkeep_api::ops::organisations::LedgerOrganisation;
use ledgerkeep_api::ops::reports::{
    AccountView, DrillPageView, DrillRequest, ListAccountsRequest, ReportRequest, ReportView,
};
use ledgerkeep_api::ops::saved_views::{DeleteViewRequest, SavedView};
use ledgerkeep_api::ops::tax_summary::{TaxSummaryRequest, TaxSummaryView};
use ledgerkeep_api::ops::updates::{SetUpdateChannelRequest, UpdateChannel, UpdateStatus};
use ledgerkeep_api::ops::xero_app::{XeroAppSettings, XeroAppView};
use ledgerkeep_api::ops::xero_connection::{
    Connected, DisconnectOutcome, DisconnectRequest, KeepOrganisationsRequest, OrganisationView,
};
use ledgerkeep_api::{AnomalyView, DismissAnomalyRequest, ListAnomaliesRequest};
use ledgerkeep_api::{
    ApiError, AppInfo, Diagnostics, HealthReport, HealthRequest, Preferences, SetLogLevelRequest,
    SupportBundle, SupportBundleRequest,
};
use ledgerkeep_api::{
    CancelPaymentRequest, ListPaymentsRequest, PaymentAccountView, PaymentAccountsRequest,
    PaymentView, RecordPaymentRequest,
};
use ledgerkeep_api::{
    CancelSyncRequest, CancelSyncView, SyncNowRequest, SyncReportView, SyncStatusRequest,
    SyncStatusView,
};
use ledgerkeep_api::{
    DocumentHitView, DocumentKindInfo, ItemListView, ListItemsRequest, ListTaxRatesRequest,
    SearchDocumentsRequest, TaxRateView,
};
use tauri::{AppHandle, State};

/// The running app: every operation takes its context (`&ctx` dereferences to it).
type Ctx<'a> = State<'a, ledgerkeep_api::App>;
/// The same app, where a command needs its sync service (`sync.sync()?`).
type Sync<'a> = State<'a, ledgerkeep_api::App>;

#[tauri::command]
#[specta::specta]
pub async fn app_info(ctx: Ctx<'_>) -> Result<AppInfo, ApiError> {
    ledgerkeep_api::app_info(&ctx).await
}

/// The webview's version is known only here, so the shell supplies it.
#[tauri::command]
#[specta::specta]
pub async fn health_check(ctx: Ctx<'_>) -> Result<HealthReport, ApiError> {
    ledgerkeep_api::health_check(
        &ctx,
        HealthRequest {
            webview_version: tauri::webview_version().ok(),
        },
    )
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn diagnostics(ctx: Ctx<'_>) -> Result<Diagnostics, ApiError> {
    ledgerkeep_api::diagnostics(&ctx).await
}

#[tauri::command]
#[specta::specta]
pub async fn make_support_bundle(
    ctx: Ctx<'_>,
    request: SupportBundleRequest,
) -> Result<SupportBundle, ApiError> {
    ledgerkeep_api::make_support_bundle(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn preferences(ctx: Ctx<'_>) -> Result<Preferences, ApiError> {
    ledgerkeep_api::preferences(&ctx).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_log_level(
    ctx: Ctx<'_>,
    request: SetLogLevelRequest,
) -> Result<Preferences, ApiError> {
    ledgerkeep_api::set_log_level(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn update_channel(ctx: Ctx<'_>) -> Result<UpdateChannel, ApiError> {
    ledgerkeep_api::ops::updates::update_channel(&ctx).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_update_channel(
    ctx: Ctx<'_>,
    request: SetUpdateChannelRequest,
) -> Result<UpdateChannel, ApiError> {
    ledgerkeep_api::ops::updates::set_update_channel(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn check_for_update(app: AppHandle, ctx: Ctx<'_>) -> Result<UpdateStatus, ApiError> {
    crate::updater::check(&app, &ctx).await
}

#[tauri::command]
#[specta::specta]
pub async fn install_update(app: AppHandle, ctx: Ctx<'_>) -> Result<UpdateStatus, ApiError> {
    crate::updater::install(&app, &ctx).await
}

// Settings: data and sync, backups, folders.

#[tauri::command]
#[specta::specta]
pub async fn data_settings(ctx: Ctx<'_>) -> Result<DataSettings, ApiError> {
    ledgerkeep_api::ops::data_settings::data_settings(&ctx).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_data_settings(
    ctx: Ctx<'_>,
    request: DataSettings,
) -> Result<DataSettings, ApiError> {
    ledgerkeep_api::ops::data_settings::set_data_settings(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_backups(ctx: Ctx<'_>) -> Result<BackupsView, ApiError> {
    ledgerkeep_api::ops::backups::list_backups(&ctx).await
}

/// A checked backup into the backups folder (or to `request.to`).
#[tauri::command]
#[specta::specta]
pub async fn backup_now(ctx: Ctx<'_>, request: BackupRequest) -> Result<BackupView, ApiError> {
    ledgerkeep_api::backup_now(&ctx, request, ctx.config().now()).await
}

/// Checks the backup and restores it when the app closes (see `restart_app`).
#[tauri::command]
#[specta::specta]
pub async fn choose_restore(
    ctx: Ctx<'_>,
    request: RestoreRequest,
) -> Result<BackupsView, ApiError> {
    ledgerkeep_api::ops::backups::choose_restore(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_restore(ctx: Ctx<'_>) -> Result<BackupsView, ApiError> {
    ledgerkeep_api::ops::backups::cancel_restore(&ctx).await
}

/// Closes the app the normal way (syncs stopped, the ledger closed, a chosen
/// restore run) and starts it again.
#[tauri::command]
#[specta::specta]
pub fn restart_app(app: AppHandle) {
    app.request_restart();
}

/// Opens one of the app's folders in the OS's file manager, and names it.
#[tauri::command]
#[specta::specta]
pub async fn open_folder(
    app: AppHandle,
    ctx: Ctx<'_>,
    request: FolderRequest,
) -> Result<FolderView, ApiError> {
    crate::browser::open_folder(&app, &ctx, request).await
}

// Attachments kept offline: their settings, a document's list, a file.

#[tauri::command]
#[specta::specta]
pub async fn attachment_settings(ctx: Ctx<'_>) -> Result<AttachmentSettingsView, ApiError> {
    ledgerkeep_api::ops::attachments::attachment_settings(&ctx).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_attachment_settings(
    ctx: Ctx<'_>,
    request: AttachmentSettings,
) -> Result<AttachmentSettingsView, ApiError> {
    ledgerkeep_api::ops::attachments::set_attachment_settings(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn document_attachments(
    ctx: Ctx<'_>,
    request: DocumentAttachmentsRequest,
) -> Result<Vec<AttachmentView>, ApiError> {
    ledgerkeep_api::ops::attachments::document_attachments(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn attachment_file(
    ctx: Ctx<'_>,
    request: AttachmentRequest,
) -> Result<AttachmentFileView, ApiError> {
    ledgerkeep_api::ops::attachments::attachment_file(&ctx, request).await
}

/// Opens a checked copy of the file in the app the OS chooses for it.
#[tauri::command]
#[specta::specta]
pub async fn open_attachment(
    app: AppHandle,
    ctx: Ctx<'_>,
    request: AttachmentRequest,
) -> Result<AttachmentCopyView, ApiError> {
    crate::browser::open_attachment(&app, &ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn organisations(ctx: Ctx<'_>) -> Result<Vec<LedgerOrganisation>, ApiError> {
    ledgerkeep_api::ops::organisations::organisations(&ctx).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_documents(
    ctx: Ctx<'_>,
    request: ListDocumentsRequest,
) -> Result<DocumentPageView, ApiError> {
    ledgerkeep_api::list_documents(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn general_ledger(
    ctx: Ctx<'_>,
    request: GeneralLedgerRequest,
) -> Result<GeneralLedgerPageView, ApiError> {
    ledgerkeep_api::general_ledger(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn tax_summary(
    ctx: Ctx<'_>,
    request: TaxSummaryRequest,
) -> Result<TaxSummaryView, ApiError> {
    ledgerkeep_api::tax_summary(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_tax_returns(
    ctx: Ctx<'_>,
    request: ledgerkeep_api::TaxReturnsRequest,
) -> Result<Vec<ledgerkeep_api::PublishedTaxReturnView>, ApiError> {
    ledgerkeep_api::list_tax_returns(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn compare_tax_return(
    ctx: Ctx<'_>,
    request: ledgerkeep_api::TaxReturnComparisonRequest,
) -> Result<ledgerkeep_api::TaxReturnComparisonView, ApiError> {
    ledgerkeep_api::compare_tax_return(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn budget_vs_actual(
    ctx: Ctx<'_>,
    request: ledgerkeep_api::ops::budgets::BudgetVsActualRequest,
) -> Result<ledgerkeep_api::ops::budgets::BudgetVsActualView, ApiError> {
    ledgerkeep_api::ops::budgets::budget_vs_actual(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn document_totals(
    ctx: Ctx<'_>,
    filter: DocumentFilterDto,
) -> Result<Vec<CurrencyTotalView>, ApiError> {
    ledgerkeep_api::document_totals(&ctx, filter).await
}

#[tauri::command]
#[specta::specta]
pub async fn document_kinds() -> Result<Vec<DocumentKindInfo>, ApiError> {
    ledgerkeep_api::document_kinds().await
}

#[tauri::command]
#[specta::specta]
pub async fn search_documents(
    ctx: Ctx<'_>,
    request: SearchDocumentsRequest,
) -> Result<Vec<DocumentHitView>, ApiError> {
    ledgerkeep_api::search_documents(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn quick_find(
    ctx: Ctx<'_>,
    request: QuickFindRequest,
) -> Result<QuickFindView, ApiError> {
    ledgerkeep_api::quick_find(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_items(ctx: Ctx<'_>, request: ListItemsRequest) -> Result<ItemListView, ApiError> {
    ledgerkeep_api::list_items(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_tax_rates(
    ctx: Ctx<'_>,
    request: ListTaxRatesRequest,
) -> Result<Vec<TaxRateView>, ApiError> {
    ledgerkeep_api::list_tax_rates(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn run_report(ctx: Ctx<'_>, request: ReportRequest) -> Result<ReportView, ApiError> {
    ledgerkeep_api::run_report(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn report_drill(ctx: Ctx<'_>, request: DrillRequest) -> Result<DrillPageView, ApiError> {
    ledgerkeep_api::report_drill(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn audit_log(
    ctx: Ctx<'_>,
    request: AuditLogRequest,
) -> Result<AuditLogPageView, ApiError> {
    ledgerkeep_api::audit_log(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn verify_audit(ctx: Ctx<'_>) -> Result<AuditVerifyView, ApiError> {
    ledgerkeep_api::verify_audit(&ctx).await
}

#[tauri::command]
#[specta::specta]
pub async fn dashboard(ctx: Ctx<'_>, request: DashboardRequest) -> Result<DashboardView, ApiError> {
    ledgerkeep_api::dashboard(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn dashboard_look(
    ctx: Ctx<'_>,
    request: ledgerkeep_api::DashboardLookRequest,
) -> Result<ledgerkeep_api::DashboardLookView, ApiError> {
    ledgerkeep_api::dashboard_look(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_contacts(
    ctx: Ctx<'_>,
    request: ListContactsRequest,
) -> Result<ContactPageView, ApiError> {
    ledgerkeep_api::list_contacts(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_accounts(
    ctx: Ctx<'_>,
    request: ListAccountsRequest,
) -> Result<Vec<AccountView>, ApiError> {
    ledgerkeep_api::list_accounts(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn saved_views(ctx: Ctx<'_>) -> Result<Vec<SavedView>, ApiError> {
    ledgerkeep_api::saved_views(&ctx).await
}

#[tauri::command]
#[specta::specta]
pub async fn save_view(ctx: Ctx<'_>, view: SavedView) -> Result<Vec<SavedView>, ApiError> {
    ledgerkeep_api::save_view(&ctx, view).await
}

#[tauri::command]
#[specta::specta]
pub async fn delete_view(
    ctx: Ctx<'_>,
    request: DeleteViewRequest,
) -> Result<Vec<SavedView>, ApiError> {
    ledgerkeep_api::delete_view(&ctx, request).await
}

/// Writes a report to a file in the exports folder and names it.
#[tauri::command]
#[specta::specta]
pub async fn export_report(
    ctx: Ctx<'_>,
    request: ExportReportRequest,
) -> Result<ExportedFile, ApiError> {
    ledgerkeep_api::export_report(&ctx, request).await
}

/// Writes every row of the explorer's view to a file in the exports folder and names it.
#[tauri::command]
#[specta::specta]
pub async fn export_view(
    ctx: Ctx<'_>,
    request: ExportViewRequest,
) -> Result<ExportedFile, ApiError> {
    ledgerkeep_api::export_view(&ctx, request).await
}

/// Writes a record's page as a PDF to the exports folder and names it.
#[tauri::command]
#[specta::specta]
pub async fn export_record(
    ctx: Ctx<'_>,
    request: ledgerkeep_api::ops::exports::ExportRecordRequest,
) -> Result<ExportedFile, ApiError> {
    ledgerkeep_api::ops::exports::export_record(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn record_history(
    ctx: Ctx<'_>,
    request: RecordHistoryRequest,
) -> Result<Vec<AuditEntryView>, ApiError> {
    ledgerkeep_api::record_history(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn record_detail(
    ctx: Ctx<'_>,
    request: ledgerkeep_api::RecordDetailRequest,
) -> Result<ledgerkeep_api::RecordDetailView, ApiError> {
    ledgerkeep_api::record_detail(&ctx, request).await
}

/// Opens the record in Xero's web app, in the owner's browser; the address opened.
#[tauri::command]
#[specta::specta]
pub async fn open_record_in_xero(
    app: AppHandle,
    ctx: Ctx<'_>,
    request: ledgerkeep_api::RecordDetailRequest,
) -> Result<String, ApiError> {
    ledgerkeep_api::open_record_in_xero(&ctx, request, |url| crate::browser::open(&app, url)).await
}

/// Xero's own history of the record, as last fetched (works offline).
#[tauri::command]
#[specta::specta]
pub async fn record_xero_history(
    ctx: Ctx<'_>,
    request: ledgerkeep_api::RecordDetailRequest,
) -> Result<ledgerkeep_api::XeroHistoryView, ApiError> {
    ledgerkeep_api::record_xero_history(&ctx, request).await
}

/// Fetches the record's history from Xero (one call) and keeps it.
#[tauri::command]
#[specta::specta]
pub async fn refresh_record_xero_history(
    sync: Sync<'_>,
    request: ledgerkeep_api::RecordDetailRequest,
) -> Result<ledgerkeep_api::XeroHistoryView, ApiError> {
    ledgerkeep_api::refresh_record_xero_history(sync.sync()?, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_anomalies(
    ctx: Ctx<'_>,
    request: ListAnomaliesRequest,
) -> Result<Vec<AnomalyView>, ApiError> {
    ledgerkeep_api::list_anomalies(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn dismiss_anomaly(
    ctx: Ctx<'_>,
    request: DismissAnomalyRequest,
) -> Result<AnomalyView, ApiError> {
    ledgerkeep_api::dismiss_anomaly(&ctx, request).await
}

/// Signs in to Xero through the system browser and the loopback callback.
#[tauri::command]
#[specta::specta]
pub async fn connect_xero(app: AppHandle, ctx: Ctx<'_>) -> Result<Connected, ApiError> {
    ledgerkeep_api::ops::xero_connection::connect_via_loopback(&ctx, |url| {
        crate::browser::open(&app, url)
    })
    .await
}

/// Signs in through the owner's https bounce page; the deep link finishes it
/// (the `SignInFinished` event).
#[tauri::command]
#[specta::specta]
pub async fn connect_xero_via_page(
    app: AppHandle,
    ctx: Ctx<'_>,
    bounce_page: String,
) -> Result<(), ApiError> {
    ledgerkeep_api::ops::xero_connection::start_bounce_sign_in(&ctx, bounce_page, |url| {
        crate::browser::open(&app, url)
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn xero_organisations(ctx: Ctx<'_>) -> Result<Vec<OrganisationView>, ApiError> {
    ledgerkeep_api::ops::xero_connection::list_organisations(&ctx).await
}

#[tauri::command]
#[specta::specta]
pub async fn keep_organisations(
    ctx: Ctx<'_>,
    sync: Sync<'_>,
    request: KeepOrganisationsRequest,
) -> Result<Vec<OrganisationView>, ApiError> {
    ledgerkeep_api::ops::sync::keep_and_schedule(&ctx, sync.sync()?, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn disconnect_xero(
    ctx: Ctx<'_>,
    request: DisconnectRequest,
) -> Result<DisconnectOutcome, ApiError> {
    ledgerkeep_api::ops::xero_connection::disconnect(&ctx, request).await
}

/// The owner's Xero app (client id, port, scopes, endpoints): in use and saved.
#[tauri::command]
#[specta::specta]
pub async fn xero_app(ctx: Ctx<'_>) -> Result<XeroAppView, ApiError> {
    ledgerkeep_api::ops::xero_app::xero_app(&ctx).await
}

/// Checks a Xero client id's shape as the owner types it (no call to Xero).
#[tauri::command]
#[specta::specta]
pub fn check_xero_client_id(request: CheckClientIdRequest) -> ClientIdCheck {
    ledgerkeep_api::ops::onboarding::check_client_id(&request)
}

/// Tests the connection: each organisation answers one cheap call, and says its day.
#[tauri::command]
#[specta::specta]
pub async fn test_xero_connection(ctx: Ctx<'_>) -> Result<XeroConnectionTest, ApiError> {
    ledgerkeep_api::ops::onboarding::test_xero_connection(&ctx).await
}

/// Saves the owner's Xero app; it applies at the next start.
#[tauri::command]
#[specta::specta]
pub async fn set_xero_app(ctx: Ctx<'_>, request: XeroAppSettings) -> Result<XeroAppView, ApiError> {
    ledgerkeep_api::ops::xero_app::set_xero_app(&ctx, request).await
}

/// Connects to the built-in demo company through the same sign-in as a real
/// one, and syncs it.
#[tauri::command]
#[specta::specta]
pub async fn explore_demo(ctx: Ctx<'_>, sync: Sync<'_>) -> Result<Vec<OrganisationView>, ApiError> {
    ledgerkeep_api::ops::demo::explore_demo(&ctx, sync.sync()?).await
}

#[tauri::command]
#[specta::specta]
pub async fn sync_now(sync: Sync<'_>, request: SyncNowRequest) -> Result<SyncReportView, ApiError> {
    ledgerkeep_api::sync_now(sync.sync()?, request).await
}

#[tauri::command]
#[specta::specta]
pub fn cancel_sync(sync: Sync<'_>, request: CancelSyncRequest) -> CancelSyncView {
    sync.cancel_sync(request)
}

#[tauri::command]
#[specta::specta]
pub async fn sync_status(
    ctx: Ctx<'_>,
    request: SyncStatusRequest,
) -> Result<SyncStatusView, ApiError> {
    ledgerkeep_api::sync_status(&ctx, request).await
}

// Procedures and the period close (`ledgerkeep_api::ops::close`).

#[tauri::command]
#[specta::specta]
pub async fn list_sops(ctx: Ctx<'_>, request: ListSopsRequest) -> Result<Vec<SopView>, ApiError> {
    close::list_sops(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn save_sop(ctx: Ctx<'_>, request: SaveSopRequest) -> Result<SopView, ApiError> {
    close::save_sop(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn archive_sop(ctx: Ctx<'_>, request: ArchiveSopRequest) -> Result<SopView, ApiError> {
    close::archive_sop(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn sop_versions(
    ctx: Ctx<'_>,
    request: SopIdRequest,
) -> Result<Vec<SopVersionView>, ApiError> {
    close::sop_versions(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn import_starter_sops(ctx: Ctx<'_>) -> Result<Vec<SopView>, ApiError> {
    close::import_starter_sops(&ctx).await
}

#[tauri::command]
#[specta::specta]
pub async fn start_close_run(ctx: Ctx<'_>, request: StartRunRequest) -> Result<RunView, ApiError> {
    close::start_run(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_close_runs(
    ctx: Ctx<'_>,
    request: ListRunsRequest,
) -> Result<Vec<RunSummaryView>, ApiError> {
    close::list_runs(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn close_run(ctx: Ctx<'_>, request: RunIdRequest) -> Result<RunView, ApiError> {
    close::get_run(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn run_close_checks(ctx: Ctx<'_>, request: RunIdRequest) -> Result<RunView, ApiError> {
    close::run_checks(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn tick_close_step(ctx: Ctx<'_>, request: TickStepRequest) -> Result<RunView, ApiError> {
    close::tick_step(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn sign_off_close_run(
    ctx: Ctx<'_>,
    request: SignOffRequest,
) -> Result<RunView, ApiError> {
    close::sign_off_run(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn record_payment(
    ctx: Ctx<'_>,
    sync: Sync<'_>,
    request: RecordPaymentRequest,
) -> Result<PaymentView, ApiError> {
    ledgerkeep_api::record_payment(&ctx, sync.sync().ok(), request).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_payments(
    ctx: Ctx<'_>,
    request: ListPaymentsRequest,
) -> Result<Vec<PaymentView>, ApiError> {
    ledgerkeep_api::list_payments(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn cancel_payment(
    ctx: Ctx<'_>,
    request: CancelPaymentRequest,
) -> Result<PaymentView, ApiError> {
    ledgerkeep_api::cancel_payment(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn payment_accounts(
    ctx: Ctx<'_>,
    request: PaymentAccountsRequest,
) -> Result<Vec<PaymentAccountView>, ApiError> {
    ledgerkeep_api::payment_accounts(&ctx, request).await
}

#[tauri::command]
#[specta::specta]
pub async fn list_tracking_categories(
    ctx: Ctx<'_>,
    request: ledgerkeep_api::ops::tracking::ListTrackingRequest,
) -> Result<Vec<ledgerkeep_api::ops::tracking::TrackingCategoryView>, ApiError> {
    ledgerkeep_api::ops::tracking::list_tracking_categories(&ctx, request).await
}

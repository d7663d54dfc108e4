//! One lifecycle for every front: [`App::start`] builds what a front runs on
//! (the demo company's simulator when no Xero app is set up, the ledger and
//! Xero in an [`AppContext`], and for the desktop the sync scheduler and its
//! reminders), and [`App::shutdown`] takes it down in the one safe order:
//! syncs stopped (a page in flight commits whole or rolls back), the ledger
//! closed, a restore chosen in Settings applied, the simulator ended.
//!
//! The desktop shell and `ledgerkeep-cli` both start and stop through it, and
//! the shell hands Tauri the [`App`] as its one state value.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use ledgerkeep_store::audit::AuditAnchor;
use ledgerkeep_sync::{DesktopNotifier, SyncEvent};
use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::ops::demo::{start_demo_if_unconfigured, DemoServer};
use crate::ops::sync::{
    progress_event, CancelSyncRequest, CancelSyncView, SyncProgressView, SyncService,
};
use crate::{ApiError, AppConfig, AppContext, XeroSetup};

/// How long shutting down waits for the syncs, then for the ledger, to stop.
const STOP_WITHIN: Duration = Duration::from_secs(5);

/// What a front starts.
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// Where the tokens live and how the client behaves.
    pub xero: XeroSetup,
    /// Start the demo company's simulator when no Xero app is configured.
    pub demo: bool,
    /// Run the sync scheduler (the desktop): every kept organisation synced
    /// on the saved interval, with desktop notifications and close reminders.
    pub scheduler: bool,
    /// Apply a restore chosen in Settings once the ledger is closed (the
    /// desktop, which offers it; a command line never runs the app's restore).
    pub restore_at_exit: bool,
}

impl StartOptions {
    /// The desktop app: the OS keyring under `service`, the demo, the scheduler.
    pub fn desktop(service: &str) -> Self {
        StartOptions {
            xero: XeroSetup::keyring_service(service),
            demo: true,
            scheduler: true,
            restore_at_exit: true,
        }
    }

    /// The command line: `xero` as given; no demo, no scheduler (each command
    /// does its own work and ends).
    pub fn command_line(xero: XeroSetup) -> Self {
        StartOptions {
            xero,
            demo: false,
            scheduler: false,
            restore_at_exit: false,
        }
    }
}

/// What happened in the running app that a window shows.
#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    /// A sync's progress.
    SyncProgressed(SyncProgressView),
    /// An organisation's books changed (a sync ended, a payment settled).
    LedgerChanged { tenant_id: String },
}

/// The running app: its context, its sync service (desktop only) and the
/// demo's simulator. Dereferences to the [`AppContext`] every operation takes.
#[derive(Debug)]
pub struct App {
    ctx: AppContext,
    sync: Option<SyncService>,
    demo: Mutex<Option<DemoServer>>,
    audit_anchor: Arc<dyn AuditAnchor>,
    restore_at_exit: bool,
}

impl Deref for App {
    type Target = AppContext;

    fn deref(&self) -> &AppContext {
        &self.ctx
    }
}

impl App {
    /// Starts a front on `config`. The demo company stands in when asked for
    /// and no Xero app is configured; failing to start it is logged, never
    /// fatal (the owner can still set up their own app).
    pub async fn start(mut config: AppConfig, options: StartOptions) -> Result<App, ApiError> {
        let mut xero = options.xero;
        let demo = if options.demo {
            match start_demo_if_unconfigured(&mut config).await {
                Ok(demo) => demo,
                Err(err) => {
                    tracing::warn!(message = %err.message, "the demo company is not available");
                    None
                }
            }
        } else {
            None
        };
        if let Some(server) = &demo {
            xero.options = server.xero_options();
        }
        let audit_anchor = Arc::clone(&xero.audit_anchor);
        let ctx = AppContext::open_with(config, xero).await?;
        if let Err(err) = crate::ops::demo::forget_earlier_demo_sign_ins(&ctx).await {
            tracing::warn!(message = %err.message, "the demo's earlier sign-ins could not be forgotten");
        }
        let sync = if options.scheduler {
            let service = SyncService::start(
                &ctx,
                ctx.xero().clone(),
                ledgerkeep_xero::Timekeeping::real(),
                crate::ops::data_settings::scheduler_config(&ctx).await?,
                Arc::new(DesktopNotifier::default()),
            )
            .await?;
            spawn_close_reminders(ctx.clone());
            Some(service)
        } else {
            None
        };
        Ok(App {
            ctx,
            sync,
            demo: Mutex::new(demo),
            audit_anchor,
            restore_at_exit: options.restore_at_exit,
        })
    }

    pub fn context(&self) -> &AppContext {
        &self.ctx
    }

    /// The sync service, where this front runs one (the desktop).
    pub fn sync(&self) -> Result<&SyncService, ApiError> {
        self.sync
            .as_ref()
            .ok_or_else(|| ApiError::internal("Syncing is not running in this window."))
    }

    /// Stops the tenant's running sync at its next safe point; with no sync
    /// service nothing runs, and nothing is cancelled.
    pub fn cancel_sync(&self, req: CancelSyncRequest) -> CancelSyncView {
        match &self.sync {
            Some(sync) => crate::ops::sync::cancel_sync(sync, req),
            None => CancelSyncView { cancelled: false },
        }
    }

    /// What a window shows as it happens: each sync's progress, and each
    /// organisation whose books changed. Nothing without a sync service.
    pub fn events(&self) -> Option<AppEvents> {
        let sync = self.sync.as_ref()?;
        Some(AppEvents {
            syncs: sync.subscribe(),
            payments: sync.scheduler().subscribe_payments(),
            attachments: sync.scheduler().subscribe_attachments(),
        })
    }

    /// Takes the front down in order (see the module's note). Each wait is
    /// bounded, so that a call hanging on the network cannot hold the exit.
    pub async fn shutdown(&self) {
        if let Some(sync) = &self.sync {
            if tokio::time::timeout(STOP_WITHIN, sync.shutdown())
                .await
                .is_err()
            {
                tracing::warn!("syncs did not stop within 5 s; closing anyway");
            }
        }
        let paths = self.ctx.paths().clone();
        let now = self.ctx.config().now();
        if tokio::time::timeout(STOP_WITHIN, self.ctx.clone().close())
            .await
            .is_err()
        {
            tracing::warn!("the ledger did not close within 5 s");
        } else if self.restore_at_exit {
            // A restore chosen in Settings runs once the ledger is closed.
            crate::ops::backups::apply_pending_restore(&paths, now, Arc::clone(&self.audit_anchor))
                .await;
        }
        // The demo's simulator ends with the app; waiting on its idle
        // keep-alive connections would only hold the exit.
        *self.demo.lock() = None;
    }
}

/// The running app's events, from its sync service.
#[derive(Debug)]
pub struct AppEvents {
    syncs: broadcast::Receiver<SyncEvent>,
    payments: broadcast::Receiver<ledgerkeep_sync::OutboxReport>,
    /// The attachments job's runs: files kept change what a record shows.
    attachments: broadcast::Receiver<ledgerkeep_sync::attachments::AttachmentsReport>,
}

impl AppEvents {
    /// The next event; `None` once the sync service has stopped. A slow
    /// window that missed some progress is caught up by the next update.
    pub async fn next(&mut self) -> Option<AppEvent> {
        loop {
            tokio::select! {
                event = self.syncs.recv() => match event {
                    Ok(SyncEvent::Finished(report)) => {
                        return Some(AppEvent::LedgerChanged { tenant_id: report.tenant.clone() });
                    }
                    Ok(event) => {
                        if let Some(progress) = progress_event(&event) {
                            return Some(AppEvent::SyncProgressed(progress));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                report = self.payments.recv() => match report {
                    Ok(report) => return Some(AppEvent::LedgerChanged { tenant_id: report.tenant }),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                report = self.attachments.recv() => match report {
                    Ok(r) if r.files_fetched + r.files_repaired > 0 => {
                        return Some(AppEvent::LedgerChanged { tenant_id: r.tenant });
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    }
}

/// Desktop reminders of period closes that are due or overdue: a first look
/// a minute after start, then every hour. The decision (what to remind,
/// once) is [`crate::ops::close::close_reminders`], tested with the time
/// passed in.
fn spawn_close_reminders(ctx: AppContext) {
    const FIRST: Duration = Duration::from_secs(60);
    const EVERY: Duration = Duration::from_secs(3600);
    tokio::spawn(async move {
        let notifier = DesktopNotifier::default();
        tokio::time::sleep(FIRST).await;
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            let now = ctx.config().now();
            if let Err(err) = crate::ops::close::send_close_reminders(&ctx, now, &notifier).await {
                tracing::warn!(message = %err.message, "close reminders failed");
            }
        }
    });
}

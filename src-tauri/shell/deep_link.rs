//! `ledgerkeep://` links from the OS: on the first launch, from a second launch
//! (forwarded by single-instance), or while running.

use ledgerkeep_api::{parse_link, Link};
use tauri::{App, AppHandle, Manager, Runtime};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_specta::Event;

use crate::events::{NavigateRequested, SignInFinished};

/// Registers the scheme where the OS needs it at run time, and routes every link.
pub fn install<R: Runtime>(app: &mut App<R>) -> Result<(), Box<dyn std::error::Error>> {
    // Linux (outside an installed .deb) and Windows dev builds learn the scheme at run time.
    #[cfg(any(target_os = "linux", all(debug_assertions, windows)))]
    if let Err(err) = app.deep_link().register_all() {
        tracing::warn!(error = %err, "could not register the ledgerkeep:// scheme");
    }
    let handle = app.handle().clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            route(&handle, url.as_str());
        }
    });
    if let Some(urls) = app.deep_link().get_current()? {
        for url in urls {
            route(app.handle(), url.as_str());
        }
    }
    Ok(())
}

/// Acts on one link. Unknown links are logged (without their query) and dropped.
pub fn route<R: Runtime>(app: &AppHandle<R>, text: &str) {
    match parse_link(text) {
        Ok(Link::Open(screen)) => {
            focus_main_window(app);
            if let Err(err) = (NavigateRequested { screen }).emit(app) {
                tracing::warn!(error = %err, "could not forward a link to the window");
            }
        }
        Ok(Link::OAuthCallback { query }) => {
            focus_main_window(app);
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let ctx = app.state::<ledgerkeep_api::App>().context().clone();
                let request = ledgerkeep_api::ops::xero_connection::CompleteSignInRequest { query };
                let finished =
                    match ledgerkeep_api::ops::xero_connection::complete_sign_in(&ctx, request)
                        .await
                    {
                        Ok(connected) => SignInFinished {
                            connected: Some(connected),
                            error: None,
                        },
                        Err(error) => SignInFinished {
                            connected: None,
                            error: Some(error),
                        },
                    };
                if let Err(err) = finished.emit(&app) {
                    tracing::warn!(error = %err, "could not tell the window a sign-in finished");
                }
            });
        }
        Err(_) => {
            let scheme_and_path = text.split('?').next().unwrap_or_default();
            tracing::warn!(link = scheme_and_path, "ignored an unknown link");
        }
    }
}

/// Brings the main window to the front (a second launch, a link).
pub fn focus_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

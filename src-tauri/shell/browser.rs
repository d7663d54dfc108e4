//! Opens addresses in the owner's own browser, never in a webview: a sign-in
//! page must be one the owner's browser, with its address bar, shows.

use tauri::{AppHandle, Runtime};
use tauri_plugin_opener::OpenerExt;

pub fn open<R: Runtime>(app: &AppHandle<R>, url: &str) -> Result<(), String> {
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| e.to_string())
}

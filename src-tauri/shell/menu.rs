//! The window's menu. Each item maps to one [`MenuAction`]; the mapping is a
//! plain function so that it is tested without a window.

use ledgerkeep_api::Screen;
use tauri::menu::{MenuBuilder, MenuItemBuilder, SubmenuBuilder};
use tauri::{App, AppHandle, Runtime};
use tauri_specta::Event;

use crate::events::{NavigateRequested, UpdateCheckRequested};

const CHECK_FOR_UPDATES: &str = "check-for-updates";
const SETTINGS: &str = "settings";
const DIAGNOSTICS: &str = "diagnostics";
const QUIT: &str = "quit";

/// What a menu item does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuAction {
    /// Show Settings → Updates and check now.
    CheckForUpdates,
    Open(Screen),
    /// Ends the app the way closing its window does (syncs stop, the ledger closes).
    Quit,
}

/// The action behind a menu item's id; `None` for an id this menu never made.
pub fn action_for(id: &str) -> Option<MenuAction> {
    match id {
        CHECK_FOR_UPDATES => Some(MenuAction::CheckForUpdates),
        SETTINGS => Some(MenuAction::Open(Screen::Settings)),
        DIAGNOSTICS => Some(MenuAction::Open(Screen::Diagnostics)),
        QUIT => Some(MenuAction::Quit),
        _ => None,
    }
}

/// Builds the menu and routes its clicks.
pub fn install<R: Runtime>(app: &mut App<R>) -> tauri::Result<()> {
    let app_menu = SubmenuBuilder::new(app, "Ledgerkeep")
        .item(&MenuItemBuilder::with_id(CHECK_FOR_UPDATES, "Check for Updates…").build(app)?)
        .item(&MenuItemBuilder::with_id(SETTINGS, "Settings").build(app)?)
        .separator()
        .item(
            &MenuItemBuilder::with_id(QUIT, "Quit Ledgerkeep")
                .accelerator("CmdOrCtrl+Q")
                .build(app)?,
        )
        .build()?;
    let help = SubmenuBuilder::new(app, "Help")
        .item(&MenuItemBuilder::with_id(DIAGNOSTICS, "Diagnostics and Support Bundle").build(app)?)
        .item(&MenuItemBuilder::with_id(CHECK_FOR_UPDATES, "Check for Updates…").build(app)?)
        .build()?;
    let menu = MenuBuilder::new(app).items(&[&app_menu, &help]).build()?;
    app.set_menu(menu)?;
    app.on_menu_event(|app, event| {
        if let Some(action) = action_for(event.id().as_ref()) {
            perform(app, action);
        }
    });
    Ok(())
}

fn perform<R: Runtime>(app: &AppHandle<R>, action: MenuAction) {
    let sent = match action {
        MenuAction::CheckForUpdates => UpdateCheckRequested.emit(app),
        MenuAction::Open(screen) => NavigateRequested { screen }.emit(app),
        MenuAction::Quit => {
            app.exit(0);
            Ok(())
        }
    };
    if let Err(err) = sent {
        tracing::warn!(error = %err, ?action, "could not pass a menu choice to the window");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_item_maps_to_its_action_and_nothing_else_does() {
        assert_eq!(
            action_for("check-for-updates"),
            Some(MenuAction::CheckForUpdates)
        );
        assert_eq!(
            action_for("settings"),
            Some(MenuAction::Open(Screen::Settings))
        );
        assert_eq!(
            action_for("diagnostics"),
            Some(MenuAction::Open(Screen::Diagnostics))
        );
        assert_eq!(action_for("quit"), Some(MenuAction::Quit));
        assert_eq!(action_for(""), None);
        assert_eq!(action_for("Check for Updates…"), None);
    }
}

//! Who made a change to the ledger: every audit row names one.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The author of a change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Actor {
    /// A sync run, by its id in the sync-run log.
    Sync { run_id: String },
    /// The owner, through a named action in the desktop UI.
    User { action: String },
    /// The command-line front, by its command.
    Cli { command: String },
}

impl Actor {
    pub fn sync(run_id: impl Into<String>) -> Self {
        Actor::Sync {
            run_id: run_id.into(),
        }
    }

    pub fn user(action: impl Into<String>) -> Self {
        Actor::User {
            action: action.into(),
        }
    }

    pub fn cli(command: impl Into<String>) -> Self {
        Actor::Cli {
            command: command.into(),
        }
    }
}

/// `sync:<run id>`, `user:<action>`, `cli:<command>`: the form stored in the
/// audit trail and covered by its hash.
impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Sync { run_id } => write!(f, "sync:{run_id}"),
            Actor::User { action } => write!(f, "user:{action}"),
            Actor::Cli { command } => write!(f, "cli:{command}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_actor_has_a_distinct_stored_form() {
        assert_eq!(Actor::sync("run-7").to_string(), "sync:run-7");
        assert_eq!(Actor::user("edit-sop").to_string(), "user:edit-sop");
        assert_eq!(Actor::cli("restore").to_string(), "cli:restore");
        assert_ne!(Actor::sync("x").to_string(), Actor::cli("x").to_string());
    }
}

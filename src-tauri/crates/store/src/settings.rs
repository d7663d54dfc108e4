//! The app's own settings: one JSON text per key.

use crate::{LedgerStore, StoreError};

impl LedgerStore {
    /// Every setting, by key.
    pub async fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT key, value FROM settings ORDER BY key")
                .fetch_all(self.pool())
                .await?,
        )
    }

    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
                .bind(key)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        )
        .bind(key)
        .bind(value)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::LedgerStore;

    #[tokio::test]
    async fn settings_are_written_replaced_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let store = LedgerStore::open(&dir.path().join("l.sqlite"))
            .await
            .unwrap();
        assert_eq!(store.setting("log_level").await.unwrap(), None);
        store.set_setting("log_level", "\"debug\"").await.unwrap();
        store.set_setting("log_level", "\"warn\"").await.unwrap();
        store.set_setting("a", "1").await.unwrap();
        assert_eq!(
            store.setting("log_level").await.unwrap().as_deref(),
            Some("\"warn\"")
        );
        assert_eq!(
            store.settings().await.unwrap(),
            vec![
                ("a".into(), "1".into()),
                ("log_level".into(), "\"warn\"".into())
            ]
        );
    }
}

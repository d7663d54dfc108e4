//! The token store against the real OS keyring (Secret Service).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ledgerkeep_xero::{StoredConnection, TokenSet, TokenStore};
use secrecy::ExposeSecret;

fn sample(id: &str) -> StoredConnection {
    StoredConnection {
        id: id.to_owned(),
        tokens: TokenSet::new(
            format!("access-{}", uuid_like()),
            format!("refresh-{}", uuid_like()),
            1,
            2,
            "openid offline_access".into(),
        ),
        organisations: vec![],
        kept: vec![],
        client_id: Some("CLIENT".into()),
    }
}

fn uuid_like() -> String {
    format!("{:x}", rand_u64())
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    u64::from_le_bytes(b)
}

#[test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service: run by `make test`"]
fn a_connection_round_trips_through_the_keyring_and_is_deleted() {
    let store = common::keyring_store();
    let c = sample("conn-1");
    store.save(&c).unwrap();
    assert_eq!(store.list().unwrap(), vec!["conn-1".to_owned()]);
    let back = store.load("conn-1").unwrap().unwrap();
    assert_eq!(
        back.tokens.refresh_token.expose_secret(),
        c.tokens.refresh_token.expose_secret()
    );
    // Seen through the keyring crate directly: one entry, under the service.
    let raw = keyring::Entry::new(store.service(), "connection:conn-1")
        .unwrap()
        .get_password()
        .unwrap();
    assert!(raw.contains(c.tokens.access_token.expose_secret()));
    store.delete("conn-1").unwrap();
    assert!(store.load("conn-1").unwrap().is_none());
    assert!(store.list().unwrap().is_empty());
}

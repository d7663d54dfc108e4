//! `docs/oauth-bounce.html`: it forwards only the query string to the deep
//! link, and its Content-Security-Policy allows exactly its own script.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use sha2::{Digest, Sha256};

fn page() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../docs/oauth-bounce.html"
    );
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn the_csp_hash_matches_the_inline_script() {
    let page = page();
    let start = page.find("<script>").unwrap() + "<script>".len();
    let end = page.find("</script>").unwrap();
    let script = &page[start..end];
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
    assert!(
        page.contains(&format!("script-src 'sha256-{hash}'")),
        "recompute the CSP hash: {hash}"
    );
    let script_src = page
        .split("script-src")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    assert!(!script_src.contains("unsafe-inline"), "{script_src}");
    assert_eq!(
        page.matches("<script").count(),
        1,
        "one inline script, no external ones"
    );
}

#[test]
fn it_forwards_only_the_query_to_the_callback_link() {
    let page = page();
    assert!(page.contains("\"ledgerkeep://oauth/callback\" + "));
    assert!(page.contains("window.location.search"));
    assert!(
        !page.contains("location.hash"),
        "the fragment must not be forwarded"
    );
    assert!(page.contains("name=\"referrer\" content=\"no-referrer\""));
}

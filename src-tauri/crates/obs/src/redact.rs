//! Secrets never reach a log, a crash report or a support bundle.
//!
//! Two defences, both always on:
//! 1. Types. A token, code, verifier or state is held in a [`SecretString`]
//!    (from the `secrecy` crate): its `Debug` prints `[REDACTED]`, it has no
//!    `Display`, and `expose_secret()` is the one way out, used only where an
//!    HTTP request needs the value.
//! 2. Scrubbing. Every log line, crash report and bundled file passes through
//!    [`scrub`], which blanks the values of secret-looking fields and query
//!    parameters, bearer tokens and JWTs, and every value registered with
//!    [`register_secret`] (the token store registers each token it holds).

use std::borrow::Cow;
use std::sync::LazyLock;

use parking_lot::RwLock;
use regex::Regex;
pub use secrecy::{ExposeSecret, SecretString};

/// What a scrubbed value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Values shorter than this are not registered: scrubbing them would blank
/// ordinary words.
const MIN_REGISTERED_LEN: usize = 8;

static REGISTERED: LazyLock<RwLock<Vec<String>>> = LazyLock::new(|| RwLock::new(Vec::new()));

struct Pattern {
    regex: Regex,
    replacement: &'static str,
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    // Field names whose values are always secret.
    let token_names = "access_token|refresh_token|id_token|code_verifier|code_challenge|\
                       client_secret|client_assertion|password|passphrase|api_key|apikey";
    // Parameter names that are secret as `name=value` in a query string or a
    // form body (as JSON fields these names are ordinary: `"state":"running"`).
    let param_names = "code|state|token|session_state|nonce|assertion|id_token_hint";
    [
        // key=value anywhere, for the names that are always secret
        (
            format!(r"(?i)(\b(?:{token_names}))=[^&\s\x22'<>]+"),
            "${1}=<redacted>",
        ),
        // the authorisation code, the state and their kin: at the very start of
        // the text or of a line, or after `?`, `&`, `#`, `;`, `,`, a space, a
        // quote or a bracket (a query string on its own, a form body, a URL)
        (
            format!(r#"(?im)(^|[?&#;,\s"'(\[{{])((?:{param_names}))=[^&\s\x22'<>]+"#),
            "${1}${2}=<redacted>",
        ),
        // "key": "value" in JSON (also with escaped quotes inside a JSON string)
        (
            format!(r#"(?i)(\\?"(?:{token_names})\\?"\s*:\s*\\?")[^"\\]*"#),
            "${1}<redacted>",
        ),
        (
            r"(?i)\bbearer\s+[A-Za-z0-9\-._~+/]+=*".to_owned(),
            "Bearer <redacted>",
        ),
        (
            r"eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*".to_owned(),
            "<redacted>",
        ),
    ]
    .into_iter()
    .filter_map(|(pattern, replacement)| match Regex::new(&pattern) {
        Ok(regex) => Some(Pattern { regex, replacement }),
        Err(err) => {
            // Unreachable with the literals above; a test compiles every one.
            tracing::error!(%err, "a redaction pattern did not compile");
            None
        }
    })
    .collect()
});

/// Makes `value` one that [`scrub`] always blanks, until [`forget_secret`].
pub fn register_secret(value: &str) {
    if value.len() < MIN_REGISTERED_LEN {
        return;
    }
    let mut registered = REGISTERED.write();
    if !registered.iter().any(|v| v == value) {
        registered.push(value.to_owned());
    }
}

/// Stops scrubbing `value` by itself (the patterns still apply).
pub fn forget_secret(value: &str) {
    REGISTERED.write().retain(|v| v != value);
}

/// Whether `value` is on the list [`scrub`] blanks by value.
pub fn is_registered(value: &str) -> bool {
    REGISTERED.read().iter().any(|v| v == value)
}

/// `text` with every secret blanked.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for value in REGISTERED.read().iter() {
        if out.contains(value.as_str()) {
            out = Cow::Owned(out.replace(value.as_str(), REDACTED));
        }
    }
    for pattern in PATTERNS.iter() {
        if let Cow::Owned(replaced) = pattern.regex.replace_all(&out, pattern.replacement) {
            out = Cow::Owned(replaced);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        assert_eq!(PATTERNS.len(), 5);
    }

    #[test]
    fn query_parameters_lose_their_values() {
        let s = scrub("GET /callback?code=abc123XYZ&state=s0m3st4te&scope=openid");
        assert_eq!(
            s,
            "GET /callback?code=<redacted>&state=<redacted>&scope=openid"
        );
    }

    #[test]
    fn json_fields_lose_their_values() {
        let s = scrub(r#"{"access_token":"at-999","expires_in":1800,"refresh_token": "rt-888"}"#);
        assert!(!s.contains("at-999") && !s.contains("rt-888"), "{s}");
        assert!(s.contains(r#""expires_in":1800"#), "{s}");
        // A JSON body inside a JSON log line has escaped quotes.
        let s = scrub(r#"{"message":"body {\"refresh_token\":\"rt-777\"}"}"#);
        assert!(!s.contains("rt-777"), "{s}");
    }

    #[test]
    fn bearer_tokens_and_jwts_are_blanked() {
        let s = scrub("Authorization: Bearer abc.def-ghi");
        assert_eq!(s, "Authorization: Bearer <redacted>");
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.c2lnbmF0dXJl";
        assert_eq!(scrub(&format!("token {jwt} end")), "token <redacted> end");
    }

    #[test]
    fn registered_values_are_blanked_anywhere() {
        register_secret("Zq9-unique-secret-value");
        let s = scrub("failed with Zq9-unique-secret-value in the middle");
        assert_eq!(s, "failed with <redacted> in the middle");
        forget_secret("Zq9-unique-secret-value");
        assert!(scrub("Zq9-unique-secret-value").contains("Zq9"));
    }

    #[test]
    fn a_form_body_loses_code_and_verifier() {
        let s =
            scrub("grant_type=authorization_code&code=c0de&code_verifier=v3r1f13r&redirect_uri=x");
        assert_eq!(
            s,
            "grant_type=authorization_code&code=<redacted>&code_verifier=<redacted>&redirect_uri=x"
        );
    }

    #[test]
    fn a_query_string_on_its_own_loses_code_and_state() {
        assert_eq!(
            scrub("code=c0de-1234&state=st4te-5678&scope=openid"),
            "code=<redacted>&state=<redacted>&scope=openid"
        );
        assert_eq!(scrub("state=st4te-5678"), "state=<redacted>");
        assert_eq!(
            scrub("first line\ncode=c0de-1234"),
            "first line\ncode=<redacted>"
        );
        assert_eq!(
            scrub("callback query code=c0de-1234 arrived"),
            "callback query code=<redacted> arrived"
        );
        let json = r#"{"message":"deep link","query":"code=c0de-1234&state=st4te-5678"}"#;
        let s = scrub(json);
        assert!(!s.contains("c0de-1234") && !s.contains("st4te-5678"), "{s}");
        assert!(
            s.contains(r#""query":"code=<redacted>&state=<redacted>""#),
            "{s}"
        );
    }

    #[test]
    fn kin_parameters_of_the_sign_in_lose_their_values() {
        for name in [
            "code_verifier",
            "session_state",
            "nonce",
            "client_assertion",
            "id_token_hint",
            "code_challenge",
            "api_key",
        ] {
            let text = format!("{name}=s3cr3t-value-99&next=1");
            assert_eq!(scrub(&text), format!("{name}=<redacted>&next=1"), "{name}");
            let text = format!("x?{name}=s3cr3t-value-99");
            assert_eq!(scrub(&text), format!("x?{name}=<redacted>"), "{name}");
        }
    }

    #[test]
    fn words_that_end_in_a_parameter_name_are_not_blanked() {
        // `errorcode=` and `barcode=` are not `code=`.
        let text = "barcode=123456&errorcode=E42&mystate=ok";
        assert_eq!(scrub(text), text);
    }

    #[test]
    fn ordinary_fields_named_state_or_code_survive_in_json() {
        let line = r#"{"fields":{"state":"running","code":"storage"}}"#;
        assert_eq!(scrub(line), line);
    }

    #[test]
    fn ordinary_text_is_untouched_and_borrowed() {
        let text = "synced 120 invoices for tenant 6f1c in 2.1 s";
        assert!(matches!(scrub(text), Cow::Borrowed(_)));
    }

    #[test]
    fn a_secret_string_never_prints() {
        let s = SecretString::from("hunter2-token");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose_secret(), "hunter2-token");
    }
}

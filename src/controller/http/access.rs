//! Who may trigger `POST /reconcile`: free on loopback, a bearer admin token elsewhere.
//! Decides only; it never logs or echoes a token.

use std::net::SocketAddr;

use sha2::{Digest, Sha256};

/// Why a reconcile request was refused; each maps to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("a bearer token is required: send Authorization: Bearer <admin token>")]
    MissingToken,
    #[error("the bearer token is not the admin token")]
    WrongToken,
    #[error(
        "POST /reconcile is disabled on a non-loopback address without an admin token: \
         set RAILWAY_OPERATOR_ADMIN_TOKEN"
    )]
    NoAdminToken,
}

impl Denied {
    pub fn http_status(self) -> u16 {
        match self {
            Denied::MissingToken | Denied::WrongToken => 401,
            Denied::NoAdminToken => 403,
        }
    }
}

/// `presented` is the bearer token from the request, if any. An empty admin token counts as
/// none, so an empty bearer can never unlock a public listener.
pub fn reconcile_allowed(
    listen: SocketAddr,
    admin_token: Option<&str>,
    presented: Option<&str>,
) -> Result<(), Denied> {
    if listen.ip().to_canonical().is_loopback() {
        return Ok(());
    }
    let Some(expected) = admin_token.filter(|token| !token.is_empty()) else {
        return Err(Denied::NoAdminToken);
    };
    let Some(presented) = presented else {
        return Err(Denied::MissingToken);
    };
    if tokens_match(expected, presented) {
        Ok(())
    } else {
        Err(Denied::WrongToken)
    }
}

/// Compares fixed-size digests with no early exit, so timing reveals neither a matching
/// prefix nor the token's length.
fn tokens_match(expected: &str, presented: &str) -> bool {
    let expected = Sha256::digest(expected.as_bytes());
    let presented = Sha256::digest(presented.as_bytes());
    let difference = expected
        .iter()
        .zip(presented.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    std::hint::black_box(difference) == 0
}

/// The token from `Authorization: Bearer <token>`, scheme matched case-insensitively.
pub(super) fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let (scheme, token) = authorization?.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_tokens_match_and_different_ones_do_not() {
        assert!(tokens_match("secret", "secret"));
        assert!(!tokens_match("secret", "secreT"));
        assert!(!tokens_match("secret", "secret-longer"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_other_schemes_are_ignored() {
        assert_eq!(bearer_token(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(Some("Basic abc")), None);
        assert_eq!(bearer_token(Some("Bearer ")), None);
        assert_eq!(bearer_token(None), None);
    }
}

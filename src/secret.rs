//! The one type that holds a secret value. Its Debug, Display and Serialize never show the value;
//! equality compares values in memory; `fingerprint` lets two values be compared without either
//! being printed, and `salted_digest` condenses every secret inside a value into one salted
//! digest (saved plans). Reading the value takes an explicit `expose()`, done only where it is
//! sent to Railway or compared.

use std::cell::RefCell;
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// Where a secret came from: shown to users instead of the value.
#[derive(Clone, PartialEq, Eq, Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub enum SecretOrigin {
    /// `{ fromEnv: NAME }`
    Env(String),
    /// `{ fromFile: PATH }`
    File(PathBuf),
    /// `{ generate: N }`, created by the operator.
    Generated,
    /// A value decrypted from a SOPS-encrypted manifest.
    Sops,
    /// A value read from Railway.
    Live,
}

impl fmt::Display for SecretOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretOrigin::Env(name) => write!(f, "fromEnv {name}"),
            SecretOrigin::File(path) => write!(f, "fromFile {}", path.display()),
            SecretOrigin::Generated => f.write_str("generated"),
            SecretOrigin::Sops => f.write_str("sops"),
            SecretOrigin::Live => f.write_str("live value"),
        }
    }
}

#[derive(Clone)]
pub struct Secret {
    origin: SecretOrigin,
    value: String,
}

impl Secret {
    pub fn new(origin: SecretOrigin, value: impl Into<String>) -> Self {
        Secret {
            origin,
            value: value.into(),
        }
    }

    pub fn origin(&self) -> &SecretOrigin {
        &self.origin
    }

    /// The clear value, for sending to Railway or comparing. Never format it.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// A short, non-reversible digest of the value, safe to show or store.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::digest(self.value.as_bytes());
        hex::encode(&digest[..6])
    }

    pub fn len(&self) -> usize {
        self.value.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

/// Equal when the values are equal, wherever they came from.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}, <redacted>)", self.origin)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive)")
    }
}

thread_local! {
    /// Set only inside [`salted_digest`]: every secret serialized meanwhile feeds it.
    static DIGESTING: RefCell<Option<Sha256>> = const { RefCell::new(None) };
}

/// One salted SHA-256 digest (hex) over the values of every [`Secret`] inside `value`, in the
/// order serialization meets them: equal exactly when every secret resolves to the same value.
/// The values themselves are never written anywhere; the salt keeps the digest from being
/// looked up in a table of common values.
pub fn salted_digest<T: Serialize>(value: &T, salt: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    DIGESTING.with(|state| *state.borrow_mut() = Some(hasher));
    // The JSON is thrown away: serializing is only the walk that finds every secret.
    let _ = serde_json::to_vec(value);
    let hasher = DIGESTING
        .with(|state| state.borrow_mut().take())
        .unwrap_or_default();
    hex::encode(hasher.finalize())
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        DIGESTING.with(|state| {
            if let Some(hasher) = state.borrow_mut().as_mut() {
                // Length first, so that two values can never run together into the same input.
                hasher.update((self.value.len() as u64).to_le_bytes());
                hasher.update(self.value.as_bytes());
            }
        });
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Secret", 2)?;
        s.serialize_field("sensitive", &true)?;
        s.serialize_field("origin", &self.origin.to_string())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_formatting_of_a_secret_shows_its_value() {
        let secret = Secret::new(SecretOrigin::Env("KEY".into()), "canary-value-123");
        for shown in [
            format!("{secret}"),
            format!("{secret:?}"),
            format!("{secret:#?}"),
            serde_json::to_string(&secret).unwrap_or_default(),
            secret.fingerprint(),
        ] {
            assert!(!shown.contains("canary"), "{shown}");
        }
        assert_eq!(secret.expose(), "canary-value-123");
    }

    #[test]
    fn the_salted_digest_changes_with_any_secret_value_and_never_shows_one() {
        let of = |a: &str, b: &str| {
            let values = vec![
                Secret::new(SecretOrigin::Env("A".into()), a),
                Secret::new(SecretOrigin::Env("B".into()), b),
            ];
            salted_digest(&values, b"salt")
        };
        assert_eq!(of("canary-1", "x"), of("canary-1", "x"));
        assert_ne!(of("canary-1", "x"), of("canary-2", "x"));
        assert_ne!(of("ab", "c"), of("a", "bc"), "values never run together");
        assert!(!of("canary-1", "x").contains("canary"));
        let plain = Secret::new(SecretOrigin::Env("A".into()), "canary-1");
        assert!(
            !serde_json::to_string(&plain)
                .unwrap_or_default()
                .contains("canary")
        );
    }

    #[test]
    fn secrets_compare_by_value_not_origin() {
        let a = Secret::new(SecretOrigin::Env("A".into()), "same");
        let b = Secret::new(SecretOrigin::Live, "same");
        assert_eq!(a, b);
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a, Secret::new(SecretOrigin::Live, "other"));
    }
}

//! The one type that holds a secret value. Its Debug, Display and Serialize never show the value;
//! equality compares values in memory; `fingerprint` lets two values be compared without either
//! being printed. Reading the value takes an explicit `expose()`, done only where it is sent to
//! Railway or compared.

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
    /// A value read from Railway.
    Live,
}

impl fmt::Display for SecretOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretOrigin::Env(name) => write!(f, "fromEnv {name}"),
            SecretOrigin::File(path) => write!(f, "fromFile {}", path.display()),
            SecretOrigin::Generated => f.write_str("generated"),
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

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
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
    fn secrets_compare_by_value_not_origin() {
        let a = Secret::new(SecretOrigin::Env("A".into()), "same");
        let b = Secret::new(SecretOrigin::Live, "same");
        assert_eq!(a, b);
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a, Secret::new(SecretOrigin::Live, "other"));
    }
}

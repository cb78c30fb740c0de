//! Seals a YAML document in SOPS's format for `import --encrypt-to`: a fresh data key sealed to
//! each age recipient, the values the rule selects encrypted at their path, the MAC over every
//! value, and the `sops:` block; `sops decrypt` opens the result. Only variable values may be
//! sealed, so that the manifest stays readable and loads back.

use serde_yaml::{Mapping, Value};
use sha2::{Digest, Sha512};

use super::SECRET_SECTIONS;
use super::cipher::{self, Kind};
use super::keys;
use super::rule::Rule;

/// The version sops writes into files; this writer follows its format.
const SOPS_VERSION: &str = "3.11.0";

/// How to seal: `age1...` recipients and one rule field (`encrypted_regex` and its value, ...).
#[derive(Debug, Clone)]
pub struct Sealing {
    pub recipients: Vec<String>,
    pub rule_field: String,
    pub rule_value: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("`{0}` is not an age recipient (age1...)")]
    Recipient(String),
    #[error("no age recipient to encrypt to")]
    NoRecipient,
    #[error(
        "the SOPS rule `{0}` cannot be used (supported: encrypted_regex, encrypted_suffix, unencrypted_regex, unencrypted_suffix)"
    )]
    Rule(String),
    #[error(
        "the SOPS rule encrypts `{0}`: only variable values may be encrypted, names and settings stay readable"
    )]
    OutsideVariables(String),
    #[error("a value could not be encrypted")]
    Cipher,
}

/// `document` with the values `sealing`'s rule selects encrypted and a `sops:` block appended.
///
/// # Errors
/// A recipient or rule that cannot be used, or a rule reaching beyond variable values.
pub fn seal_document(document: &Value, sealing: &Sealing) -> Result<Value, SealError> {
    let rule = Rule::from_field(&sealing.rule_field, &sealing.rule_value)
        .ok_or_else(|| SealError::Rule(sealing.rule_field.clone()))?;
    let recipients = sealing
        .recipients
        .iter()
        .map(|r| {
            keys::recipient(r)
                .map(|k| (r.trim(), k))
                .ok_or_else(|| SealError::Recipient(r.clone()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if recipients.is_empty() {
        return Err(SealError::NoRecipient);
    }
    let mut data_key = [0u8; keys::DATA_KEY_BYTES];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut data_key);
    let mut sealer = Sealer {
        rule: &rule,
        key: &data_key,
        hasher: Sha512::new(),
    };
    let mut sealed = document.clone();
    sealer.value(&mut sealed, &mut Vec::new())?;
    let lastmodified = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mac = hex::encode_upper(sealer.hasher.finalize());
    let mac =
        cipher::encrypt(&mac, Kind::Str, &data_key, &lastmodified).ok_or(SealError::Cipher)?;
    let mut age = Vec::new();
    for (text, recipient) in recipients {
        let enc = keys::seal_data_key(&data_key, &recipient).ok_or(SealError::Cipher)?;
        let mut stanza = Mapping::new();
        stanza.insert("recipient".into(), text.into());
        stanza.insert("enc".into(), enc.into());
        age.push(Value::Mapping(stanza));
    }
    let mut block = Mapping::new();
    block.insert("age".into(), Value::Sequence(age));
    block.insert("lastmodified".into(), lastmodified.into());
    block.insert("mac".into(), mac.into());
    if let Some((field, value)) = rule.field() {
        block.insert(field.into(), value.into());
    }
    block.insert("version".into(), SOPS_VERSION.into());
    if let Value::Mapping(root) = &mut sealed {
        root.insert("sops".into(), Value::Mapping(block));
    }
    Ok(sealed)
}

struct Sealer<'a> {
    rule: &'a Rule,
    key: &'a [u8],
    hasher: Sha512,
}

impl Sealer<'_> {
    fn value(&mut self, value: &mut Value, path: &mut Vec<String>) -> Result<(), SealError> {
        let (text, kind) = match value {
            Value::Mapping(entries) => {
                for (key, item) in entries.iter_mut() {
                    path.push(key.as_str().unwrap_or_default().to_string());
                    self.value(item, path)?;
                    path.pop();
                }
                return Ok(());
            }
            Value::Sequence(items) => {
                for item in items {
                    self.value(item, path)?;
                }
                return Ok(());
            }
            Value::Null | Value::Tagged(_) => return Ok(()),
            Value::String(s) => (s.clone(), Kind::Str),
            Value::Bool(b) => (b.to_string(), Kind::Bool),
            Value::Number(n) if n.is_f64() => (n.to_string(), Kind::Float),
            Value::Number(n) => (n.to_string(), Kind::Int),
        };
        self.hasher
            .update(cipher::mac_bytes(&text, kind).as_bytes());
        if self.rule.encrypts(path) {
            if !path.iter().any(|k| SECRET_SECTIONS.contains(&k.as_str())) {
                return Err(SealError::OutsideVariables(path.join(".")));
            }
            let aad = path.join(":") + ":";
            *value = Value::String(
                cipher::encrypt(&text, kind, self.key, &aad).ok_or(SealError::Cipher)?,
            );
        }
        Ok(())
    }
}

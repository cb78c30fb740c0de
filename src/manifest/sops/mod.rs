//! SOPS-encrypted manifests (age keys): finds the `sops:` block, opens the data key with the
//! operator's age identities, decrypts every sealed value in the parsed tree (so positions stay
//! those of the file as written), checks the file's MAC, and says which values came from
//! ciphertext. Also seals a document for `import --encrypt-to`. Never runs the `sops` binary and
//! never puts a decrypted value or a key in a message.

mod cipher;
mod keys;
mod metadata;
mod rule;
mod seal;

use std::collections::HashSet;

use sha2::{Digest, Sha512};

use super::diagnostics::{Position, Sink};
use super::yaml_tree::{Node, Value};
use cipher::{Kind, ValueError};
pub use keys::{KEY_FILE_VARIABLE, KEY_VARIABLE};
use metadata::Metadata;
pub use seal::{SealError, Sealing, seal_document};

/// What a missing secret is: `Required` for plan, apply and run; `Optional` for `validate`, where
/// an unset `fromEnv` or a missing age key is a warning and sealed values are checked for shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Secrets {
    #[default]
    Required,
    Optional,
}

/// SOPS's MAC with `mac_only_encrypted: true` starts from these bytes (sops.go).
const MAC_ONLY_ENCRYPTED_INIT: [u8; 32] = [
    0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b,
    0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
];
/// The only places a manifest may hold ciphertext: values below these keys.
const SECRET_SECTIONS: &[&str] = &["variables", "sharedVariables"];
const KEY_HINT: &str = "set SOPS_AGE_KEY (the key itself) or SOPS_AGE_KEY_FILE (a file of keys), or pass --age-key-file";

/// `root` without its `sops:` block and with every sealed value in clear, plus the positions of
/// the values that came from ciphertext. A file without `sops:` comes back as it is.
pub struct Opened {
    pub root: Node,
    pub sealed: HashSet<Position>,
}

/// Opens `root` when it is a SOPS file; `None` when it cannot be (the reasons are in `sink`).
pub fn open(
    mut root: Node,
    env: &dyn Fn(&str) -> Option<String>,
    secrets: Secrets,
    sink: &mut Sink,
) -> Option<Opened> {
    let Value::Mapping(entries) = &mut root.value else {
        return Some(Opened {
            root,
            sealed: HashSet::new(),
        });
    };
    let Some(index) = entries.iter().position(|(k, _)| k.name == "sops") else {
        return Some(Opened {
            root,
            sealed: HashSet::new(),
        });
    };
    let (key, block) = entries.remove(index);
    let metadata = match metadata::read(&block, key.at) {
        Ok(metadata) => metadata,
        Err(problem) => {
            sink.error_with_hint(problem.at, problem.message, problem.hint);
            return None;
        }
    };
    let data_key = data_key(&metadata, env, secrets, sink)?;
    let mut walk = Walk::new(&metadata, data_key.as_deref());
    walk.node(&mut root, &mut Vec::new());
    if let Some((at, message, hint)) = walk.problem.take() {
        sink.error_with_hint(at, message, hint);
        return None;
    }
    if let Some(key) = &data_key {
        check_mac(&metadata, key, walk.hasher, sink)?;
    }
    let mut sealed = HashSet::new();
    let mut refused = false;
    for (at, path) in walk.sealed {
        if path.iter().any(|k| SECRET_SECTIONS.contains(&k.as_str())) {
            sealed.insert(at);
        } else {
            refused = true;
            sink.error_with_hint(
                at,
                format!("`{}` is encrypted: only variable values may be encrypted", path.join(".")),
                "names and settings must stay readable: encrypt with `sops encrypt --encrypted-regex '^(variables|sharedVariables)$'`",
            );
        }
    }
    (!refused).then_some(Opened { root, sealed })
}

/// The file's data key; `Ok(None)` when `validate` checks it without a key.
fn data_key(
    metadata: &Metadata,
    env: &dyn Fn(&str) -> Option<String>,
    secrets: Secrets,
    sink: &mut Sink,
) -> Option<Option<Vec<u8>>> {
    let recipients = || {
        metadata
            .age
            .iter()
            .map(|s| s.recipient.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if metadata.age.is_empty() {
        let kinds = metadata.other_keys.join(", ");
        sink.error_with_hint(
            metadata.at,
            format!("the file is encrypted for {kinds} only: this operator opens SOPS files with age keys"),
            "add an age recipient: `sops updatekeys FILE` after adding `age: age1...` to .sops.yaml, or `sops rotate -i --add-age age1... FILE`",
        );
        return None;
    }
    let identities = match keys::identities(env) {
        Ok(identities) => identities,
        Err(keys::KeyError::Missing) if secrets == Secrets::Optional => {
            sink.warning(
                metadata.at,
                format!("the file is SOPS-encrypted and no age key is set: the encrypted values were checked for shape only ({KEY_HINT})"),
            );
            return Some(None);
        }
        Err(keys::KeyError::Missing) => {
            sink.error_with_hint(
                metadata.at,
                format!(
                    "the file is SOPS-encrypted and no age key is set (it is encrypted for {})",
                    recipients()
                ),
                KEY_HINT,
            );
            return None;
        }
        Err(keys::KeyError::Unreadable(message)) => {
            sink.error_with_hint(
                metadata.at,
                format!("cannot read the age key: {message}"),
                KEY_HINT,
            );
            return None;
        }
        Err(keys::KeyError::Invalid(source)) => {
            sink.error_with_hint(
                metadata.at,
                format!("{source} holds something that is not an age key (AGE-SECRET-KEY-1...)"),
                "age-keygen writes a key file; plugin and SSH keys are not supported",
            );
            return None;
        }
    };
    let opened = metadata
        .age
        .iter()
        .find_map(|stanza| keys::open_data_key(&stanza.enc, &identities));
    if opened.is_none() {
        sink.error_with_hint(
            metadata.at,
            format!("none of the age keys set opens the file (it is encrypted for {})", recipients()),
            "set the key of one of these recipients; after rotating keys, run `sops updatekeys FILE`",
        );
        return None;
    }
    Some(opened)
}

fn check_mac(metadata: &Metadata, key: &[u8], hasher: Sha512, sink: &mut Sink) -> Option<()> {
    let computed = hex::encode_upper(hasher.finalize());
    let stored = cipher::decrypt(&metadata.mac, key, &metadata.lastmodified);
    if matches!(&stored, Ok((mac, _)) if *mac == computed) {
        return Some(());
    }
    sink.error_with_hint(
        metadata.at,
        "the file fails its SOPS MAC check: it was changed after it was encrypted (tampered with, or edited without sops)",
        "restore it from Git, or edit it with `sops edit FILE` so the MAC is recomputed",
    );
    None
}

/// One pass over the tree in document order, as sops walks it.
struct Walk<'m> {
    metadata: &'m Metadata,
    key: Option<&'m [u8]>,
    hasher: Sha512,
    sealed: Vec<(Position, Vec<String>)>,
    problem: Option<(Position, String, &'static str)>,
}

impl<'m> Walk<'m> {
    fn new(metadata: &'m Metadata, key: Option<&'m [u8]>) -> Self {
        let mut hasher = Sha512::new();
        if metadata.mac_only_encrypted {
            hasher.update(MAC_ONLY_ENCRYPTED_INIT);
        }
        Walk {
            metadata,
            key,
            hasher,
            sealed: Vec::new(),
            problem: None,
        }
    }

    fn node(&mut self, node: &mut Node, path: &mut Vec<String>) {
        if self.problem.is_some() {
            return;
        }
        let at = node.at;
        let null = node.is_null();
        match &mut node.value {
            Value::Sequence(items) => items.iter_mut().for_each(|item| self.node(item, path)),
            Value::Mapping(entries) => {
                for (key, value) in entries {
                    path.push(key.name.clone());
                    self.node(value, path);
                    path.pop();
                }
            }
            Value::Scalar { .. } if null => {}
            Value::Scalar { text, plain } => {
                if self.metadata.rule.encrypts(path) {
                    self.sealed_leaf(at, text, plain, path);
                } else if !self.metadata.mac_only_encrypted
                    && let Some(kind) = cipher::resolve(text, *plain)
                {
                    self.hasher.update(cipher::mac_bytes(text, kind).as_bytes());
                }
            }
        }
    }

    fn sealed_leaf(&mut self, at: Position, text: &mut String, plain: &mut bool, path: &[String]) {
        if text.is_empty() && !*plain {
            return;
        }
        let place = path.join(".");
        if !cipher::is_sealed(text) {
            self.problem = Some((
                at,
                format!(
                    "`{place}` is in clear although the file's SOPS rule encrypts it: the file was edited without sops"
                ),
                "edit the file with `sops edit FILE`, or restore it from Git",
            ));
            return;
        }
        let opened = match self.key {
            Some(key) => cipher::decrypt(text, key, &(path.join(":") + ":")),
            None => Ok(placeholder(text)),
        };
        match opened {
            Ok((clear, kind)) => {
                if self.key.is_some() {
                    self.hasher
                        .update(cipher::mac_bytes(&clear, kind).as_bytes());
                }
                // As `sops decrypt` writes it: a boolean is `true`/`false` (sops seals `True`).
                *text = match kind {
                    Kind::Bool => (cipher::mac_bytes(&clear, kind) == "True").to_string(),
                    _ => clear,
                };
                *plain = kind != Kind::Str;
                self.sealed.push((at, path.to_vec()));
            }
            Err(error) => {
                let message = match error {
                    ValueError::Authentication => format!(
                        "`{place}` does not decrypt: the file was changed after it was encrypted (tampered with, or moved to another place)"
                    ),
                    ValueError::Malformed => {
                        format!("`{place}` is not a value sops wrote (malformed ENC[...])")
                    }
                    ValueError::UnsupportedType(kind) => format!(
                        "`{place}` is a SOPS value of type `{kind}`, which a manifest cannot hold"
                    ),
                };
                self.problem = Some((
                    at,
                    message,
                    "restore the file from Git, or edit it with `sops edit FILE`",
                ));
            }
        }
    }
}

/// A value of the sealed value's type, for checking a file's shape without its key.
fn placeholder(text: &str) -> (String, Kind) {
    match cipher::sealed_kind(text) {
        Some(Kind::Int) | Some(Kind::Float) => ("0".to_string(), Kind::Int),
        Some(Kind::Bool) => ("false".to_string(), Kind::Bool),
        _ => (String::new(), Kind::Str),
    }
}

/// `env` with `--age-key-file` standing in for `SOPS_AGE_KEY_FILE` when given.
pub fn with_age_key_file<'a>(
    env: &'a dyn Fn(&str) -> Option<String>,
    key_file: Option<&'a std::path::Path>,
) -> impl Fn(&str) -> Option<String> + 'a {
    move |name: &str| match key_file {
        Some(file) if name == KEY_FILE_VARIABLE => Some(file.display().to_string()),
        _ => env(name),
    }
}

#[cfg(test)]
mod tests;

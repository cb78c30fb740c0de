//! The `sops:` block of an encrypted file: its age stanzas, the other key types it names (which
//! this operator cannot use), the rule, `lastmodified`, the sealed MAC and `mac_only_encrypted`.
//! Reads the YAML tree; knows nothing about ciphers.

use super::super::diagnostics::Position;
use super::super::yaml_tree::{Node, Value};
use super::rule::{COMMENT_RULE_FIELDS, RULE_FIELDS, Rule};

/// Key types sops supports besides age, with the name a user knows them by.
const OTHER_KEY_TYPES: &[(&str, &str)] = &[
    ("kms", "AWS KMS"),
    ("gcp_kms", "GCP KMS"),
    ("hckms", "HuaweiCloud KMS"),
    ("azure_kv", "Azure Key Vault"),
    ("hc_vault", "HashiCorp Vault"),
    ("pgp", "PGP"),
];

pub struct AgeStanza {
    pub recipient: String,
    pub enc: String,
}

pub struct Metadata {
    pub at: Position,
    pub age: Vec<AgeStanza>,
    /// Key types present that are not age, e.g. `AWS KMS`.
    pub other_keys: Vec<&'static str>,
    pub lastmodified: String,
    pub mac: String,
    pub rule: Rule,
    pub mac_only_encrypted: bool,
}

/// A problem with the block: where, what, what to do.
pub struct Problem {
    pub at: Position,
    pub message: String,
    pub hint: &'static str,
}

const REENCRYPT: &str = "encrypt the file again with sops (`sops encrypt --age age1... -i FILE`)";

/// Reads `sops:` at `at` (the key's position).
pub fn read(node: &Node, at: Position) -> Result<Metadata, Problem> {
    let problem = |at: Position, message: String| Problem {
        at,
        message,
        hint: REENCRYPT,
    };
    let Value::Mapping(entries) = &node.value else {
        return Err(problem(at, "the `sops` block is not a mapping".to_string()));
    };
    let get = |name: &str| entries.iter().find(|(k, _)| k.name == name).map(|(_, v)| v);
    let text = |name: &str| get(name).and_then(Node::scalar_text).map(str::to_string);
    let (Some(lastmodified), Some(mac)) = (text("lastmodified"), text("mac")) else {
        return Err(problem(
            at,
            "the `sops` block has no `lastmodified` or `mac`: this is not a file sops wrote"
                .to_string(),
        ));
    };
    if let Some(field) = COMMENT_RULE_FIELDS.iter().find(|f| get(f).is_some()) {
        return Err(Problem {
            at,
            message: format!("the SOPS rule `{field}` is not supported"),
            hint: "encrypt with a key-based rule, e.g. `--encrypted-regex '^(variables|sharedVariables)$'`",
        });
    }
    let mut rule = Rule::All;
    for field in RULE_FIELDS {
        if let Some(node) = get(field) {
            let value = node.scalar_text().unwrap_or_default();
            rule = Rule::from_field(field, value).ok_or_else(|| {
                problem(node.at, format!("the SOPS rule `{field}` cannot be read"))
            })?;
        }
    }
    let mut age = Vec::new();
    let mut other_keys = Vec::new();
    collect_keys(entries, &mut age, &mut other_keys);
    if let Some(Value::Sequence(groups)) = get("key_groups").map(|n| &n.value) {
        for group in groups {
            if let Value::Mapping(entries) = &group.value {
                collect_keys(entries, &mut age, &mut other_keys);
            }
        }
        if groups.len() > 1 {
            return Err(Problem {
                at,
                message: "the file splits its data key over several key groups (Shamir), which is not supported".to_string(),
                hint: "encrypt with one group of age recipients",
            });
        }
    }
    let mac_only_encrypted = get("mac_only_encrypted").and_then(Node::scalar_text) == Some("true");
    Ok(Metadata {
        at,
        age,
        other_keys,
        lastmodified,
        mac,
        rule,
        mac_only_encrypted,
    })
}

fn collect_keys(
    entries: &[(super::super::yaml_tree::Key, Node)],
    age: &mut Vec<AgeStanza>,
    other: &mut Vec<&'static str>,
) {
    for (key, value) in entries {
        let Value::Sequence(items) = &value.value else {
            continue;
        };
        if key.name == "age" {
            for item in items {
                let Value::Mapping(fields) = &item.value else {
                    continue;
                };
                let field = |name: &str| {
                    fields
                        .iter()
                        .find(|(k, _)| k.name == name)
                        .and_then(|(_, v)| v.scalar_text())
                        .map(str::to_string)
                };
                if let (Some(recipient), Some(enc)) = (field("recipient"), field("enc")) {
                    age.push(AgeStanza { recipient, enc });
                }
            }
        } else if let Some((_, label)) = OTHER_KEY_TYPES.iter().find(|(n, _)| *n == key.name)
            && !items.is_empty()
            && !other.contains(label)
        {
            other.push(label);
        }
    }
}

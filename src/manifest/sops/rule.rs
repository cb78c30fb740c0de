//! Which values of a SOPS file are encrypted: the file's one rule (`unencrypted_suffix`,
//! `encrypted_suffix`, `unencrypted_regex`, `encrypted_regex`) applied to a value's path of keys,
//! exactly as sops decides it. Knows nothing about ciphers.

use regex::Regex;

/// The rule fields sops writes into `sops:` and `.sops.yaml` creation rules.
pub const RULE_FIELDS: &[&str] = &[
    "unencrypted_suffix",
    "encrypted_suffix",
    "unencrypted_regex",
    "encrypted_regex",
];
/// Comment-driven rules need the file's comments, which this reader does not keep.
pub const COMMENT_RULE_FIELDS: &[&str] = &["unencrypted_comment_regex", "encrypted_comment_regex"];

#[derive(Debug, Clone)]
pub enum Rule {
    /// No rule: every value is encrypted.
    All,
    UnencryptedSuffix(String),
    EncryptedSuffix(String),
    UnencryptedRegex(Regex),
    EncryptedRegex(Regex),
}

impl Rule {
    /// The rule named `field` with `value`; `None` for an unknown field or a regex Rust's engine
    /// cannot compile (sops uses Go's RE2 syntax, which it shares for all common patterns).
    pub fn from_field(field: &str, value: &str) -> Option<Rule> {
        match field {
            "unencrypted_suffix" => Some(Rule::UnencryptedSuffix(value.to_string())),
            "encrypted_suffix" => Some(Rule::EncryptedSuffix(value.to_string())),
            "unencrypted_regex" => Regex::new(value).ok().map(Rule::UnencryptedRegex),
            "encrypted_regex" => Regex::new(value).ok().map(Rule::EncryptedRegex),
            _ => None,
        }
    }

    /// The field and value written into `sops:` (none for [`Rule::All`]).
    pub fn field(&self) -> Option<(&'static str, String)> {
        match self {
            Rule::All => None,
            Rule::UnencryptedSuffix(s) => Some(("unencrypted_suffix", s.clone())),
            Rule::EncryptedSuffix(s) => Some(("encrypted_suffix", s.clone())),
            Rule::UnencryptedRegex(r) => Some(("unencrypted_regex", r.as_str().to_string())),
            Rule::EncryptedRegex(r) => Some(("encrypted_regex", r.as_str().to_string())),
        }
    }

    /// Whether the value at `path` (its mapping keys from the top) is encrypted.
    pub fn encrypts(&self, path: &[String]) -> bool {
        match self {
            Rule::All => true,
            Rule::UnencryptedSuffix(s) => !path.iter().any(|k| k.ends_with(s.as_str())),
            Rule::EncryptedSuffix(s) => path.iter().any(|k| k.ends_with(s.as_str())),
            Rule::UnencryptedRegex(r) => !path.iter().any(|k| r.is_match(k)),
            Rule::EncryptedRegex(r) => path.iter().any(|k| r.is_match(k)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    #[test]
    fn the_recommended_rule_encrypts_variables_and_nothing_else() {
        let rule = Rule::from_field("encrypted_regex", "^(variables|sharedVariables)$").unwrap();
        assert!(rule.encrypts(&path(&["spec", "services", "api", "variables", "A"])));
        assert!(rule.encrypts(&path(&["spec", "sharedVariables", "A"])));
        assert!(!rule.encrypts(&path(&["spec", "services", "api", "image"])));
        let suffix = Rule::from_field("unencrypted_suffix", "_unencrypted").unwrap();
        assert!(!suffix.encrypts(&path(&["a_unencrypted", "b"])));
        assert!(suffix.encrypts(&path(&["a", "b"])));
    }
}

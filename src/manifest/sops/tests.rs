//! Round trips through the sealing writer and the loader, and the refusals no real `sops` file
//! in the integration tests covers (other key types, ciphertext outside variables).

use std::path::Path;

use super::super::{LoadError, desired::VariableValue, load_str};
use super::{Sealing, seal_document};
use crate::secret::SecretOrigin;

const MANIFEST: &str = "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: p }\nspec:\n  environments: { production: {} }\n  services:\n    api:\n      source: { image: \"api:1\" }\n      variables: { TOKEN: s3cr3t-value, PORT: 8080, REF: \"${{shared.X}}\" }\n  sharedVariables: { X: \"1\" }\n";

fn sealed(rule: &str, value: &str) -> (String, String) {
    let identity = age::x25519::Identity::generate();
    let document: serde_yaml::Value = serde_yaml::from_str(MANIFEST).unwrap();
    let sealing = Sealing {
        recipients: vec![identity.to_public().to_string()],
        rule_field: rule.to_string(),
        rule_value: value.to_string(),
    };
    let text = seal_document(&document, &sealing)
        .map(|doc| serde_yaml::to_string(&doc).unwrap())
        .unwrap_or_else(|error| error.to_string());
    use age::secrecy::ExposeSecret;
    (text, identity.to_string().expose_secret().to_string())
}

fn errors(text: &str, key: Option<&str>) -> String {
    let env = |name: &str| {
        (name == "SOPS_AGE_KEY")
            .then(|| key.map(str::to_string))
            .flatten()
    };
    match load_str(text, Path::new("m.yaml"), &env) {
        Err(LoadError::Invalid(diagnostics)) => diagnostics.to_string(),
        other => format!("loaded: {:?}", other.is_ok()),
    }
}

#[test]
fn a_sealed_manifest_loads_with_its_key_and_its_values_are_secrets() {
    let (text, key) = sealed("encrypted_regex", "^(TOKEN|PORT)$");
    assert!(
        !text.contains("s3cr3t-value") && text.contains("${{shared.X}}"),
        "{text}"
    );
    let env = |name: &str| (name == "SOPS_AGE_KEY").then(|| key.clone());
    let desired = load_str(&text, Path::new("m.yaml"), &env).expect("loads");
    let super::super::desired::ServiceKind::Managed { environments } = &desired.services[0].kind
    else {
        panic!("api is managed");
    };
    let variables = &environments["production"].variables;
    match &variables["TOKEN"] {
        VariableValue::Secret { secret } => {
            assert_eq!(secret.expose(), "s3cr3t-value");
            assert_eq!(secret.origin(), &SecretOrigin::Sops);
        }
        other => panic!("not a secret: {other:?}"),
    }
    assert!(!format!("{desired:?}").contains("s3cr3t-value"));
    assert!(
        matches!(&variables["REF"], VariableValue::Plain { value } if value == "${{shared.X}}")
    );
}

#[test]
fn a_rule_reaching_past_variables_is_refused_when_sealing() {
    let (text, _) = sealed("unencrypted_suffix", "_unencrypted");
    assert!(
        text.contains("only variable values may be encrypted"),
        "{text}"
    );
}

#[test]
fn a_file_for_kms_only_and_a_value_moved_to_another_place_are_clear_errors() {
    let (text, key) = sealed("encrypted_regex", "^TOKEN$");
    let at = text.find("\n  age:").unwrap() + 1;
    let kms_only = format!(
        "{}  kms:\n  - arn: arn:aws:kms:eu-west-1:1:key/x\n    enc: abc\n",
        &text[..at]
    );
    let end = text[at..].find("\n  lastmodified").unwrap() + at + 1;
    let kms_only = format!("{kms_only}{}", &text[end..]);
    let message = errors(&kms_only, Some(&key));
    assert!(message.contains("encrypted for AWS KMS only"), "{message}");

    let moved = text.replacen("name: p", &format!("name: {}", sealed_token(&text)), 1);
    let message = errors(&moved, Some(&key));
    assert!(
        message.contains("MAC") || message.contains("does not decrypt"),
        "{message}"
    );
}

fn sealed_token(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("TOKEN:"))
        .unwrap();
    line.split_once(": ").unwrap().1.to_string()
}

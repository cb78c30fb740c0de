//! Decodes `variables` and `sharedVariables` mappings: names Railway accepts, plain values
//! (scalars as written, `${{...}}` references kept verbatim), `fromEnv`, `fromFile` and `generate`.
//! Reads the secrets it is pointed at; never puts a secret's value or a `${VAR}` expansion in a
//! message.

use std::io::Read;
use std::path::Path;

use super::super::desired::VariableValue;
use super::super::diagnostics::Position;
use super::super::reference::{ReferenceError, find_references};
use super::super::sops::Secrets;
use super::super::spec::{VariableSpec, Variables};
use super::super::yaml_tree::{Key, Node, Value};
use super::reader::{Fields, Reader};
use crate::manifest::suggest::suggest;
use crate::secret::{Secret, SecretOrigin};

/// The operator's own bookkeeping variable: never declared by a manifest.
pub const RESERVED_VARIABLE: &str = "RAILWAY_OPERATOR_INVENTORY";
const MAX_NAME_CHARS: usize = 255;
/// Secret files are small (keys, certificates); anything bigger is a wrong path.
const MAX_FILE_BYTES: usize = 64 * 1024;
const GENERATE_LENGTHS: std::ops::RangeInclusive<u64> = 8..=256;
const VALUE_FORMS: &[&str] = &["fromEnv", "fromFile", "generate"];
const FORMS_HINT: &str =
    "write a value, or exactly one of `{ fromEnv: NAME }`, `{ fromFile: PATH }`, `{ generate: N }`";

/// The variables under `owner.field` (absent or null: none).
pub fn decode_variables(reader: &mut Reader, owner: &Fields, field: &str) -> Variables {
    let mut variables = Variables::new();
    let Some(node) = owner.get(field) else {
        return variables;
    };
    let path = owner.field_path(field);
    let Value::Mapping(entries) = &node.value else {
        reader.sink.error(
            node.at,
            format!(
                "expected a mapping of variable names to values in `{path}`, found {}",
                node.kind_name()
            ),
        );
        return variables;
    };
    for (key, value) in entries {
        check_variable_name(reader, key, &path);
        let used_in = format!("{path}.{}", key.name);
        if let Some(spec) = decode_value(reader, key, value, used_in) {
            variables.insert(key.name.clone(), spec);
        }
    }
    variables
}

/// Railway's rule for variable (and environment variable) names.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_NAME_CHARS
        && matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_variable_name(reader: &mut Reader, key: &Key, path: &str) {
    if key.name == RESERVED_VARIABLE {
        reader.sink.error_with_hint(
            key.at,
            format!("variable name `{RESERVED_VARIABLE}` is reserved (in `{path}`)"),
            "the operator keeps its own bookkeeping in it: choose another name",
        );
    } else if !is_variable_name(&key.name) {
        reader.sink.error_with_hint(
            key.at,
            format!("invalid variable name `{}` in `{path}`", key.name),
            "names are letters, digits and `_`, not starting with a digit, at most 255 characters",
        );
    }
}

fn decode_value(
    reader: &mut Reader,
    key: &Key,
    node: &Node,
    used_in: String,
) -> Option<VariableSpec> {
    let (value, references) = match &node.value {
        _ if node.is_null() => {
            // An omitted value has no position of its own: the key's is the one to show.
            reader.sink.error_with_hint(
                key.at,
                format!("variable `{used_in}` has no value"),
                "use \"\" for an empty value",
            );
            return None;
        }
        Value::Scalar { text, .. } => {
            let references = match find_references(text) {
                Ok(references) => Some(references),
                Err(error) => {
                    report_reference_error(reader, node.at, &used_in, error);
                    None
                }
            };
            let value = reader.expanded(text, node.at, &used_in)?;
            let value = if reader.sealed.contains(&node.at) {
                // Decrypted from SOPS ciphertext: a secret wherever it goes.
                VariableValue::Secret {
                    secret: Secret::new(SecretOrigin::Sops, value),
                }
            } else {
                VariableValue::Plain { value }
            };
            (value, references?)
        }
        Value::Sequence(_) => {
            reader.sink.error_with_hint(
                node.at,
                format!("expected a string, number or boolean for `{used_in}`, found a list"),
                FORMS_HINT,
            );
            return None;
        }
        Value::Mapping(entries) => (decode_form(reader, node.at, entries, &used_in)?, Vec::new()),
    };
    Some(VariableSpec {
        value,
        at: node.at,
        used_in,
        references,
    })
}

fn report_reference_error(reader: &mut Reader, at: Position, used_in: &str, error: ReferenceError) {
    let (message, hint) = match error {
        ReferenceError::Unclosed => (
            format!("unclosed `${{{{` in `{used_in}`"),
            "a Railway reference is written `${{service.VARIABLE}}`, `${{shared.VARIABLE}}` or `${{VARIABLE}}`",
        ),
        ReferenceError::Empty => (
            format!("empty Railway reference in `{used_in}`"),
            "name the variable: `${{service.VARIABLE}}`, `${{shared.VARIABLE}}` or `${{VARIABLE}}`",
        ),
    };
    reader.sink.error_with_hint(at, message, hint);
}

/// `{ fromEnv: NAME }`, `{ fromFile: PATH }` or `{ generate: N }`.
fn decode_form(
    reader: &mut Reader,
    at: Position,
    entries: &[(Key, Node)],
    used_in: &str,
) -> Option<VariableValue> {
    let mut readable = true;
    for (key, _) in entries {
        if !VALUE_FORMS.contains(&key.name.as_str()) {
            readable = false;
            let hint = match suggest(&key.name, VALUE_FORMS) {
                Some(close) => format!("did you mean `{close}`?"),
                None => FORMS_HINT.to_string(),
            };
            reader.sink.error_with_hint(
                key.at,
                format!("unknown field `{}` in `{used_in}`", key.name),
                hint,
            );
        }
    }
    if entries.len() != 1 {
        let found = if entries.is_empty() {
            "an empty mapping".to_string()
        } else {
            format!("{} fields", entries.len())
        };
        reader.sink.error_with_hint(
            at,
            format!(
                "`{used_in}` must have exactly one of fromEnv, fromFile, generate; found {found}"
            ),
            FORMS_HINT,
        );
        return None;
    }
    let (key, node) = entries.first()?;
    if !readable {
        return None;
    }
    let path = format!("{used_in}.{}", key.name);
    match key.name.as_str() {
        "fromEnv" => from_env(reader, node, &path),
        "fromFile" => from_file(reader, node, &path),
        _ => generate(reader, node, &path),
    }
}

/// The scalar text of `node` as written, or a reported type error.
fn written_text<'n>(reader: &mut Reader, node: &'n Node, path: &str) -> Option<&'n str> {
    match &node.value {
        Value::Scalar { text, .. } if !node.is_null() && !text.is_empty() => Some(text),
        _ => {
            let found = if node.scalar_text() == Some("") && !node.is_null() {
                "an empty string"
            } else {
                node.kind_name()
            };
            reader.sink.error(
                node.at,
                format!("expected a non-empty string for `{path}`, found {found}"),
            );
            None
        }
    }
}

fn from_env(reader: &mut Reader, node: &Node, path: &str) -> Option<VariableValue> {
    env_secret(reader, node, path).map(|secret| VariableValue::Secret { secret })
}

/// The secret held by the environment variable `node` names (the `fromEnv` value at `path`).
pub fn env_secret(reader: &mut Reader, node: &Node, path: &str) -> Option<Secret> {
    let name = written_text(reader, node, path)?;
    if !is_variable_name(name) {
        reader.sink.error_with_hint(
            node.at,
            format!("`{path}` is not a valid environment variable name"),
            "environment variable names are letters, digits and `_`, not starting with a digit",
        );
        return None;
    }
    match (reader.env)(name) {
        Some(value) => Some(Secret::new(SecretOrigin::Env(name.to_string()), value)),
        None if reader.secrets == Secrets::Optional => {
            // `validate` checks the shape without secrets: an empty stand-in keeps the variable.
            reader.sink.warning(
                node.at,
                format!("environment variable `{name}` is not set (used in `{path}`): plan, apply and run need it"),
            );
            Some(Secret::new(SecretOrigin::Env(name.to_string()), ""))
        }
        None => {
            reader.sink.error_with_hint(
                node.at,
                format!("environment variable `{name}` is not set (used in `{path}`)"),
                "set it in the operator's environment (an empty value is allowed)",
            );
            None
        }
    }
}

fn from_file(reader: &mut Reader, node: &Node, path: &str) -> Option<VariableValue> {
    let written = written_text(reader, node, path)?;
    let file = reader.base_dir.join(written);
    match read_secret_file(&file) {
        Ok(value) => Some(VariableValue::Secret {
            secret: Secret::new(SecretOrigin::File(written.into()), value),
        }),
        Err(problem) => {
            let (message, hint) = match problem {
                FileProblem::Io(error) => (
                    format!(
                        "cannot read `{}` (used in `{path}`): {error}",
                        file.display()
                    ),
                    "fromFile paths are relative to the manifest's directory",
                ),
                FileProblem::TooLarge => (
                    format!(
                        "`{}` is larger than 64 KiB (used in `{path}`)",
                        file.display()
                    ),
                    "a secret file holds one value: check the path",
                ),
                FileProblem::NotUtf8 => (
                    format!("`{}` is not UTF-8 text (used in `{path}`)", file.display()),
                    "Railway variables are text: encode binary secrets, e.g. as base64",
                ),
            };
            reader.sink.error_with_hint(node.at, message, hint);
            None
        }
    }
}

enum FileProblem {
    Io(std::io::Error),
    TooLarge,
    NotUtf8,
}

/// The file's text without one trailing line break (mounted secret files usually end with one).
fn read_secret_file(file: &Path) -> Result<String, FileProblem> {
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(FileProblem::Io)?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge);
    }
    let mut text = String::from_utf8(bytes).map_err(|_| FileProblem::NotUtf8)?;
    if text.ends_with("\r\n") {
        text.truncate(text.len() - 2);
    } else if text.ends_with('\n') {
        text.truncate(text.len() - 1);
    }
    Ok(text)
}

fn generate(reader: &mut Reader, node: &Node, path: &str) -> Option<VariableValue> {
    let length = match &node.value {
        Value::Scalar { text, plain: true } => text.parse::<u64>().ok(),
        _ => None,
    };
    let Some(length) = length else {
        reader.sink.error(
            node.at,
            format!(
                "expected an integer for `{path}`, found {}",
                node.kind_name()
            ),
        );
        return None;
    };
    if !GENERATE_LENGTHS.contains(&length) {
        reader.sink.error_with_hint(
            node.at,
            format!("`{path}` must be between 8 and 256, found {length}"),
            "the number of random characters to generate",
        );
        return None;
    }
    Some(VariableValue::Generate {
        length: usize::try_from(length).ok()?,
    })
}

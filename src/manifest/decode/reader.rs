//! Typed reading of YAML nodes with diagnostics: mappings with known fields (unknown ones get a
//! "did you mean" hint), strings (with `${VAR}` expansion), booleans, integers, numbers, enums and
//! string lists. Never quotes an expanded value in a message.

use std::collections::HashSet;
use std::path::Path;

use super::super::diagnostics::{Position, Sink};
use super::super::expand::{ExpandError, expand};
use super::super::sops::Secrets;
use super::super::spec::Spanned;
use super::super::yaml_tree::{Key, Node, Value};
use crate::manifest::suggest::suggest;

/// Shared state of one decoding pass.
pub struct Reader<'a> {
    pub sink: &'a mut Sink,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The manifest's directory: `fromFile` paths are relative to it.
    pub base_dir: &'a Path,
    /// Positions of values decrypted from SOPS ciphertext.
    pub sealed: &'a HashSet<Position>,
    /// Whether a missing secret is an error or (for `validate`) a warning.
    pub secrets: Secrets,
}

/// A mapping whose unknown fields were already reported.
pub struct Fields<'n> {
    pub at: Position,
    pub path: String,
    entries: &'n [(Key, Node)],
}

impl<'n> Fields<'n> {
    /// The value of `name`, unless absent or null.
    pub fn get(&self, name: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(key, value)| key.name == name && !value.is_null())
            .map(|(_, value)| value)
    }

    pub fn key(&self, name: &str) -> Option<&'n Key> {
        self.entries
            .iter()
            .find(|(key, _)| key.name == name)
            .map(|(key, _)| key)
    }

    pub fn field_path(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        }
    }
}

fn place(path: &str) -> String {
    if path.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in {path}")
    }
}

impl Reader<'_> {
    /// Opens `node` as a mapping with the given fields. `later` are fields of features not
    /// supported yet: they are errors with a hint saying so.
    pub fn fields<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        known: &[&str],
        later: &[&str],
    ) -> Option<Fields<'n>> {
        let entries: &'n [(Key, Node)] = match &node.value {
            Value::Mapping(entries) => entries,
            _ if node.is_null() => &[],
            _ => {
                self.sink.error(
                    node.at,
                    format!(
                        "expected a mapping {}, found {}",
                        place(path),
                        node.kind_name()
                    ),
                );
                return None;
            }
        };
        for (key, _) in entries {
            if known.contains(&key.name.as_str()) {
                continue;
            }
            let message = format!("unknown field `{}` {}", key.name, place(path));
            if later.contains(&key.name.as_str()) {
                self.sink.error_with_hint(
                    key.at,
                    message,
                    format!("`{}` is not supported here yet", key.name),
                );
            } else if known.is_empty() {
                self.sink.error_with_hint(
                    key.at,
                    message,
                    "no fields are supported here yet: write `{}`",
                );
            } else if let Some(close) = suggest(&key.name, known) {
                self.sink
                    .error_with_hint(key.at, message, format!("did you mean `{close}`?"));
            } else {
                self.sink.error_with_hint(
                    key.at,
                    message,
                    format!("allowed fields: {}", known.join(", ")),
                );
            }
        }
        Some(Fields {
            at: node.at,
            path: path.to_string(),
            entries,
        })
    }

    pub fn missing(&mut self, fields: &Fields, name: &str) {
        self.sink.error(
            fields.at,
            format!("missing required field `{name}` {}", place(&fields.path)),
        );
    }

    fn wrong_type(&mut self, node: &Node, path: &str, expected: &str) {
        self.sink.error(
            node.at,
            format!(
                "expected {expected} for `{path}`, found {}",
                node.kind_name()
            ),
        );
    }

    /// The scalar's source text, when it is a non-null, non-boolean scalar (numbers are accepted
    /// as strings: `branch: 2024` is a branch name).
    fn raw_text<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n str> {
        match &node.value {
            Value::Scalar { text, .. } if node.kind_name() != "a boolean" && !node.is_null() => {
                Some(text)
            }
            _ => {
                self.wrong_type(node, path, "a string");
                None
            }
        }
    }

    /// A string value with `${VAR}` expanded.
    pub fn string(&mut self, node: &Node, path: &str) -> Option<Spanned<String>> {
        let raw = self.raw_text(node, path)?;
        self.expanded(raw, node.at, path)
            .map(|value| Spanned { value, at: node.at })
    }

    /// `raw` (written at `at`, in `path`) with `${VAR}` expanded; failures are reported.
    pub fn expanded(&mut self, raw: &str, at: Position, path: &str) -> Option<String> {
        match expand(raw, self.env) {
            Ok(value) => Some(value),
            Err(ExpandError::Unset(name)) => {
                self.sink.error_with_hint(
                    at,
                    format!("environment variable `{name}` is not set (used in `{path}`)"),
                    format!("set it in the operator's environment, or write `$${{{name}}}` for a literal `${{{name}}}`"),
                );
                None
            }
            Err(ExpandError::Malformed) => {
                self.sink.error_with_hint(
                    at,
                    format!("malformed `${{...}}` in `{path}`"),
                    "variables are written `${NAME}` (letters, digits, `_`); write `$${` for a literal `${`",
                );
                None
            }
        }
    }

    pub fn opt_string(&mut self, fields: &Fields, name: &str) -> Option<Spanned<String>> {
        let node = fields.get(name)?;
        self.string(node, &fields.field_path(name))
    }

    pub fn opt_bool(&mut self, fields: &Fields, name: &str) -> Option<Spanned<bool>> {
        let node = fields.get(name)?;
        let value = match &node.value {
            Value::Scalar { text, plain: true } => match text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
            _ => None,
        };
        if value.is_none() {
            self.wrong_type(node, &fields.field_path(name), "a boolean (true or false)");
        }
        value.map(|value| Spanned { value, at: node.at })
    }

    /// An integer, at least `min`.
    pub fn opt_int(&mut self, fields: &Fields, name: &str, min: i64) -> Option<Spanned<i64>> {
        let node = fields.get(name)?;
        let path = fields.field_path(name);
        let value = self.integer(node, &path)?;
        if value.value < min {
            let bound = if min == 1 {
                "positive".to_string()
            } else {
                format!("at least {min}")
            };
            self.sink.error(
                node.at,
                format!("`{path}` must be {bound}, found {}", value.value),
            );
            return None;
        }
        Some(value)
    }

    /// A TCP port, 1 to 65535.
    pub fn port(&mut self, node: &Node, path: &str) -> Option<Spanned<i64>> {
        let value = self.integer(node, path)?;
        if !(1..=65535).contains(&value.value) {
            self.sink.error_with_hint(
                node.at,
                format!(
                    "`{path}` must be a port between 1 and 65535, found {}",
                    value.value
                ),
                "write the port the application listens on",
            );
            return None;
        }
        Some(value)
    }

    /// Any integer that fits in 64 bits.
    pub fn integer(&mut self, node: &Node, path: &str) -> Option<Spanned<i64>> {
        let Value::Scalar { text, plain: true } = &node.value else {
            self.wrong_type(node, path, "an integer");
            return None;
        };
        match text.parse::<i64>() {
            Ok(value) => Some(Spanned { value, at: node.at }),
            Err(_)
                if text
                    .trim_start_matches(['-', '+'])
                    .chars()
                    .all(|c| c.is_ascii_digit())
                    && !text.is_empty() =>
            {
                self.sink
                    .error(node.at, format!("`{path}` is out of range"));
                None
            }
            Err(_) => {
                self.wrong_type(node, path, "an integer");
                None
            }
        }
    }

    /// A finite number greater than zero.
    pub fn opt_positive_number(&mut self, fields: &Fields, name: &str) -> Option<Spanned<f64>> {
        let node = fields.get(name)?;
        let path = fields.field_path(name);
        let parsed = match &node.value {
            Value::Scalar { text, plain: true } => {
                text.parse::<f64>().ok().filter(|v| v.is_finite())
            }
            _ => None,
        };
        let Some(value) = parsed else {
            self.wrong_type(node, &path, "a number");
            return None;
        };
        if value <= 0.0 {
            self.sink
                .error(node.at, format!("`{path}` must be greater than 0"));
            return None;
        }
        Some(Spanned { value, at: node.at })
    }

    /// One of `allowed` (spelled as in the manifest), mapped to its value.
    pub fn opt_enum<T: Copy>(
        &mut self,
        fields: &Fields,
        name: &str,
        allowed: &[(&str, T)],
    ) -> Option<Spanned<T>> {
        let node = fields.get(name)?;
        self.enum_value(node, &fields.field_path(name), allowed)
    }

    /// `node` as one of `allowed` (spelled as in the manifest), mapped to its value.
    pub fn enum_value<T: Copy>(
        &mut self,
        node: &Node,
        path: &str,
        allowed: &[(&str, T)],
    ) -> Option<Spanned<T>> {
        let spelled = self.string(node, path)?;
        if let Some((_, value)) = allowed.iter().find(|(s, _)| *s == spelled.value) {
            return Some(Spanned {
                value: *value,
                at: node.at,
            });
        }
        let names: Vec<&str> = allowed.iter().map(|(s, _)| *s).collect();
        let shown = match &node.value {
            Value::Scalar { text, .. } => text.as_str(),
            _ => "",
        };
        self.sink.error_with_hint(
            node.at,
            format!("invalid value `{shown}` for `{path}`"),
            format!("allowed values: {}", names.join(", ")),
        );
        None
    }

    /// A string or a list of strings.
    pub fn opt_string_list(
        &mut self,
        fields: &Fields,
        name: &str,
        single_ok: bool,
    ) -> Option<Spanned<Vec<String>>> {
        let node = fields.get(name)?;
        let path = fields.field_path(name);
        match &node.value {
            Value::Sequence(items) => {
                let mut values = Vec::new();
                let mut ok = true;
                for (index, item) in items.iter().enumerate() {
                    match self.string(item, &format!("{path}[{index}]")) {
                        Some(s) => values.push(s.value),
                        None => ok = false,
                    }
                }
                ok.then_some(Spanned {
                    value: values,
                    at: node.at,
                })
            }
            Value::Scalar { .. } if single_ok => self.string(node, &path).map(|s| Spanned {
                value: vec![s.value],
                at: s.at,
            }),
            _ => {
                let expected = if single_ok {
                    "a string or a list of strings"
                } else {
                    "a list of strings"
                };
                self.wrong_type(node, &path, expected);
                None
            }
        }
    }
}

//! Small builders for the YAML tree the importer writes: literal strings safe from `${VAR}`
//! expansion, mappings in a fixed key order, numbers as the planner compares them, nested inserts.

use serde_yaml::{Mapping, Value};

/// `text` as a manifest string that loads back as exactly `text`: every `${` that is not a
/// Railway reference `${{` is written `$${`, the manifest's escape for a literal `${`.
pub fn literal(text: &str) -> Value {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(dollar) = rest.find("${") {
        out.push_str(&rest[..dollar]);
        let tail = &rest[dollar..];
        if tail.starts_with("${{") {
            let end = tail.find("}}").map_or(tail.len(), |i| i + 2);
            out.push_str(&tail[..end]);
            rest = &tail[end..];
        } else {
            out.push_str("$${");
            rest = &tail[2..];
        }
    }
    out.push_str(rest);
    Value::String(out)
}

/// A mapping with keys in the given order.
pub fn mapping<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Mapping(
        entries
            .into_iter()
            .map(|(key, value)| (Value::from(key), value))
            .collect(),
    )
}

/// A number rounded to 3 decimals (the planner's precision), an integer when it is one.
pub fn number(n: f64) -> Value {
    let rounded = (n * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        Value::from(rounded as i64)
    } else {
        Value::from(rounded)
    }
}

/// Inserts `value` at `path` below `root`, creating intermediate mappings; keys keep their
/// first-insertion order.
pub fn insert_at(root: &mut Mapping, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = root;
    for key in parents {
        let entry = node
            .entry(Value::from(*key))
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if !entry.is_mapping() {
            *entry = Value::Mapping(Mapping::new());
        }
        let Value::Mapping(child) = entry else {
            return;
        };
        node = child;
    }
    node.insert(Value::from(*last), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Desired;

    #[test]
    fn literal_dollar_braces_are_escaped_and_railway_references_are_kept() {
        assert_eq!(
            literal("a ${HOME} ${{shared.X}} $PORT"),
            Value::from("a $${HOME} ${{shared.X}} $PORT")
        );
    }

    #[test]
    fn escaped_literals_load_back_verbatim() {
        let value = "x ${HOME} $${Y} ${{api.URL}}";
        let Value::String(written) = literal(value) else {
            panic!("a string")
        };
        let manifest = format!(
            "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: p }}\nspec:\n  environments: {{ production: {{}} }}\n  services:\n    api:\n      source: {{ image: nginx }}\n      variables: {{ V: {} }}\n",
            serde_json::to_string(&written).unwrap()
        );
        let desired: Desired =
            crate::manifest::load_str(&manifest, std::path::Path::new("m.yml"), &|_| None).unwrap();
        let crate::manifest::desired::ServiceKind::Managed { environments } =
            &desired.services[0].kind
        else {
            panic!("managed")
        };
        assert_eq!(
            environments["production"].variables["V"],
            crate::manifest::desired::VariableValue::Plain {
                value: value.to_string()
            }
        );
    }

    #[test]
    fn numbers_round_like_the_planner() {
        assert_eq!(number(2.0), Value::from(2));
        assert_eq!(number(0.51234), Value::from(0.512));
    }
}

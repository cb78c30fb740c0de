//! Splits one setting's per-environment values into a base value and per-environment overrides,
//! so that merging each override over the base gives back every environment's live value. Pure;
//! knows nothing about which setting it is splitting beyond the default and the merge rule.

use serde_yaml::Value;

/// How an override is merged over the base for one setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeRule {
    /// Scalars and lists: the override replaces the base.
    Replace,
    /// A mapping whose fields merge one by one: the override must repeat every base field, or
    /// the base's extra field would leak into the environment.
    FieldByField,
    /// `source`: an image override drops the base's repo fields and the other way round, but a
    /// repo over a repo keeps the base's `rootDirectory` unless repeated.
    Source,
}

/// One setting's base and overrides.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Split {
    pub base: Option<Value>,
    /// `(environment, value)` in the order the environments were given.
    pub overrides: Vec<(String, Value)>,
}

/// Splits `values` (per environment, `None` = unset on Railway, in environment order). A value
/// equal to `default` is left out where that keeps the result exact: leaving a setting out means
/// the manifest does not manage it, which never produces a change.
pub fn split(
    values: &[(String, Option<Value>)],
    default: Option<&Value>,
    rule: MergeRule,
) -> Split {
    let Some((_, first)) = values.first() else {
        return Split::default();
    };
    let base = first.clone().filter(|v| Some(v) != default);
    let every_env_fits = base.as_ref().is_none_or(|base| {
        values
            .iter()
            .all(|(_, value)| value.as_ref().is_some_and(|v| fits_over(base, v, rule)))
    });
    if every_env_fits {
        return with_base(values, base, default);
    }
    match (rule, first) {
        (MergeRule::Source, Some(first)) => with_base(values, Some(without_root(first)), default),
        _ => with_base(values, None, default),
    }
}

fn with_base(
    values: &[(String, Option<Value>)],
    base: Option<Value>,
    default: Option<&Value>,
) -> Split {
    let overrides = values
        .iter()
        .filter_map(|(env, value)| {
            let value = value.as_ref()?;
            let needed = match &base {
                Some(base) => value != base,
                None => Some(value) != default,
            };
            needed.then(|| (env.clone(), value.clone()))
        })
        .collect();
    Split { base, overrides }
}

/// Whether `value`, written as an override, merges over `base` into exactly `value`.
fn fits_over(base: &Value, value: &Value, rule: MergeRule) -> bool {
    match rule {
        MergeRule::Replace => true,
        MergeRule::FieldByField => match (base, value) {
            (Value::Mapping(base), Value::Mapping(value)) => {
                base.keys().all(|key| value.contains_key(key))
            }
            _ => true,
        },
        MergeRule::Source => {
            let is_repo = |v: &Value| v.get("repo").is_some();
            !(is_repo(base)
                && is_repo(value)
                && base.get("rootDirectory").is_some()
                && value.get("rootDirectory").is_none())
        }
    }
}

fn without_root(source: &Value) -> Value {
    let mut source = source.clone();
    if let Value::Mapping(fields) = &mut source {
        fields.remove("rootDirectory");
    }
    source
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envs(values: &[Option<&str>]) -> Vec<(String, Option<Value>)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("e{i}"), v.map(|v| serde_yaml::from_str(v).unwrap())))
            .collect()
    }

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str(text).unwrap()
    }

    #[test]
    fn equal_values_go_to_the_base_only() {
        let s = split(
            &envs(&[Some("3"), Some("3")]),
            Some(&yaml("1")),
            MergeRule::Replace,
        );
        assert_eq!(s.base, Some(yaml("3")));
        assert!(s.overrides.is_empty());
    }

    #[test]
    fn a_default_everywhere_is_left_out() {
        let s = split(
            &envs(&[Some("1"), Some("1")]),
            Some(&yaml("1")),
            MergeRule::Replace,
        );
        assert_eq!(s, Split::default());
    }

    #[test]
    fn a_differing_environment_gets_an_override_even_back_to_the_default() {
        let s = split(
            &envs(&[Some("3"), Some("1")]),
            Some(&yaml("1")),
            MergeRule::Replace,
        );
        assert_eq!(s.base, Some(yaml("3")));
        assert_eq!(s.overrides, vec![("e1".to_string(), yaml("1"))]);
    }

    #[test]
    fn an_unset_environment_keeps_the_setting_out_of_the_base() {
        let s = split(&envs(&[Some("npm start"), None]), None, MergeRule::Replace);
        assert_eq!(s.base, None);
        assert_eq!(s.overrides, vec![("e0".to_string(), yaml("npm start"))]);
    }

    #[test]
    fn a_mapping_override_missing_a_base_field_moves_everything_to_overrides() {
        let s = split(
            &envs(&[
                Some("{type: ON_FAILURE, maxRetries: 5}"),
                Some("{type: ALWAYS}"),
            ]),
            Some(&yaml("{type: ON_FAILURE, maxRetries: 10}")),
            MergeRule::FieldByField,
        );
        assert_eq!(s.base, None);
        assert_eq!(s.overrides.len(), 2);
    }

    #[test]
    fn a_root_directory_missing_in_one_environment_leaves_the_base_without_one() {
        let s = split(
            &envs(&[
                Some("{repo: a/b, branch: main, rootDirectory: x}"),
                Some("{repo: a/b, branch: dev}"),
            ]),
            None,
            MergeRule::Source,
        );
        assert_eq!(s.base, Some(yaml("{repo: a/b, branch: main}")));
        assert_eq!(s.overrides.len(), 2);
    }

    #[test]
    fn an_image_override_over_a_repo_base_fits() {
        let s = split(
            &envs(&[
                Some("{repo: a/b, branch: main, rootDirectory: x}"),
                Some("{image: nginx}"),
            ]),
            None,
            MergeRule::Source,
        );
        assert_eq!(
            s.base,
            Some(yaml("{repo: a/b, branch: main, rootDirectory: x}"))
        );
        assert_eq!(
            s.overrides,
            vec![("e1".to_string(), yaml("{image: nginx}"))]
        );
    }
}

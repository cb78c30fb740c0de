//! Variables of one scope (a service, or the shared variables) across the imported environments:
//! which values are plain and which become `{ fromEnv: NAME }` placeholders, which go to the base
//! and which to one environment, and the placeholders' names. Compares secret values in memory
//! only; never copies one into its output.

use std::collections::BTreeMap;

use crate::inventory::INVENTORY_VARIABLE;
use crate::railway::live::LiveVariable;

/// Name fragments that mark a variable as secret (matched case-insensitively).
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "SECRET",
    "TOKEN",
    "KEY",
    "PRIVATE",
    "CREDENTIAL",
];

/// A variable's value in the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    Plain(String),
    /// `{ fromEnv: NAME }`, the index into the placeholder list.
    Secret(usize),
}

/// A secret the user supplies through an environment variable before planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The environment variable to set (assigned by [`name_placeholders`]).
    pub name: String,
    /// Where the manifest uses it, e.g. `services.api.variables.API_KEY`.
    pub used_in: String,
    /// The service name, or `shared`.
    scope: String,
    variable: String,
    /// The environment when the value differs between environments.
    environment: Option<String>,
}

/// One scope's variables split into base and per-environment entries.
#[derive(Debug, Default, PartialEq)]
pub struct ScopeVariables {
    pub base: Vec<(String, Slot)>,
    pub overrides: BTreeMap<String, Vec<(String, Slot)>>,
}

/// Where a scope's variables are written, to build `used_in` paths.
pub struct ScopePaths<'a> {
    /// `services.api.variables` or `spec.sharedVariables`
    pub base: String,
    /// From an environment name to its path, e.g. `services.api.environments.staging.variables`.
    pub environment: &'a dyn Fn(&str) -> String,
}

/// Whether the manifest must not hold this value: sealed, or a secret-looking name whose value is
/// more than Railway references.
pub fn is_secret(name: &str, variable: &LiveVariable) -> bool {
    match variable {
        LiveVariable::Sealed => true,
        LiveVariable::Value(value) => {
            let upper = name.to_ascii_uppercase();
            SECRET_WORDS.iter().any(|word| upper.contains(word))
                && !is_pure_reference(value.expose())
        }
    }
}

/// Only `${{...}}` references, nothing else (a reference carries no secret itself).
fn is_pure_reference(value: &str) -> bool {
    let mut rest = value.trim();
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let Some(after) = rest.strip_prefix("${{") else {
            return false;
        };
        let Some(end) = after.find("}}") else {
            return false;
        };
        rest = after[end + 2..].trim_start();
    }
    true
}

/// Splits one scope's variables; `per_environment` lists the environments the scope exists in,
/// in order. Placeholders are appended to `placeholders`, unnamed.
pub fn split_scope(
    scope: &str,
    per_environment: &[(String, &BTreeMap<String, LiveVariable>)],
    paths: &ScopePaths,
    placeholders: &mut Vec<Placeholder>,
) -> ScopeVariables {
    let mut result = ScopeVariables::default();
    let mut names: Vec<&String> = per_environment
        .iter()
        .flat_map(|(_, variables)| variables.keys())
        .filter(|name| name.as_str() != INVENTORY_VARIABLE)
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let values: Vec<(&String, Option<&LiveVariable>)> = per_environment
            .iter()
            .map(|(env, variables)| (env, variables.get(name)))
            .collect();
        let mut placeholder = |environment: Option<&String>, used_in: String| {
            placeholders.push(Placeholder {
                name: String::new(),
                used_in,
                scope: scope.to_string(),
                variable: name.clone(),
                environment: environment.cloned(),
            });
            Slot::Secret(placeholders.len() - 1)
        };
        if let Some(shared) = same_everywhere(name, &values) {
            let slot = match shared {
                Some(value) => Slot::Plain(value),
                None => placeholder(None, format!("{}.{name}", paths.base)),
            };
            result.base.push((name.clone(), slot));
            continue;
        }
        for (env, variable) in values {
            let Some(variable) = variable else { continue };
            let slot = match variable {
                LiveVariable::Value(value) if !is_secret(name, variable) => {
                    Slot::Plain(value.expose().to_string())
                }
                _ => placeholder(Some(env), format!("{}.{name}", (paths.environment)(env))),
            };
            result
                .overrides
                .entry(env.clone())
                .or_default()
                .push((name.clone(), slot));
        }
    }
    result
}

/// `Some(Some(plain))` or `Some(None)` (one secret) when the variable is the same in every
/// environment of the scope; `None` when it differs or is missing somewhere.
fn same_everywhere(
    name: &str,
    values: &[(&String, Option<&LiveVariable>)],
) -> Option<Option<String>> {
    let (_, first) = values.first()?;
    let first = (*first)?;
    if !values.iter().all(|(_, v)| *v == Some(first)) {
        return None;
    }
    let all_secret = values
        .iter()
        .all(|(_, v)| v.is_some_and(|v| is_secret(name, v)));
    match first {
        _ if all_secret => Some(None),
        LiveVariable::Value(value) if !is_secret(name, first) => {
            Some(Some(value.expose().to_string()))
        }
        _ => None,
    }
}

/// Gives every placeholder its environment variable name: the variable's own name, prefixed with
/// its scope only when two placeholders would collide, then suffixed with the environment.
pub fn name_placeholders(placeholders: &mut [Placeholder]) {
    let candidate = |p: &Placeholder, level: u8| match (level, &p.environment) {
        (0, _) => screaming_snake(&p.variable),
        (1, _) | (_, None) => screaming_snake(&format!("{}_{}", p.scope, p.variable)),
        (_, Some(env)) => screaming_snake(&format!("{}_{}_{env}", p.scope, p.variable)),
    };
    let mut levels = vec![0u8; placeholders.len()];
    loop {
        let names: Vec<String> = placeholders
            .iter()
            .zip(&levels)
            .map(|(p, level)| candidate(p, *level))
            .collect();
        let mut bumped = false;
        for (index, level) in levels.iter_mut().enumerate() {
            let collides = names
                .iter()
                .enumerate()
                .any(|(other, name)| other != index && *name == names[index]);
            if collides && *level < 2 {
                *level += 1;
                bumped = true;
            }
        }
        if !bumped {
            break;
        }
    }
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    for (placeholder, level) in placeholders.iter_mut().zip(levels) {
        let name = candidate(placeholder, level);
        let count = taken.entry(name.clone()).or_insert(0);
        *count += 1;
        placeholder.name = if *count == 1 {
            name
        } else {
            format!("{name}_{count}")
        };
    }
}

/// `my-api.v2` -> `MY_API_V2`; a leading digit gets a `_` so the name stays a valid one.
pub fn screaming_snake(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) || out.is_empty() {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{Secret, SecretOrigin};

    fn value(text: &str) -> LiveVariable {
        LiveVariable::Value(Secret::new(SecretOrigin::Live, text))
    }

    fn vars(entries: &[(&str, LiveVariable)]) -> BTreeMap<String, LiveVariable> {
        entries
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect()
    }

    fn paths() -> ScopePaths<'static> {
        ScopePaths {
            base: "services.api.variables".into(),
            environment: &|env| format!("services.api.environments.{env}.variables"),
        }
    }

    #[test]
    fn secret_looking_names_are_secret_unless_the_value_is_only_references() {
        assert!(is_secret("db_password", &value("hunter2")));
        assert!(is_secret("API_KEY", &value("k")));
        assert!(is_secret("anything", &LiveVariable::Sealed));
        assert!(!is_secret("API_KEY", &value("${{shared.API_KEY}}")));
        assert!(is_secret("API_KEY", &value("x${{shared.API_KEY}}")));
        assert!(!is_secret("PORT", &value("8000")));
    }

    #[test]
    fn equal_values_go_to_the_base_and_differing_ones_to_each_environment() {
        let prod = vars(&[("A", value("1")), ("B", value("p")), ("TOKEN", value("t"))]);
        let staging = vars(&[("A", value("1")), ("B", value("s")), ("TOKEN", value("t"))]);
        let mut placeholders = Vec::new();
        let split = split_scope(
            "api",
            &[("production".into(), &prod), ("staging".into(), &staging)],
            &paths(),
            &mut placeholders,
        );
        assert_eq!(
            split.base,
            vec![
                ("A".to_string(), Slot::Plain("1".into())),
                ("TOKEN".to_string(), Slot::Secret(0))
            ]
        );
        assert_eq!(
            split.overrides["staging"],
            vec![("B".to_string(), Slot::Plain("s".into()))]
        );
        assert_eq!(placeholders.len(), 1);
        assert_eq!(placeholders[0].used_in, "services.api.variables.TOKEN");
    }

    #[test]
    fn a_secret_differing_between_environments_gets_one_placeholder_per_environment() {
        let prod = vars(&[("DB_PASSWORD", value("a"))]);
        let staging = vars(&[("DB_PASSWORD", value("b"))]);
        let mut placeholders = Vec::new();
        split_scope(
            "api",
            &[("production".into(), &prod), ("staging".into(), &staging)],
            &paths(),
            &mut placeholders,
        );
        name_placeholders(&mut placeholders);
        let names: Vec<&str> = placeholders.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["API_DB_PASSWORD_PRODUCTION", "API_DB_PASSWORD_STAGING"]
        );
    }

    #[test]
    fn placeholder_names_get_the_service_prefix_only_on_a_collision() {
        let mut placeholders = Vec::new();
        let one = vars(&[
            ("POSTGRES_PASSWORD", LiveVariable::Sealed),
            ("API_TOKEN", value("x")),
        ]);
        let two = vars(&[("POSTGRES_PASSWORD", value("y"))]);
        split_scope(
            "postgres",
            &[("production".into(), &one)],
            &paths(),
            &mut placeholders,
        );
        split_scope(
            "my-api",
            &[("production".into(), &two)],
            &paths(),
            &mut placeholders,
        );
        name_placeholders(&mut placeholders);
        let names: Vec<&str> = placeholders.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "API_TOKEN",
                "POSTGRES_POSTGRES_PASSWORD",
                "MY_API_POSTGRES_PASSWORD"
            ]
        );
    }

    #[test]
    fn the_operators_inventory_variable_is_never_imported() {
        let env = vars(&[(INVENTORY_VARIABLE, value("{}"))]);
        let mut placeholders = Vec::new();
        let split = split_scope(
            "shared",
            &[("production".into(), &env)],
            &paths(),
            &mut placeholders,
        );
        assert_eq!(split, ScopeVariables::default());
    }
}

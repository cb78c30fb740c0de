//! Variables of one scope (a service, or the shared variables) across the imported environments:
//! which values are written in clear and which become `{ fromEnv: NAME }` placeholders, which go
//! to the base and which to one environment, and the placeholders' names. Compares values in
//! memory only; never copies a value that is not written in clear into its output.

use std::collections::{BTreeMap, BTreeSet};

use crate::inventory::INVENTORY_VARIABLE;
use crate::railway::live::LiveVariable;
use crate::secret::Secret;

/// A variable's value in the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// Written in clear: one whole reference, or a `--plain` name.
    Plain(String),
    /// `{ fromEnv: NAME }`, the index into the placeholder list.
    FromEnv(usize),
}

/// A value the user supplies through an environment variable before planning (R27).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The environment variable to set (assigned by `name_placeholders`).
    pub name: String,
    /// Where the manifest uses it, e.g. `services.api.variables.API_KEY`.
    pub used_in: String,
    /// The service name, or `shared`.
    scope: String,
    variable: String,
    /// The environment when the value differs between environments.
    environment: Option<String>,
    /// The live value (`import --encrypt-to` seals it); `None` for a variable Railway keeps sealed.
    pub value: Option<Secret>,
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

/// The value to write in clear, or `None` for a `fromEnv` placeholder (R27). Only a value that
/// is one whole `${{...}}` reference (it names where the value lives, never the value) or a
/// variable the user named with `--plain` is written; everything else, whatever its name, may be
/// a credential (`postgres://u:p@host/db` is one), and a sealed variable has no value to write.
pub fn clear_value<'a>(
    name: &str,
    variable: &'a LiveVariable,
    plain: &BTreeSet<String>,
) -> Option<&'a str> {
    match variable {
        LiveVariable::Sealed => None,
        LiveVariable::Value(value) => {
            let value = value.expose();
            (plain.contains(name) || is_one_reference(value)).then_some(value)
        }
    }
}

/// Exactly one `${{...}}` reference and nothing around it: `x${{A}}` or `${{A}}${{B}}` is not.
fn is_one_reference(value: &str) -> bool {
    value
        .strip_prefix("${{")
        .and_then(|rest| rest.strip_suffix("}}"))
        .is_some_and(|inner| {
            !inner.trim().is_empty() && !inner.contains("}}") && !inner.contains("${{")
        })
}

/// Splits one scope's variables; `per_environment` lists the environments the scope exists in,
/// in order, and `plain` the names the user asked to have written in clear. Placeholders are
/// appended to `placeholders`, unnamed.
pub fn split_scope(
    scope: &str,
    per_environment: &[(String, &BTreeMap<String, LiveVariable>)],
    paths: &ScopePaths,
    plain: &BTreeSet<String>,
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
        let mut slot = |variable: &LiveVariable, environment: Option<&String>, used_in: String| {
            if let Some(value) = clear_value(name, variable, plain) {
                return Slot::Plain(value.to_string());
            }
            placeholders.push(Placeholder {
                name: String::new(),
                used_in,
                scope: scope.to_string(),
                variable: name.clone(),
                environment: environment.cloned(),
                value: match variable {
                    LiveVariable::Value(secret) => Some(secret.clone()),
                    LiveVariable::Sealed => None,
                },
            });
            Slot::FromEnv(placeholders.len() - 1)
        };
        if let Some(shared) = same_everywhere(&values) {
            let slot = slot(shared, None, format!("{}.{name}", paths.base));
            result.base.push((name.clone(), slot));
            continue;
        }
        for (env, variable) in values {
            let Some(variable) = variable else { continue };
            let used_in = format!("{}.{name}", (paths.environment)(env));
            let slot = slot(variable, Some(env), used_in);
            result
                .overrides
                .entry(env.clone())
                .or_default()
                .push((name.clone(), slot));
        }
    }
    result
}

/// The variable when it is the same in every environment of the scope (so one base entry, or
/// one placeholder, serves them all); `None` when it differs or is missing somewhere.
fn same_everywhere<'a>(values: &[(&String, Option<&'a LiveVariable>)]) -> Option<&'a LiveVariable> {
    let (_, first) = values.first()?;
    let first = (*first)?;
    values
        .iter()
        .all(|(_, v)| *v == Some(first))
        .then_some(first)
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

    fn none() -> BTreeSet<String> {
        BTreeSet::new()
    }

    #[test]
    fn r27_only_one_whole_reference_or_a_plain_name_is_written_in_clear() {
        let plain = BTreeSet::from(["LOG_LEVEL".to_string()]);
        let url = value("postgres://u:p@host/db");
        assert_eq!(clear_value("DATABASE_URL", &url, &plain), None);
        assert_eq!(clear_value("PORT", &value("8000"), &plain), None);
        assert_eq!(
            clear_value("LOG_LEVEL", &value("info"), &plain),
            Some("info")
        );
        assert_eq!(
            clear_value("LOG_LEVEL", &LiveVariable::Sealed, &plain),
            None
        );
        let reference = value("${{shared.API_KEY}}");
        assert_eq!(
            clear_value("API_KEY", &reference, &none()),
            Some("${{shared.API_KEY}}")
        );
        for mixed in [
            "x${{shared.API_KEY}}",
            "${{A}}${{B}}",
            "${{A}} ",
            "${{}}",
            "",
        ] {
            assert_eq!(clear_value("X", &value(mixed), &none()), None, "{mixed}");
        }
    }

    #[test]
    fn equal_values_go_to_the_base_and_differing_ones_to_each_environment() {
        let prod = vars(&[
            ("A", value("${{x.A}}")),
            ("B", value("${{x.P}}")),
            ("TOKEN", value("t")),
        ]);
        let staging = vars(&[
            ("A", value("${{x.A}}")),
            ("B", value("${{x.S}}")),
            ("TOKEN", value("t")),
        ]);
        let mut placeholders = Vec::new();
        let split = split_scope(
            "api",
            &[("production".into(), &prod), ("staging".into(), &staging)],
            &paths(),
            &none(),
            &mut placeholders,
        );
        assert_eq!(
            split.base,
            vec![
                ("A".to_string(), Slot::Plain("${{x.A}}".into())),
                ("TOKEN".to_string(), Slot::FromEnv(0))
            ]
        );
        assert_eq!(
            split.overrides["staging"],
            vec![("B".to_string(), Slot::Plain("${{x.S}}".into()))]
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
            &none(),
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
            &none(),
            &mut placeholders,
        );
        split_scope(
            "my-api",
            &[("production".into(), &two)],
            &paths(),
            &none(),
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
            &none(),
            &mut placeholders,
        );
        assert_eq!(split, ScopeVariables::default());
    }
}

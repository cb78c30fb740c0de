//! `env SERVICE`: the variables a service gets in one environment, each with its origin and
//! live state. Values of literals are shown; secrets, generated values and every live value stay
//! masked (live values are compared as `Secret`s, never printed).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{OpsError, SENSITIVE, View, settings, table};
use crate::manifest::desired::VariableValue;
use crate::railway::live::LiveVariable;
use crate::secret::{Secret, SecretOrigin};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariablesReport {
    pub service: String,
    pub environment: String,
    pub variables: Vec<VariableRow>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VariableRow {
    /// The variable's name; shared variables are named `shared.NAME`.
    pub name: String,
    /// `literal`, `reference`, `secret:fromEnv NAME`, `secret:fromFile PATH`, `secret:sops`, `generated`,
    /// `shared` or `live` (for unmanaged ones).
    pub origin: String,
    /// The literal value, or `(sensitive)`.
    pub value: String,
    pub sensitive: bool,
    pub state: VariableState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VariableState {
    InSync,
    Differs,
    Missing,
    /// Present on Railway but unreadable, so it cannot be compared.
    Sealed,
    /// On Railway only: the manifest does not manage it.
    Unmanaged,
}

impl VariableState {
    pub fn label(self) -> &'static str {
        match self {
            VariableState::InSync => "in-sync",
            VariableState::Differs => "differs",
            VariableState::Missing => "missing",
            VariableState::Sealed => "sealed",
            VariableState::Unmanaged => "unmanaged",
        }
    }
}

/// The report for `service` in `environment` (default: the manifest's first environment).
pub fn variables(
    view: &View<'_>,
    service: &str,
    environment: Option<&str>,
) -> Result<VariablesReport, OpsError> {
    let desired_service = view.service(service)?;
    let environment = match environment {
        Some(name) => view.resolve_environment(name)?,
        None => view
            .desired
            .environments
            .first()
            .cloned()
            .unwrap_or_default(),
    };
    let mut rows = Vec::new();
    let Some(settings) = settings(desired_service, &environment) else {
        return Ok(VariablesReport {
            service: service.to_string(),
            environment,
            variables: rows,
        });
    };
    let instance = view.instance(service, &environment);
    let empty = BTreeMap::new();
    let live_vars = instance.map(|i| &i.variables).unwrap_or(&empty);
    for (name, value) in &settings.variables {
        rows.push(row(name.clone(), value, live_vars.get(name)));
    }
    let live_shared = view.environment(&environment).map(|e| &e.shared_variables);
    let desired_shared = view.desired.shared_variables.get(&environment);
    for name in referenced_shared(settings.variables.values()) {
        let Some(value) = desired_shared.and_then(|s| s.get(&name)) else {
            continue;
        };
        let mut shared = row(
            format!("shared.{name}"),
            value,
            live_shared.and_then(|s| s.get(&name)),
        );
        shared.origin = "shared".into();
        rows.push(shared);
    }
    for name in live_vars.keys() {
        if !settings.variables.contains_key(name) {
            rows.push(VariableRow {
                name: name.clone(),
                origin: "live".into(),
                value: SENSITIVE.into(),
                sensitive: true,
                state: VariableState::Unmanaged,
            });
        }
    }
    Ok(VariablesReport {
        service: service.to_string(),
        environment,
        variables: rows,
    })
}

fn row(name: String, value: &VariableValue, live: Option<&LiveVariable>) -> VariableRow {
    let (origin, shown) = match value {
        VariableValue::Plain { value } if value.contains("${{") => {
            ("reference".to_string(), value.clone())
        }
        VariableValue::Plain { value } => ("literal".to_string(), value.clone()),
        VariableValue::Secret { secret } => (
            match secret.origin() {
                SecretOrigin::Env(var) => format!("secret:fromEnv {var}"),
                SecretOrigin::File(path) => format!("secret:fromFile {}", path.display()),
                SecretOrigin::Generated => "generated".to_string(),
                SecretOrigin::Sops => "secret:sops".to_string(),
                SecretOrigin::Live => "secret".to_string(),
            },
            SENSITIVE.to_string(),
        ),
        VariableValue::Generate { .. } => ("generated".to_string(), SENSITIVE.to_string()),
    };
    let state = match (value, live) {
        (_, None) => VariableState::Missing,
        (_, Some(LiveVariable::Sealed)) => VariableState::Sealed,
        // Generated once and never rotated: any live value is the one.
        (VariableValue::Generate { .. }, Some(LiveVariable::Value(_))) => VariableState::InSync,
        (VariableValue::Secret { secret }, Some(LiveVariable::Value(live))) => same(secret, live),
        (VariableValue::Plain { value }, Some(LiveVariable::Value(live))) => {
            same(&Secret::new(SecretOrigin::Live, value.clone()), live)
        }
    };
    VariableRow {
        name,
        origin,
        value: shown,
        sensitive: value.is_sensitive(),
        state,
    }
}

fn same(desired: &Secret, live: &Secret) -> VariableState {
    if desired == live {
        VariableState::InSync
    } else {
        VariableState::Differs
    }
}

/// Names `X` of every `${{shared.X}}` in plain values, sorted and deduplicated.
fn referenced_shared<'a>(values: impl Iterator<Item = &'a VariableValue>) -> Vec<String> {
    let mut names = Vec::new();
    for value in values {
        let VariableValue::Plain { value } = value else {
            continue;
        };
        let mut rest = value.as_str();
        while let Some(start) = rest.find("${{") {
            let after = &rest[start + 3..];
            let Some(end) = after.find("}}") else {
                break;
            };
            if let Some(name) = after[..end].trim().strip_prefix("shared.") {
                names.push(name.trim().to_string());
            }
            rest = &after[end + 2..];
        }
    }
    names.sort();
    names.dedup();
    names
}

pub fn render_text(report: &VariablesReport) -> String {
    let mut rows = vec![vec![
        "NAME".to_string(),
        "ORIGIN".into(),
        "STATE".into(),
        "VALUE".into(),
    ]];
    for v in &report.variables {
        rows.push(vec![
            v.name.clone(),
            v.origin.clone(),
            v.state.label().into(),
            v.value.clone(),
        ]);
    }
    let mut out = format!(
        "Variables of {} in {}\n",
        report.service, report.environment
    );
    if report.variables.is_empty() {
        out.push_str("(none: the service is not managed on Railway)\n");
    } else {
        out.push_str(&table(&rows));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_references_are_found_inside_longer_values() {
        let values = [
            VariableValue::Plain {
                value: "${{shared.B}}-${{ shared.A }}:${{redis.HOST}}".into(),
            },
            VariableValue::Plain {
                value: "${{shared.A}}".into(),
            },
        ];
        assert_eq!(referenced_shared(values.iter()), ["A", "B"]);
    }
}

//! Variables in resolution: shared variables merged per environment, and Railway references
//! checked against the manifest (shared names per environment, referenced services on Railway).
//! References to services the manifest does not declare are recorded for the plan, not judged.

use std::collections::BTreeMap;
use std::path::Path;

use super::super::desired::BUCKET_VARIABLES;
use super::super::desired::{PendingReference, VariableValue};
use super::super::diagnostics::{Position, Sink};
use super::super::spec::{
    BucketSpec, ManifestSpec, ServiceSpec, VariableSpec, Variables, merged_variables,
};
use super::buckets::bucket_environments;
use crate::manifest::suggest::suggest;

/// `spec.sharedVariables` with each declared environment's `sharedVariables` merged over it.
pub fn shared_per_environment(spec: &ManifestSpec) -> BTreeMap<String, Variables> {
    spec.environments
        .iter()
        .map(|env| {
            let merged = match spec.environment_shared_variables.get(&env.value) {
                Some(overlay) => merged_variables(&spec.shared_variables, overlay),
                None => spec.shared_variables.clone(),
            };
            (env.value.clone(), merged)
        })
        .collect()
}

/// The desired values of decoded variables.
pub fn values(variables: &Variables) -> BTreeMap<String, VariableValue> {
    variables
        .iter()
        .map(|(name, spec)| (name.clone(), spec.value.clone()))
        .collect()
}

/// An undeclared shared variable, reported once for all the environments lacking it.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct MissingShared {
    at: Position,
    used_in: String,
    name: String,
}

/// R49: `${{<bucket>.<NAME>}}` names one of the bucket's variables, and the bucket has an
/// instance in the environment the reference is read in.
fn check_bucket_reference(
    spec: &ManifestSpec,
    bucket: &BucketSpec,
    variable: &VariableSpec,
    name: &str,
    env: &str,
    sink: &mut Sink,
) {
    let bucket_name = &bucket.name.value;
    let shown = format!("${{{{{bucket_name}.{name}}}}}");
    if !BUCKET_VARIABLES.contains(&name) {
        let hint = match suggest(name, BUCKET_VARIABLES) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("a bucket offers {}", BUCKET_VARIABLES.join(", ")),
        };
        sink.error_with_hint(
            variable.at,
            format!(
                "`{shown}` in `{}`: bucket `{bucket_name}` has no variable `{name}`",
                variable.used_in
            ),
            hint,
        );
    } else if !bucket_environments(bucket, spec).iter().any(|e| e == env) {
        sink.error_with_hint(
            variable.at,
            format!(
                "`{shown}` in `{}`: bucket `{bucket_name}` has no instance in environment `{env}`",
                variable.used_in
            ),
            format!("add `{env}` to spec.buckets.{bucket_name}.environments, or override the variable there"),
        );
    }
}

/// Checks the references of variables environment by environment, then reports once.
pub struct ReferenceCheck<'a> {
    spec: &'a ManifestSpec,
    shared: &'a BTreeMap<String, Variables>,
    file: &'a Path,
    missing_shared: BTreeMap<MissingShared, Vec<String>>,
    pending: Vec<PendingReference>,
}

impl<'a> ReferenceCheck<'a> {
    pub fn new(
        spec: &'a ManifestSpec,
        shared: &'a BTreeMap<String, Variables>,
        file: &'a Path,
    ) -> Self {
        ReferenceCheck {
            spec,
            shared,
            file,
            missing_shared: BTreeMap::new(),
            pending: Vec::new(),
        }
    }

    /// Checks `variables` as they apply in environment `env`.
    pub fn check(&mut self, variables: &Variables, env: &str, sink: &mut Sink) {
        for variable in variables.values() {
            for reference in &variable.references {
                let Some(namespace) = reference.namespace.as_deref() else {
                    // The variable's own service: Railway provides many names, none checked.
                    continue;
                };
                if namespace == "shared" {
                    let declared = self
                        .shared
                        .get(env)
                        .is_some_and(|shared| shared.contains_key(&reference.name));
                    if !declared {
                        let environments = self
                            .missing_shared
                            .entry(MissingShared {
                                at: variable.at,
                                used_in: variable.used_in.clone(),
                                name: reference.name.clone(),
                            })
                            .or_default();
                        if !environments.iter().any(|e| e == env) {
                            environments.push(env.to_string());
                        }
                    }
                    continue;
                }
                if let Some(bucket) = self.spec.buckets.iter().find(|b| b.name.value == namespace) {
                    check_bucket_reference(self.spec, bucket, variable, &reference.name, env, sink);
                    continue;
                }
                let shown = format!("${{{{{namespace}.{}}}}}", reference.name);
                match self.spec.services.iter().find(|s| s.name.value == namespace) {
                    Some(service) if !service.enabled => sink.error_with_hint(
                        variable.at,
                        format!(
                            "`{shown}` in `{}`: service `{namespace}` is planned (enabled: false) and not on Railway",
                            variable.used_in
                        ),
                        "enable the service, or remove the reference until it is",
                    ),
                    Some(service) if service.external_declared => sink.error_with_hint(
                        variable.at,
                        format!(
                            "`{shown}` in `{}`: service `{namespace}` is external, not on Railway",
                            variable.used_in
                        ),
                        "write the external service's URL as a plain value instead",
                    ),
                    Some(service) if !database_sets(service, &reference.name) => {
                        database_reference_error(service, &shown, &variable.used_in, variable.at, sink)
                    }
                    Some(_) => {}
                    None => {
                        let pending = PendingReference {
                            service: namespace.to_string(),
                            used_in: variable.used_in.clone(),
                            file: self.file.to_path_buf(),
                            line: variable.at.line,
                            column: variable.at.column,
                        };
                        if !self.pending.contains(&pending) {
                            self.pending.push(pending);
                        }
                    }
                }
            }
        }
    }

    /// Reports undeclared shared variables and returns the references left for the plan.
    pub fn finish(self, sink: &mut Sink) -> Vec<PendingReference> {
        for (missing, environments) in self.missing_shared {
            let mut declared: Vec<&str> = environments
                .iter()
                .filter_map(|env| self.shared.get(env))
                .flat_map(|shared| shared.keys().map(String::as_str))
                .collect();
            declared.sort_unstable();
            declared.dedup();
            let hint = match suggest(&missing.name, &declared) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "declare `{}` under `spec.sharedVariables` (or the environment's `sharedVariables`)",
                    missing.name
                ),
            };
            let quoted: Vec<String> = environments.iter().map(|e| format!("`{e}`")).collect();
            let plural = if quoted.len() == 1 { "" } else { "s" };
            sink.error_with_hint(
                missing.at,
                format!(
                    "shared variable `{}` is not declared in environment{plural} {} (referenced in `{}`)",
                    missing.name,
                    quoted.join(", "),
                    missing.used_in
                ),
                hint,
            );
        }
        self.pending
    }
}

/// Whether `${{db.NAME}}` names something a service offers: for a database, a variable its
/// template sets (R46), one the manifest declares on it, or one of Railway's own; any name for
/// another service.
fn database_sets(service: &ServiceSpec, name: &str) -> bool {
    let Some(database) = &service.database else {
        return true;
    };
    database.value.engine.exposes(name)
        || name.starts_with("RAILWAY_")
        || service.base.variables.contains_key(name)
        || service
            .overrides
            .iter()
            .any(|(_, overlay)| overlay.variables.contains_key(name))
}

/// A reference to a variable a database's template does not set.
fn database_reference_error(
    service: &ServiceSpec,
    shown: &str,
    used_in: &str,
    at: Position,
    sink: &mut Sink,
) {
    let Some(database) = &service.database else {
        return;
    };
    let row = database.value.engine.row();
    let wanted = shown
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .trim_end_matches('}');
    let hint = match suggest(wanted, row.variables) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!(
            "a {} database offers {} (and the variables the manifest declares on it)",
            row.code,
            row.variables.join(", ")
        ),
    };
    sink.error_with_hint(
        at,
        format!(
            "`{shown}` in `{used_in}`: the {} template of service `{}` sets no such variable",
            row.code, service.name.value
        ),
        hint,
    );
}

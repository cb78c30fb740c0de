//! One service instance's `source`, `build`, `deploy`, `configFile` and `tracing` in the
//! EnvironmentConfig shape the Railway CLI models (R11), both ways: rendered from the stored
//! settings and limits, and decoded back into them after a patch was merged in. The sandbox's
//! own table of those settings ([`FIELDS`]), each row marked with the rule it follows or as a
//! guess; it never reads the operator's table (the sandbox models Railway, not the operator's
//! beliefs). Pure functions: no store, no rules beyond the shape.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::model::{
    Builder, InstanceRecord, InstanceSettings, RegistryCredentialsRecord, ResourceLimits,
    RestartPolicyType, TriggerRecord,
};

/// One setting the sandbox renders into a service's entry of the blob and decodes from it.
pub(crate) struct Field {
    /// Dotted path under `services.<id>` (R11), e.g. `deploy.healthcheckTimeout`.
    pub path: &'static str,
    /// The rule the row follows (`R11`...), or `guess` with why: documentation, checked by
    /// a test.
    #[cfg_attr(not(test), allow(dead_code))]
    pub rule: &'static str,
    /// Whether a change of it alone redeploys the instance (R16: replicas only scale).
    pub redeploys: bool,
    /// The stored value as Railway renders it; `null` leaves the key out.
    pub render: fn(&InstanceSettings) -> Value,
    /// Stores the merged value at `path` (absent or null: the setting keeps the default the
    /// decoding started from).
    pub decode: fn(&mut InstanceSettings, &Value) -> Result<(), ()>,
}

/// A row for an optional setting: rendered when set, cleared by null.
macro_rules! opt {
    ($path:literal, $field:ident, $codec:expr, $rule:literal) => {
        Field {
            path: $path,
            rule: $rule,
            redeploys: true,
            render: |s| json!(s.$field),
            decode: |s, v| {
                s.$field = $codec(v)?;
                Ok(())
            },
        }
    };
}

/// A row for a setting with a default: absent or null is the default.
macro_rules! req {
    ($path:literal, $field:ident, $codec:expr, $rule:literal, render: $render:expr) => {
        Field {
            path: $path,
            rule: $rule,
            redeploys: true,
            render: $render,
            decode: |s, v| {
                if let Some(value) = $codec(v)? {
                    s.$field = value;
                }
                Ok(())
            },
        }
    };
}

/// A tracing switch: rendered only while on (guess from CLI 5.71.0 `iac/compiler.rs`: "Railway
/// only serialises the ones that are on"); absent or null is off.
macro_rules! switch {
    ($path:literal, $field:ident, $redeploys:expr) => {
        Field {
            path: $path,
            rule: "guess: only switches that are on are rendered (CLI 5.71.0 iac/compiler.rs)",
            redeploys: $redeploys,
            render: |s| json!(s.$field.then_some(true)),
            decode: |s, v| {
                s.$field = flag(v)?.unwrap_or(false);
                Ok(())
            },
        }
    };
}

/// The settings a service entry holds, in Railway's rendering order. Limits (on the instance
/// record, not its settings) and the trigger's `branch` / `checkSuites` stay explicit in
/// [`render_sections`] / [`decode_sections`].
pub(crate) static FIELDS: &[Field] = &[
    opt!("source.image", image, text, "R11"),
    opt!("source.repo", repo, text, "R11"),
    opt!("source.rootDirectory", root_directory, text, "R11"),
    req!("build.builder", builder, enum_value::<Builder>, "R11", render: |s| json!(s.builder)),
    opt!("build.buildCommand", build_command, text, "R11"),
    opt!("build.dockerfilePath", dockerfile_path, text, "R11"),
    // Railway's IaC reads an absent list and an empty one as different (guess: Railway renders
    // only what was set, as its CLI's `normalize_for_diff` implies).
    req!("build.watchPatterns", watch_patterns, strings, "R11, R13 (sent whole); guess: empty not rendered",
        render: |s| json!(Some(&s.watch_patterns).filter(|w| !w.is_empty()))),
    opt!("deploy.startCommand", start_command, text, "R11"),
    opt!(
        "deploy.preDeployCommand",
        pre_deploy_command,
        commands,
        "R11, R18"
    ),
    opt!("deploy.healthcheckPath", healthcheck_path, text, "R11"),
    opt!("deploy.healthcheckTimeout", healthcheck_timeout, int, "R11"),
    // R19: placement lives in multiRegionConfig only. Railway's IaC (CLI 5.71.0
    // `service_deploy_with_current_region`) compares a single-region `numReplicas` as
    // multiRegionConfig alone, so Railway cannot be rendering the total beside it.
    Field {
        path: "deploy.multiRegionConfig",
        rule: "R19, R20, R16 (replicas only scale)",
        redeploys: false,
        render: |s| multi_region_json(&s.multi_region_config),
        decode: |s, v| {
            let placement = decode_placement(Some(v)).map_err(|_| ())?;
            if !placement.is_empty() {
                s.multi_region_config = placement;
            }
            s.num_replicas = Some(s.total_replicas().max(1));
            Ok(())
        },
    },
    opt!("deploy.cronSchedule", cron_schedule, text, "R11"),
    // Railway's defaults (ON_FAILURE, 10) are not rendered: its IaC diffs them as set by hand
    // otherwise, and plans of a service it created would never come clean (guess).
    req!("deploy.restartPolicyType", restart_policy_type, enum_value::<RestartPolicyType>,
        "R11; guess: the default is not rendered",
        render: |s| json!(Some(s.restart_policy_type).filter(|t| *t != RestartPolicyType::default()))),
    req!("deploy.restartPolicyMaxRetries", restart_policy_max_retries, int,
        "R11; guess: the default is not rendered",
        render: |s| json!(Some(s.restart_policy_max_retries)
            .filter(|r| *r != InstanceSettings::default().restart_policy_max_retries))),
    opt!("deploy.sleepApplication", sleep_application, flag, "R11"),
    opt!("deploy.drainingSeconds", draining_seconds, int, "R11"),
    opt!("deploy.overlapSeconds", overlap_seconds, int, "R11"),
    // R46: set by database templates, so a volume must be mounted there before it starts.
    opt!("deploy.requiredMountPath", required_mount_path, text, "R46"),
    // Guess: the password is kept for later merges; the blob never shows it (config_blob).
    Field {
        path: "deploy.registryCredentials",
        rule: "R11",
        redeploys: true,
        render: |s| json!(s.registry_credentials),
        decode: |s, v| {
            s.registry_credentials = enum_value::<RegistryCredentialsRecord>(v)?;
            Ok(())
        },
    },
    opt!("deploy.ipv6EgressEnabled", ipv6_egress_enabled, flag, "R11"),
    opt!("configFile", railway_config_file, text, "R11, R18"),
    switch!("tracing.enabled", tracing_enabled, true),
    // CLI 5.71.0 `deploy_effect_for_update`: auto-instrumentation reaches running containers.
    switch!(
        "tracing.autoInstrumentation",
        auto_instrumentation_enabled,
        false
    ),
];

/// Whether `key` of a service entry holds rows of [`FIELDS`] (the rest of an entry are maps
/// a patch applies one by one).
pub(crate) fn is_settings_section(key: &str) -> bool {
    FIELDS.iter().any(|f| f.path.split('.').next() == Some(key))
}

/// Whether going from `before` to `after` redeploys: a redeploying row changed (R16).
pub(crate) fn redeploys(before: &InstanceSettings, after: &InstanceSettings) -> bool {
    FIELDS
        .iter()
        .any(|f| f.redeploys && (f.render)(before) != (f.render)(after))
}

/// A number as Railway's (JavaScript) backend writes it: `2`, never `2.0`. Railway's IaC
/// compares values as JSON text, so `2.0` would read as a change from `2`.
fn json_number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

/// `deploy.multiRegionConfig`: `{<region>: {numReplicas}}` (R19, R20).
pub(crate) fn multi_region_json(placement: &BTreeMap<String, i32>) -> Value {
    Value::Object(
        placement
            .iter()
            .map(|(region, replicas)| (region.clone(), json!({ "numReplicas": replicas })))
            .collect(),
    )
}

/// Puts `value` at the dotted `path` of `entry`, unless it is null.
fn insert_at(entry: &mut Map<String, Value>, path: &str, value: Value) {
    if value.is_null() {
        return;
    }
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else {
        return;
    };
    let mut map = entry;
    for part in parts {
        let slot = map.entry(part).or_insert_with(|| json!({}));
        let Value::Object(inner) = slot else {
            return;
        };
        map = inner;
    }
    map.insert(last.to_string(), value);
}

/// The value at the dotted `path` of `entry`, if any.
fn at_path<'a>(entry: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(entry, |value, part| value.get(part))
}

/// The rendered sections of one instance (R11); keys with no value are left out.
pub(crate) fn render_sections(
    instance: &InstanceRecord,
    trigger: Option<&TriggerRecord>,
) -> Map<String, Value> {
    let s = &instance.settings;
    let mut service = Map::new();
    for section in ["source", "build", "deploy"] {
        service.insert(section.into(), json!({}));
    }
    for field in FIELDS {
        insert_at(&mut service, field.path, (field.render)(s));
    }
    // The trigger's side of the source (R11: `source.branch`, `source.checkSuites`).
    if let Some(t) = trigger {
        insert_at(&mut service, "source.branch", json!(t.branch));
        insert_at(&mut service, "source.checkSuites", json!(t.check_suites));
    }
    // Limits live on the instance record, not its settings: one object of two numbers.
    if let Some(limits) = &instance.limits {
        let containers: Map<String, Value> = [
            ("cpu", limits.v_cpus.map(json_number)),
            // R11: memoryBytes is decimal (2 GB = 2000000000).
            (
                "memoryBytes",
                limits.memory_gb.map(|gb| json!((gb * 1e9).round() as i64)),
            ),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key.to_string(), v)))
        .collect();
        insert_at(
            &mut service,
            "deploy.limitOverride",
            json!({ "containers": containers }),
        );
    }
    service
}

/// A value of the wrong type at a known path of a patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadValue(pub String);

fn text(value: &Value) -> Result<Option<String>, ()> {
    match value {
        Value::Null => Ok(None),
        Value::String(value) => Ok(Some(value.clone())),
        _ => Err(()),
    }
}

fn int(value: &Value) -> Result<Option<i32>, ()> {
    match value {
        Value::Null => Ok(None),
        value => value
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or(()),
    }
}

fn flag(value: &Value) -> Result<Option<bool>, ()> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(value) => Ok(Some(*value)),
        _ => Err(()),
    }
}

fn number(value: &Value) -> Result<Option<f64>, ()> {
    match value {
        Value::Null => Ok(None),
        value => value.as_f64().map(Some).ok_or(()),
    }
}

fn enum_value<T: serde::de::DeserializeOwned>(value: &Value) -> Result<Option<T>, ()> {
    match value {
        Value::Null => Ok(None),
        value => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|_| ()),
    }
}

fn strings(value: &Value) -> Result<Option<Vec<String>>, ()> {
    enum_value(value)
}

/// `preDeployCommand` is a string or a list of strings (R11).
fn commands(value: &Value) -> Result<Option<Vec<String>>, ()> {
    match value {
        Value::String(command) => Ok(Some(vec![command.clone()])),
        value => strings(value),
    }
}

/// `multiRegionConfig` after merging: `{<region>: {numReplicas}}`; a null entry is no region.
pub(crate) fn decode_placement(value: Option<&Value>) -> Result<BTreeMap<String, i32>, BadValue> {
    let Some(entries) = value.and_then(Value::as_object) else {
        return Ok(BTreeMap::new());
    };
    let mut placement = BTreeMap::new();
    for (region, entry) in entries {
        if entry.is_null() {
            continue;
        }
        let replicas = match entry.get("numReplicas") {
            None => None,
            Some(n) => int(n).map_err(|_| BadValue("numReplicas".to_string()))?,
        };
        let replicas = replicas.unwrap_or(1);
        // R13: 0 replicas is how the dashboard and the CLI remove a region.
        if replicas > 0 {
            placement.insert(region.clone(), replicas);
        }
    }
    Ok(placement)
}

/// Settings and limits from merged sections; every key left out takes Railway's default.
pub(crate) fn decode_sections(
    service: &Value,
) -> Result<(InstanceSettings, Option<ResourceLimits>), BadValue> {
    let mut settings = InstanceSettings::default();
    for field in FIELDS {
        let value = at_path(service, field.path).unwrap_or(&Value::Null);
        (field.decode)(&mut settings, value).map_err(|()| BadValue(field.path.to_string()))?;
    }
    let containers = service.pointer("/deploy/limitOverride/containers");
    let limits = match containers {
        None | Some(Value::Null) => None,
        Some(containers) => {
            let read = |key: &str| {
                number(containers.get(key).unwrap_or(&Value::Null))
                    .map_err(|()| BadValue(format!("deploy.limitOverride.containers.{key}")))
            };
            Some(ResourceLimits {
                v_cpus: read("cpu")?,
                memory_gb: read("memoryBytes")?.map(|bytes| bytes / 1e9),
            })
        }
    };
    Ok((settings, limits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_names_its_rule_or_says_it_is_a_guess() {
        for field in FIELDS {
            assert!(
                field.rule.starts_with('R') || field.rule.starts_with("guess"),
                "{}: {}",
                field.path,
                field.rule
            );
        }
    }

    #[test]
    fn every_setting_survives_rendering_and_decoding() {
        let settings = InstanceSettings {
            image: Some("nginx:1".into()),
            repo: None,
            builder: Builder::Nixpacks,
            build_command: Some("make".into()),
            start_command: Some("./run".into()),
            root_directory: Some("api".into()),
            dockerfile_path: Some("Dockerfile".into()),
            railway_config_file: Some("railway.json".into()),
            pre_deploy_command: Some(vec!["migrate".into()]),
            watch_patterns: vec!["src/**".into()],
            healthcheck_path: Some("/h".into()),
            healthcheck_timeout: Some(60),
            num_replicas: Some(3),
            multi_region_config: [
                ("us-west2".to_string(), 1),
                ("europe-west4-drams3a".to_string(), 2),
            ]
            .into_iter()
            .collect(),
            cron_schedule: None,
            restart_policy_type: RestartPolicyType::Always,
            restart_policy_max_retries: 3,
            sleep_application: Some(false),
            draining_seconds: Some(30),
            overlap_seconds: Some(10),
            required_mount_path: Some("/data".into()),
            registry_credentials: Some(RegistryCredentialsRecord {
                username: "bot".into(),
                password: "pw".into(),
            }),
            ipv6_egress_enabled: Some(true),
            tracing_enabled: true,
            auto_instrumentation_enabled: true,
        };
        let instance = InstanceRecord {
            id: "i".into(),
            service_id: "s".into(),
            environment_id: "e".into(),
            settings: settings.clone(),
            limits: Some(ResourceLimits {
                v_cpus: Some(2.0),
                memory_gb: Some(4.0),
            }),
            latest_deployment: None,
            deleted_at: None,
        };
        let rendered = Value::Object(render_sections(&instance, None));
        let (decoded, limits) = decode_sections(&rendered).unwrap();
        assert_eq!(decoded, settings);
        assert_eq!(limits, instance.limits);
    }
}

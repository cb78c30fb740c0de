//! One service instance's `source`, `build`, `deploy` and `configFile` in the EnvironmentConfig
//! shape the Railway CLI models (R11), both ways: rendered from the stored settings and limits,
//! and decoded back into them after a patch was merged in. Pure functions: no store, no rules.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::model::{
    Builder, InstanceRecord, InstanceSettings, ResourceLimits, RestartPolicyType, TriggerRecord,
};

/// Keeps only the keys whose value is set, the way Railway omits unset settings.
fn compact(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(key, value)| (key.to_string(), value))
            .collect(),
    )
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

/// The rendered sections of one instance (R11); keys with no value are left out.
pub(crate) fn render_sections(
    instance: &InstanceRecord,
    trigger: Option<&TriggerRecord>,
) -> Map<String, Value> {
    let s = &instance.settings;
    let defaults = InstanceSettings::default();
    let mut service = Map::new();
    service.insert(
        "source".into(),
        compact(vec![
            ("image", json!(s.image)),
            ("repo", json!(s.repo)),
            ("branch", json!(trigger.map(|t| t.branch.clone()))),
            ("checkSuites", json!(trigger.map(|t| t.check_suites))),
            ("rootDirectory", json!(s.root_directory)),
        ]),
    );
    service.insert(
        "build".into(),
        compact(vec![
            ("builder", json!(s.builder)),
            ("buildCommand", json!(s.build_command)),
            ("dockerfilePath", json!(s.dockerfile_path)),
            // Railway's IaC reads an absent list and an empty one as different (guess: Railway
            // renders only what was set, as its CLI's `normalize_for_diff` implies).
            (
                "watchPatterns",
                json!(Some(&s.watch_patterns).filter(|w| !w.is_empty())),
            ),
        ]),
    );
    let mut deploy = vec![
        ("startCommand", json!(s.start_command)),
        ("preDeployCommand", json!(s.pre_deploy_command)),
        ("healthcheckPath", json!(s.healthcheck_path)),
        ("healthcheckTimeout", json!(s.healthcheck_timeout)),
        // R19: placement lives in multiRegionConfig only. Railway's IaC (CLI 5.71.0
        // `service_deploy_with_current_region`) compares a single-region `numReplicas` as
        // multiRegionConfig alone, so Railway cannot be rendering the total beside it.
        (
            "multiRegionConfig",
            multi_region_json(&s.multi_region_config),
        ),
        ("cronSchedule", json!(s.cron_schedule)),
        // Railway's defaults (ON_FAILURE, 10) are not rendered: its IaC diffs them as set by
        // hand otherwise, and plans of a service it created would never come clean (guess).
        (
            "restartPolicyType",
            json!(Some(s.restart_policy_type).filter(|t| *t != defaults.restart_policy_type)),
        ),
        (
            "restartPolicyMaxRetries",
            json!(
                Some(s.restart_policy_max_retries)
                    .filter(|r| *r != defaults.restart_policy_max_retries)
            ),
        ),
        ("sleepApplication", json!(s.sleep_application)),
        ("drainingSeconds", json!(s.draining_seconds)),
        ("overlapSeconds", json!(s.overlap_seconds)),
        ("requiredMountPath", json!(s.required_mount_path)),
    ];
    if let Some(limits) = &instance.limits {
        let containers = compact(vec![
            ("cpu", json!(limits.v_cpus.map(json_number))),
            // R11: memoryBytes is decimal (2 GB = 2000000000).
            (
                "memoryBytes",
                json!(limits.memory_gb.map(|gb| (gb * 1e9).round() as i64)),
            ),
        ]);
        deploy.push(("limitOverride", json!({ "containers": containers })));
    }
    service.insert("deploy".into(), compact(deploy));
    if let Some(config_file) = &s.railway_config_file {
        service.insert("configFile".into(), json!(config_file));
    }
    service
}

/// A value of the wrong type in a known key of a patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadValue(pub String);

fn text(section: Option<&Value>, key: &str) -> Result<Option<String>, BadValue> {
    match section.and_then(|s| s.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(BadValue(key.to_string())),
    }
}

fn int(section: Option<&Value>, key: &str) -> Result<Option<i32>, BadValue> {
    match section.and_then(|s| s.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| BadValue(key.to_string())),
    }
}

fn flag(section: Option<&Value>, key: &str) -> Result<Option<bool>, BadValue> {
    match section.and_then(|s| s.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(value)) => Ok(Some(*value)),
        Some(_) => Err(BadValue(key.to_string())),
    }
}

fn number(section: Option<&Value>, key: &str) -> Result<Option<f64>, BadValue> {
    match section.and_then(|s| s.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value.as_f64().map(Some).ok_or(BadValue(key.to_string())),
    }
}

fn enum_value<T: serde::de::DeserializeOwned>(
    section: Option<&Value>,
    key: &str,
) -> Result<Option<T>, BadValue> {
    match section.and_then(|s| s.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|_| BadValue(key.to_string())),
    }
}

/// `preDeployCommand` is a string or a list of strings.
fn commands(section: Option<&Value>, key: &str) -> Result<Option<Vec<String>>, BadValue> {
    match section.and_then(|s| s.get(key)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(command)) => Ok(Some(vec![command.clone()])),
        Some(value) => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|_| BadValue(key.to_string())),
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
        let replicas = int(Some(entry), "numReplicas")?.unwrap_or(1);
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
    let source = service.get("source");
    let build = service.get("build");
    let deploy = service.get("deploy");
    let defaults = InstanceSettings::default();
    let placement = decode_placement(deploy.and_then(|d| d.get("multiRegionConfig")))?;
    let settings = InstanceSettings {
        image: text(source, "image")?,
        repo: text(source, "repo")?,
        root_directory: text(source, "rootDirectory")?,
        builder: enum_value::<Builder>(build, "builder")?.unwrap_or(defaults.builder),
        build_command: text(build, "buildCommand")?,
        dockerfile_path: text(build, "dockerfilePath")?,
        watch_patterns: enum_value(build, "watchPatterns")?.unwrap_or_default(),
        railway_config_file: text(Some(service), "configFile")?,
        start_command: text(deploy, "startCommand")?,
        pre_deploy_command: commands(deploy, "preDeployCommand")?,
        healthcheck_path: text(deploy, "healthcheckPath")?,
        healthcheck_timeout: int(deploy, "healthcheckTimeout")?,
        num_replicas: Some(placement.values().sum::<i32>().max(1)),
        multi_region_config: if placement.is_empty() {
            defaults.multi_region_config
        } else {
            placement
        },
        cron_schedule: text(deploy, "cronSchedule")?,
        restart_policy_type: enum_value::<RestartPolicyType>(deploy, "restartPolicyType")?
            .unwrap_or(defaults.restart_policy_type),
        restart_policy_max_retries: int(deploy, "restartPolicyMaxRetries")?
            .unwrap_or(defaults.restart_policy_max_retries),
        sleep_application: flag(deploy, "sleepApplication")?,
        draining_seconds: int(deploy, "drainingSeconds")?,
        overlap_seconds: int(deploy, "overlapSeconds")?,
        required_mount_path: text(deploy, "requiredMountPath")?,
    };
    let containers = deploy.and_then(|d| d.pointer("/limitOverride/containers"));
    let limits = match containers {
        None | Some(Value::Null) => None,
        Some(containers) => Some(ResourceLimits {
            v_cpus: number(Some(containers), "cpu")?,
            memory_gb: number(Some(containers), "memoryBytes")?.map(|bytes| bytes / 1e9),
        }),
    };
    Ok((settings, limits))
}

#[cfg(test)]
mod tests {
    use super::*;

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

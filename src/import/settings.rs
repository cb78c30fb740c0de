//! One live service instance's settings as manifest entries: `(path, value, default, rule)` per
//! setting, in the manifest's vocabulary and with strings escaped against `${VAR}` expansion.
//! Pure; deciding base versus override is `split`'s job.

use serde_yaml::{Mapping, Value};

use super::split::MergeRule;
use super::yaml::{literal, mapping, number};
use crate::railway::live::{LiveInstance, LiveSource};

/// One setting of one instance.
pub struct Entry {
    /// Where it goes under the service (or an override), e.g. `["deploy", "replicas"]`.
    pub path: &'static [&'static str],
    /// `None`: unset on Railway.
    pub value: Option<Value>,
    /// Railway's default: a value equal to it is left out where possible.
    pub default: Option<Value>,
    pub rule: MergeRule,
}

/// The source as the manifest writes it; `None` when the manifest cannot express it (no source,
/// or a repository without a deployment trigger, hence without a branch).
pub fn source(instance: &LiveInstance) -> Option<Value> {
    match instance.source.as_ref()? {
        LiveSource::Image(image) => Some(mapping([("image", literal(image))])),
        LiveSource::Repo { repo, branch, .. } => {
            let mut fields = Mapping::new();
            fields.insert("repo".into(), literal(repo));
            fields.insert("branch".into(), literal(branch.as_ref()?));
            if let Some(root) = instance.root_directory.as_ref().filter(|r| !r.is_empty()) {
                fields.insert("rootDirectory".into(), literal(root));
            }
            Some(Value::Mapping(fields))
        }
    }
}

/// Every setting the manifest can manage, source first.
pub fn entries(instance: &LiveInstance) -> Vec<Entry> {
    let text = |value: &Option<String>| value.as_deref().filter(|v| !v.is_empty()).map(literal);
    let int = |value: Option<i64>, min: i64| value.filter(|v| *v >= min).map(Value::from);
    let entry = |path, value, default: Option<Value>| Entry {
        path,
        value,
        default,
        rule: MergeRule::Replace,
    };
    let restart_policy = instance.restart_policy_type.map(|kind| {
        let mut fields = Mapping::new();
        fields.insert("type".into(), to_value(kind));
        if kind == crate::manifest::desired::RestartPolicyType::OnFailure
            && let Some(retries) = instance.restart_policy_max_retries.filter(|r| *r >= 0)
        {
            fields.insert("maxRetries".into(), Value::from(retries));
        }
        Value::Mapping(fields)
    });
    let list = |items: &[String]| Value::Sequence(items.iter().map(|i| literal(i)).collect());
    vec![
        Entry {
            path: &["source"],
            value: source(instance),
            default: None,
            rule: MergeRule::Source,
        },
        entry(
            &["build", "builder"],
            instance.builder.map(to_value),
            Some(Value::from("RAILPACK")),
        ),
        entry(
            &["build", "buildCommand"],
            text(&instance.build_command),
            None,
        ),
        entry(
            &["build", "dockerfilePath"],
            text(&instance.dockerfile_path),
            None,
        ),
        entry(
            &["build", "watchPatterns"],
            Some(list(&instance.watch_patterns)),
            Some(Value::Sequence(Vec::new())),
        ),
        entry(
            &["deploy", "startCommand"],
            text(&instance.start_command),
            None,
        ),
        entry(
            &["deploy", "preDeployCommand"],
            instance
                .pre_deploy_command
                .as_deref()
                .filter(|c| !c.is_empty())
                .map(list),
            None,
        ),
        entry(
            &["deploy", "healthcheck", "path"],
            text(&instance.healthcheck_path),
            None,
        ),
        entry(
            &["deploy", "healthcheck", "timeoutSeconds"],
            int(instance.healthcheck_timeout, 1),
            None,
        ),
        entry(
            &["deploy", "replicas"],
            int(instance.num_replicas, 1),
            Some(Value::from(1)),
        ),
        entry(&["deploy", "region"], text(&instance.region), None),
        Entry {
            path: &["deploy", "restartPolicy"],
            value: restart_policy,
            default: Some(mapping([
                ("type", Value::from("ON_FAILURE")),
                ("maxRetries", Value::from(10)),
            ])),
            rule: MergeRule::FieldByField,
        },
        entry(
            &["deploy", "cronSchedule"],
            text(&instance.cron_schedule),
            None,
        ),
        entry(
            &["deploy", "sleepApplication"],
            instance.sleep_application.map(Value::from),
            Some(Value::from(false)),
        ),
        entry(
            &["deploy", "drainingSeconds"],
            int(instance.draining_seconds, 0),
            None,
        ),
        entry(
            &["deploy", "overlapSeconds"],
            int(instance.overlap_seconds, 0),
            None,
        ),
        entry(
            &["deploy", "limits", "vcpus"],
            positive(instance.limits.vcpus),
            None,
        ),
        entry(
            &["deploy", "limits", "memoryGB"],
            positive(instance.limits.memory_gb),
            None,
        ),
    ]
}

fn positive(value: Option<f64>) -> Option<Value> {
    value
        .map(number)
        .filter(|v| v.as_f64().is_some_and(|n| n > 0.0))
}

fn to_value<T: serde::Serialize>(value: T) -> Value {
    serde_yaml::to_value(value).unwrap_or(Value::Null)
}

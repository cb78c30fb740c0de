//! One live service instance's settings as manifest entries: `(path, value, default, rule)` per
//! setting, in the manifest's vocabulary and with strings escaped against `${VAR}` expansion.
//! Pure; deciding base versus override is `split`'s job.

use serde_yaml::{Mapping, Value};

use super::split::MergeRule;
use super::yaml::{literal, mapping, number};
use crate::manifest::desired::RestartPolicyType;
use crate::manifest::setting::table::MAX_RETRIES;
use crate::manifest::setting::{Channel, Kind, Row, TABLE, Val};
use crate::railway::live::{LiveInstance, LiveSource};

/// One setting of one instance.
pub struct Entry {
    /// Where it goes under the service (or an override), e.g. `deploy.replicas`.
    pub path: &'static str,
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

/// Every setting the manifest can manage: the source, then each row of the setting table
/// (the restart policy's two rows as one mapping, see [`restart_policy`]).
pub fn entries(instance: &LiveInstance) -> Vec<Entry> {
    let mut entries = vec![Entry {
        path: "source",
        value: source(instance),
        default: None,
        rule: MergeRule::Source,
    }];
    let mut restart_done = false;
    for row in TABLE.iter().filter(|row| placement_written(row, instance)) {
        if row.path.starts_with(RESTART_POLICY) {
            if !restart_done {
                entries.push(restart_policy(instance));
                restart_done = true;
            }
            continue;
        }
        entries.push(Entry {
            path: row.path,
            value: (row.get)(&instance.values).and_then(|v| yaml_of(row, v)),
            default: row.default.and_then(|v| yaml_of(row, v)),
            rule: MergeRule::Replace,
        });
    }
    entries
}

/// Placement is written one way (R20): several live regions as replicas per region, one region
/// as a region and a replica count.
fn placement_written(row: &Row, instance: &LiveInstance) -> bool {
    if row.channel != Channel::Placement {
        return true;
    }
    let several = instance
        .values
        .regions
        .as_ref()
        .is_some_and(|r| r.len() > 1);
    (row.kind == Kind::Regions) == several
}

/// The group the restart policy's rows share.
const RESTART_POLICY: &str = "deploy.restartPolicy";

/// `deploy.restartPolicy` as one mapping merged field by field: `maxRetries` is valid only with
/// `type: ON_FAILURE` (a `resolve` rule), so the two are written together or not at all.
fn restart_policy(instance: &LiveInstance) -> Entry {
    let rows: Vec<&Row> = TABLE
        .iter()
        .filter(|r| r.path.starts_with(RESTART_POLICY))
        .collect();
    let on_failure = instance.values.restart_policy_type == Some(RestartPolicyType::OnFailure);
    let fields = |pick: &dyn Fn(&Row) -> Option<Value>, all: bool| {
        let fields: Mapping = rows
            .iter()
            .filter(|row| all || row.path != MAX_RETRIES)
            .filter_map(|row| Some((Value::from(row.name()), pick(row)?)))
            .collect();
        (!fields.is_empty()).then_some(Value::Mapping(fields))
    };
    Entry {
        path: RESTART_POLICY,
        value: instance.values.restart_policy_type.and(fields(
            &|row| (row.get)(&instance.values).and_then(|v| yaml_of(row, v)),
            on_failure,
        )),
        default: fields(&|row| row.default.and_then(|v| yaml_of(row, v)), true),
        rule: MergeRule::FieldByField,
    }
}

/// A live value as the manifest writes it; `None` where the manifest would not accept it (an
/// empty string, a number out of range) or cannot hold it (a password Railway never shows).
fn yaml_of(row: &Row, value: Val<'_>) -> Option<Value> {
    match (row.kind, value) {
        (_, Val::Text(text)) => (!text.is_empty()).then(|| literal(text)),
        (Kind::Int { min }, Val::Int(n)) => (n >= min).then(|| Value::from(n)),
        (_, Val::Num(n)) => (n > 0.0).then(|| number(n)),
        (Kind::OneCommand, Val::List([])) => None,
        (_, Val::List(items)) => Some(Value::Sequence(items.iter().map(|i| literal(i)).collect())),
        (_, Val::Bool(b)) => Some(Value::from(b)),
        (_, Val::Enum(name)) => Some(Value::from(name)),
        (_, Val::Regions(regions)) => Some(Value::Mapping(
            regions
                .iter()
                .map(|(region, n)| (Value::from(region.as_str()), Value::from(*n)))
                .collect(),
        )),
        _ => None,
    }
}

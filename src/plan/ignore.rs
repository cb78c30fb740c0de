//! Ignore rules (`ignore:`) as the planner applies them to one existing instance: the settings
//! and live variables it compares once ignored fields are taken out, and the labels of the
//! differences left alone, for the plan to count. Pure. A new instance is created with the
//! manifest's values whole, so nothing here applies to it; inventories are the caller's.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::action::FieldChange;
use super::domains::{DomainChange, DomainKind};
use crate::manifest::desired::{InstanceSettings, Source, VariableValue};
use crate::manifest::ignore::{IgnorePath, IgnoreRules, setting_fields};
use crate::manifest::setting::{self, SOURCE_PATHS};
use crate::railway::live::LiveVariable;

/// The rules in force for one instance: its `ignore:` list when it exists on Railway, else none.
#[derive(Debug, Clone, Copy)]
pub struct Ignoring<'a> {
    rules: &'a [IgnorePath],
}

impl<'a> Ignoring<'a> {
    pub fn for_instance(settings: &'a InstanceSettings, exists: bool) -> Self {
        let rules = if exists { &settings.ignore[..] } else { &[] };
        Ignoring { rules }
    }

    pub fn domains(&self) -> bool {
        self.rules.ignores(&IgnorePath::Domains)
    }

    /// TCP proxies alone, or with the domains.
    pub fn tcp_proxies(&self) -> bool {
        self.domains() || self.rules.ignores(&IgnorePath::TcpProxies)
    }

    pub fn volume(&self) -> bool {
        self.rules.ignores(&IgnorePath::Volume)
    }

    pub fn variable(&self, name: &str) -> bool {
        self.rules.ignores_variable(name)
    }

    fn any_variable(&self) -> bool {
        self.rules
            .iter()
            .any(|p| matches!(p, IgnorePath::Variables(_)))
    }

    /// The settings to compare and send: ignored fields unset (`None` is "not managed", so
    /// they are neither diffed nor written) and ignored variables dropped.
    pub fn compared(&self, settings: &'a InstanceSettings) -> Cow<'a, InstanceSettings> {
        if self.rules.is_empty() {
            return Cow::Borrowed(settings);
        }
        let mut compared = settings.clone();
        for field in setting_fields().filter(|f| self.rules.ignores_setting(f)) {
            unset(&mut compared, field);
        }
        compared.variables.retain(|name, _| !self.variable(name));
        // Whether the volume exists is the caller's to know: it applies this only to one that does.
        if self.rules.ignores(&IgnorePath::VolumeBackups)
            && let Some(volume) = &mut compared.volume
        {
            volume.native_schedules = None;
        }
        Cow::Owned(compared)
    }

    /// Live variables the rules leave visible: ignored ones are neither changed nor deleted.
    pub fn live_variables(
        &self,
        live: &'a BTreeMap<String, LiveVariable>,
    ) -> Cow<'a, BTreeMap<String, LiveVariable>> {
        if !self.any_variable() {
            return Cow::Borrowed(live);
        }
        Cow::Owned(
            live.iter()
                .filter(|(name, _)| !self.variable(name))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        )
    }

    /// Only the ignored variables, desired and live, to count what is left alone.
    pub fn ignored_variables(
        &self,
        desired: &BTreeMap<String, VariableValue>,
        live: &BTreeMap<String, LiveVariable>,
    ) -> (
        BTreeMap<String, VariableValue>,
        BTreeMap<String, LiveVariable>,
    ) {
        if !self.any_variable() {
            return (BTreeMap::new(), BTreeMap::new());
        }
        let pick = |name: &String| self.variable(name);
        (
            desired
                .iter()
                .filter(|(n, _)| pick(n))
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
            live.iter()
                .filter(|(n, _)| pick(n))
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
        )
    }
}

/// Sets one settings field (a name of [`setting_fields`]) to "not managed".
fn unset(settings: &mut InstanceSettings, field: &str) {
    if field == SOURCE_PATHS[0] {
        settings.source = None;
    } else if field == SOURCE_PATHS[1] {
        if let Some(Source::Repo { root_directory, .. }) = &mut settings.source {
            *root_directory = None;
        }
    } else if let Some(row) = setting::row(field) {
        (row.clear)(&mut settings.values);
    }
}

/// Fields that differ in `full` (the manifest's settings) but not in `compared`.
pub fn left_alone(full: &[FieldChange], compared: &[FieldChange]) -> Vec<String> {
    full.iter()
        .filter(|c| !compared.iter().any(|k| k.field == c.field))
        .map(|c| c.field.to_string())
        .collect()
}

/// How an ignored domain or TCP proxy difference is named: `domains.<host>` (`domains` for a
/// generated domain not named yet) or `tcpProxies.<port>`.
pub fn domain_label(change: &DomainChange) -> String {
    match (change.kind, change.name.as_str()) {
        (DomainKind::TcpProxy, port) => format!("tcpProxies.{port}"),
        (_, "") => "domains".to_string(),
        (_, name) => format!("domains.{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::desired::{Builder, RestartPolicyType};
    use crate::manifest::setting::SettingValues;
    use crate::plan::settings::diff_settings;

    /// Every settings field set, so a diff against nothing lists them all.
    fn everything() -> InstanceSettings {
        InstanceSettings {
            source: Some(Source::Repo {
                repo: "o/r".into(),
                branch: "main".into(),
                root_directory: Some("/app".into()),
            }),
            values: SettingValues {
                builder: Some(Builder::Railpack),
                build_command: Some("make".into()),
                dockerfile_path: Some("Dockerfile".into()),
                watch_patterns: Some(vec!["src/**".into()]),
                start_command: Some("./run".into()),
                pre_deploy_command: Some(vec!["./migrate".into()]),
                healthcheck_path: Some("/health".into()),
                healthcheck_timeout: Some(30),
                num_replicas: Some(2),
                region: Some("us-west2".into()),
                restart_policy_type: Some(RestartPolicyType::OnFailure),
                restart_policy_max_retries: Some(3),
                cron_schedule: Some("0 * * * *".into()),
                sleep_application: Some(true),
                draining_seconds: Some(10),
                overlap_seconds: Some(5),
                vcpus: Some(1.0),
                memory_gb: Some(2.0),
                regions: Some([("us-west2".to_string(), 2)].into_iter().collect()),
                registry_credentials: Some(crate::manifest::setting::RegistryCredentials {
                    username: "bot".into(),
                    password: crate::secret::Secret::new(
                        crate::secret::SecretOrigin::Generated,
                        "pw",
                    ),
                }),
                ipv6_egress: Some(true),
                tracing_enabled: Some(true),
                auto_instrumentation: Some(true),
            },
            ..InstanceSettings::default()
        }
    }

    #[test]
    fn the_ignore_vocabulary_names_exactly_the_fields_the_plan_diffs() {
        let fields: Vec<&str> = diff_settings(&everything(), None)
            .iter()
            .map(|c| c.field)
            .collect();
        assert_eq!(fields, setting_fields().collect::<Vec<_>>());
    }

    #[test]
    fn ignoring_a_field_takes_that_field_and_only_it_out_of_the_diff() {
        for field in setting_fields() {
            let mut settings = everything();
            settings.ignore = vec![IgnorePath::parse(field).unwrap()];
            let ignoring = Ignoring::for_instance(&settings, true);
            let compared = ignoring.compared(&settings);
            let left: Vec<&str> = diff_settings(&compared, None)
                .iter()
                .map(|c| c.field)
                .collect();
            let expected: Vec<&str> = setting_fields()
                .filter(|f| *f != field && !(field == "source" && f.starts_with("source.")))
                .collect();
            assert_eq!(left, expected, "{field}");
        }
    }

    #[test]
    fn a_new_instance_is_compared_with_everything_the_manifest_says() {
        let mut settings = everything();
        settings.ignore = vec![IgnorePath::parse("deploy").unwrap()];
        let compared = Ignoring::for_instance(&settings, false).compared(&settings);
        assert_eq!(
            diff_settings(&compared, None).len(),
            setting_fields().count()
        );
    }
}

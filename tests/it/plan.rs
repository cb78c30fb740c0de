//! The pure planner on hand-built desired and live states: what it creates, changes, leaves alone.

use std::collections::BTreeMap;

use railway_operator::inventory::InventoryState;
use railway_operator::manifest::desired::{
    DeployPolicy, Desired, DesiredService, InstanceSettings, Policy, ProjectRef, ServiceKind,
    Source,
};
use railway_operator::manifest::setting::SettingValues;
use railway_operator::plan::render::{NO_CHANGES, render_json, render_text};
use railway_operator::plan::{Action, PlanOptions, plan};
use railway_operator::railway::live::{
    Live, LiveEnvironment, LiveInstance, LivePreview, LiveProject, LiveService, LiveSource,
};

fn settings(image: &str, replicas: i64) -> InstanceSettings {
    InstanceSettings {
        source: Some(Source::Image(image.into())),
        values: SettingValues {
            num_replicas: Some(replicas),
            start_command: Some("run".into()),
            ..SettingValues::default()
        },
        ..InstanceSettings::default()
    }
}

fn managed(name: &str, per_env: &[(&str, InstanceSettings)]) -> DesiredService {
    DesiredService {
        name: name.into(),
        phase: None,
        kind: ServiceKind::Managed {
            environments: per_env
                .iter()
                .map(|(e, s)| (e.to_string(), s.clone()))
                .collect(),
        },
        database: None,
    }
}

fn desired(services: Vec<DesiredService>, envs: &[&str]) -> Desired {
    Desired {
        source_path: "test.yml".into(),
        project: ProjectRef {
            name: "demo".into(),
            id: None,
            workspace_id: None,
        },
        policy: Policy::default(),
        environments: envs.iter().map(|e| e.to_string()).collect(),
        services,
        shared_variables: envs
            .iter()
            .map(|e| (e.to_string(), BTreeMap::new()))
            .collect(),
        pending_references: Vec::new(),
        warnings: Vec::new(),
        notifications: Vec::new(),
        previews: None,
        buckets: Vec::new(),
    }
}

fn live_instance(service_id: &str, name: &str, image: &str, replicas: i64) -> LiveInstance {
    LiveInstance {
        id: format!("inst-{service_id}"),
        service_id: service_id.into(),
        service_name: name.into(),
        source: Some(LiveSource::Image(image.into())),
        values: SettingValues {
            start_command: Some("run".into()),
            num_replicas: Some(replicas),
            ..SettingValues::default()
        },
        root_directory: None,
        railway_config_file: None,
        variables: BTreeMap::new(),
        service_domains: Vec::new(),
        custom_domains: Vec::new(),
        tcp_proxies: Vec::new(),
        latest_deployment: None,
    }
}

fn live(services: &[(&str, &str, &str, i64)], envs: &[&str]) -> Live {
    Live {
        project: Some(LiveProject {
            id: "p1".into(),
            name: "demo".into(),
            workspace_id: None,
            restricted_environments: Vec::new(),
            buckets: Vec::new(),
            pr_settings: Default::default(),
            previews: Vec::new(),
            token_environment: None,
            services: services
                .iter()
                .map(|(id, name, _, _)| LiveService {
                    id: id.to_string(),
                    name: name.to_string(),
                    template_service_id: None,
                })
                .collect(),
            environments: envs
                .iter()
                .map(|env| LiveEnvironment {
                    id: format!("env-{env}"),
                    name: env.to_string(),
                    config_etag: String::new(),
                    unmerged_changes: 0,
                    is_fork: false,
                    instances: services
                        .iter()
                        .map(|(id, name, image, replicas)| {
                            (id.to_string(), live_instance(id, name, image, *replicas))
                        })
                        .collect::<BTreeMap<_, _>>(),
                    shared_variables: BTreeMap::new(),
                    inventory: InventoryState::Absent,
                    volumes: Vec::new(),
                    buckets: Default::default(),
                })
                .collect(),
        }),
        new_project_home: None,
    }
}

#[test]
fn a_missing_project_is_created_with_its_environments_and_services() {
    let d = desired(
        vec![managed(
            "api",
            &[
                ("production", settings("api:1", 1)),
                ("staging", settings("api:1", 1)),
            ],
        )],
        &["production", "staging"],
    );
    let p = plan(&d, &Live::default(), &PlanOptions::default());
    let summary = p.summary();
    assert_eq!(
        (summary.add, summary.change, summary.destroy),
        (3, 0, 0),
        "{p:#?}"
    );
    assert!(
        matches!(&p.actions[0], Action::CreateProject { default_environment, .. } if default_environment == "production")
    );
    assert!(matches!(&p.actions[1], Action::CreateEnvironment { name } if name == "staging"));
    assert!(matches!(&p.actions[2], Action::CreateService { name, .. } if name == "api"));
    let text = render_text(&p);
    assert!(
        text.contains("Plan: 3 to add, 0 to change, 0 to destroy."),
        "{text}"
    );
    assert!(text.contains("+ service api"), "{text}");
}

#[test]
fn matching_live_state_gives_no_changes() {
    let d = desired(
        vec![managed("api", &[("production", settings("api:1", 2))])],
        &["production"],
    );
    let p = plan(
        &d,
        &live(&[("s1", "api", "api:1", 2)], &["production"]),
        &PlanOptions::default(),
    );
    assert!(!p.has_changes(), "{p:#?}");
    assert!(render_text(&p).contains(NO_CHANGES));
    assert_eq!(render_json(&p)["changesPending"], false);
}

#[test]
fn one_changed_setting_gives_exactly_one_field_change_and_one_deploy() {
    let mut wanted = settings("api:1", 2);
    wanted.values.start_command = Some("./serve --v2".into());
    let d = desired(
        vec![managed("api", &[("production", wanted)])],
        &["production"],
    );
    let p = plan(
        &d,
        &live(&[("s1", "api", "api:1", 2)], &["production"]),
        &PlanOptions::default(),
    );
    assert_eq!(p.actions.len(), 2, "{p:#?}");
    let Action::ConfigureInstance { changes, .. } = &p.actions[0] else {
        panic!("expected a configure action: {p:#?}");
    };
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].field, "deploy.startCommand");
    assert!(matches!(&p.actions[1], Action::DeployInstance { .. }));
    let text = render_text(&p);
    assert_eq!(
        text.matches(" ~ ").count(),
        2,
        "one service line and one field line: {text}"
    );
    assert!(
        text.contains("~ deploy.startCommand: \"run\" -> \"./serve --v2\""),
        "{text}"
    );
    assert!(
        text.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{text}"
    );
}

#[test]
fn deploy_policy_never_plans_no_deploys() {
    let mut d = desired(
        vec![managed("api", &[("production", settings("api:2", 2))])],
        &["production"],
    );
    d.policy.deploy = DeployPolicy::Never;
    let p = plan(
        &d,
        &live(&[("s1", "api", "api:1", 2)], &["production"]),
        &PlanOptions::default(),
    );
    assert!(
        p.actions
            .iter()
            .all(|a| !matches!(a, Action::DeployInstance { .. }))
    );
}

#[test]
fn services_not_in_the_manifest_are_noted_and_never_deleted() {
    let d = desired(
        vec![managed("api", &[("production", settings("api:1", 1))])],
        &["production"],
    );
    let l = live(
        &[("s1", "api", "api:1", 1), ("s2", "hand-made", "x:1", 1)],
        &["production"],
    );
    let p = plan(&d, &l, &PlanOptions::default());
    assert!(!p.has_changes());
    assert!(
        p.notes.iter().any(|n| n.contains("hand-made")),
        "{:?}",
        p.notes
    );
}

#[test]
fn planned_and_external_services_are_never_reconciled() {
    let mut services = vec![DesiredService {
        name: "later".into(),
        phase: Some(2),
        kind: ServiceKind::Planned { source: None },
        database: None,
    }];
    services.push(DesiredService {
        name: "docs".into(),
        phase: None,
        kind: ServiceKind::External {
            url: "https://docs.example.com".into(),
            health_path: Some("/".into()),
        },
        database: None,
    });
    let d = desired(services, &["production"]);
    let p = plan(&d, &live(&[], &["production"]), &PlanOptions::default());
    assert!(!p.has_changes(), "{p:#?}");
}

#[test]
fn r5_a_new_environment_in_a_project_with_services_starts_empty_and_its_patch_adds_the_instances() {
    let d = desired(
        vec![managed(
            "api",
            &[
                ("production", settings("api:1", 1)),
                ("staging", settings("api:1", 1)),
            ],
        )],
        &["production", "staging"],
    );
    let p = plan(
        &d,
        &live(&[("s1", "api", "api:1", 1)], &["production"]),
        &PlanOptions::default(),
    );
    assert!(
        matches!(&p.actions[0], Action::CreateEnvironment { name } if name == "staging"),
        "{p:#?}"
    );
    assert!(
        p.actions.iter().any(|a| matches!(a,
            Action::ConfigureInstance { service, environment, create_instance: true, new_service: false, .. }
                if service == "api" && environment == "staging")),
        "the existing service gets a new instance in the new environment: {p:#?}"
    );
    assert!(
        !p.actions
            .iter()
            .any(|a| a.environment() == Some("production")),
        "nothing changes in production: {p:#?}"
    );
}

#[test]
fn only_environment_limits_instance_actions_to_that_environment() {
    let d = desired(
        vec![managed(
            "api",
            &[
                ("production", settings("api:2", 1)),
                ("staging", settings("api:2", 1)),
            ],
        )],
        &["production", "staging"],
    );
    let l = live(&[("s1", "api", "api:1", 1)], &["production", "staging"]);
    let p = plan(
        &d,
        &l,
        &PlanOptions {
            only_environment: Some("staging".into()),
            ..PlanOptions::default()
        },
    );
    assert!(
        p.actions.iter().all(|a| a.environment() == Some("staging")),
        "{p:#?}"
    );
    assert_eq!(p.summary().change, 1);
}

#[test]
fn the_json_plan_is_versioned_and_carries_addresses_and_field_changes() {
    let d = desired(
        vec![managed("api", &[("production", settings("api:1", 3))])],
        &["production"],
    );
    let p = plan(
        &d,
        &live(&[("s1", "api", "api:1", 2)], &["production"]),
        &PlanOptions::default(),
    );
    let json = render_json(&p);
    assert_eq!(json["formatVersion"], 2);
    assert_eq!(json["summary"]["change"], 1);
    assert_eq!(json["actions"][0]["address"], "service.api[production]");
    assert_eq!(json["actions"][0]["changes"][0]["field"], "deploy.replicas");
    assert_eq!(json["actions"][0]["changes"][0]["before"], 2);
    assert_eq!(json["actions"][0]["changes"][0]["after"], 3);
    assert!(json["actions"][0].get("desired").is_none());
}

#[test]
fn a_repo_source_compares_repository_and_branch() {
    let mut s = settings("unused", 1);
    s.source = Some(Source::Repo {
        repo: "org/app".into(),
        branch: "main".into(),
        root_directory: None,
    });
    let d = desired(vec![managed("api", &[("production", s)])], &["production"]);
    let mut l = live(&[("s1", "api", "x", 1)], &["production"]);
    if let Some(p) = l.project.as_mut() {
        let inst = p.environments[0].instances.get_mut("s1").expect("instance");
        inst.source = Some(LiveSource::Repo {
            repo: "org/app".into(),
            branch: Some("develop".into()),
            trigger_id: Some("t1".into()),
        });
    }
    let p = plan(&d, &l, &PlanOptions::default());
    let text = render_text(&p);
    assert!(
        text.contains("~ source: repo org/app@develop -> repo org/app@main"),
        "{text}"
    );
}

#[test]
fn r20_a_region_change_writes_multi_region_config_with_the_old_region_nulled() {
    let mut wanted = settings("nginx", 2);
    wanted.values.region = Some("europe-west4-drams3a".into());
    let mut running = live_instance("s1", "api", "nginx", 2);
    running.values.region = Some("us-west2".into());
    let entry = railway_operator::apply::instance_entry(&wanted, Some(&running), &[]);
    let deploy = &entry["deploy"];
    assert!(
        deploy.get("region").is_none(),
        "the region input moves nothing on Railway: {deploy}"
    );
    assert_eq!(
        deploy["multiRegionConfig"],
        serde_json::json!({
            "europe-west4-drams3a": { "numReplicas": 2 },
            "us-west2": null
        })
    );
}

#[test]
fn r20_a_manifest_without_a_region_leaves_the_placement_alone() {
    let running = live_instance("s1", "api", "nginx", 2);
    let entry = railway_operator::apply::instance_entry(&settings("nginx", 2), Some(&running), &[]);
    assert!(entry.get("deploy").is_none(), "{entry:?}");
}

#[test]
fn r13_a_switch_from_image_to_repo_sends_the_repo_with_its_branch_and_clears_the_image() {
    let mut wanted = settings("unused", 2);
    wanted.source = Some(Source::Repo {
        repo: "org/app".into(),
        branch: "main".into(),
        root_directory: Some("api".into()),
    });
    let running = live_instance("s1", "api", "nginx", 2);
    let entry = railway_operator::apply::instance_entry(&wanted, Some(&running), &[]);
    assert_eq!(
        serde_json::Value::Object(entry),
        serde_json::json!({ "source": {
            "repo": "org/app", "branch": "main", "rootDirectory": "api", "image": null
        } })
    );
}

#[test]
fn r11_limits_go_in_limit_override_with_memory_in_decimal_bytes() {
    let mut wanted = settings("nginx", 2);
    wanted.values.vcpus = Some(2.0);
    wanted.values.memory_gb = Some(2.0);
    let running = live_instance("s1", "api", "nginx", 2);
    let entry = railway_operator::apply::instance_entry(&wanted, Some(&running), &[]);
    assert_eq!(
        entry["deploy"],
        serde_json::json!({ "limitOverride": { "containers": { "cpu": 2.0, "memoryBytes": 2000000000_i64 } } })
    );
}

#[test]
fn r6_a_new_service_s_instance_in_an_undeclared_environment_is_removed_unless_someone_staged_changes_there()
 {
    let d = desired(
        vec![managed(
            "worker",
            &[("production", settings("worker:1", 1))],
        )],
        &["production"],
    );
    let mut l = live(&[], &["production", "qa"]);
    let p = plan(&d, &l, &PlanOptions::default());
    assert!(
        p.actions.iter().any(|a| matches!(a,
            Action::RemoveInstance { service, environment } if service == "worker" && environment == "qa")),
        "{p:#?}"
    );
    if let Some(project) = l.project.as_mut() {
        project.environments[1].unmerged_changes = 2;
    }
    let p = plan(&d, &l, &PlanOptions::default());
    assert!(
        !p.actions
            .iter()
            .any(|a| matches!(a, Action::RemoveInstance { .. })),
        "{p:#?}"
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.contains("empty instance in qa") && n.contains("staged changes")),
        "{:#?}",
        p.notes
    );
}

/// R50: preview overrides address the ephemeral environment's existing instances only, with only
/// the settings they name, and never under `--env`.
#[test]
fn preview_overrides_change_only_what_they_name_on_existing_pr_environment_instances() {
    let mut d = desired(
        vec![
            managed("api", &[("production", settings("api:1", 2))]),
            managed("worker", &[("production", settings("worker:1", 2))]),
        ],
        &["production"],
    );
    let one_replica = InstanceSettings {
        values: SettingValues {
            num_replicas: Some(1),
            ..SettingValues::default()
        },
        ..InstanceSettings::default()
    };
    d.previews = Some(railway_operator::manifest::desired::PreviewPolicy {
        overrides: BTreeMap::from([
            ("api".to_string(), one_replica.clone()),
            ("worker".to_string(), one_replica),
        ]),
        ..Default::default()
    });
    let mut l = live(
        &[("s1", "api", "api:1", 2), ("s2", "worker", "worker:1", 2)],
        &["production"],
    );
    let project = l.project.as_mut().expect("project");
    let mut environment = project.environments[0].clone();
    environment.id = "env-pr-1".into();
    environment.name = "pr-1".into();
    // Focused mode skipped the worker: not created by the overrides.
    environment.instances.remove("s2");
    environment
        .instances
        .get_mut("s1")
        .expect("api")
        .values
        .start_command = Some("other".into());
    project.previews.push(LivePreview {
        environment,
        pr_number: Some(1),
        pr_repo: Some("acme/shop".into()),
        branch: Some("feat/x".into()),
        created_at: "2026-12-06T00:00:00Z".into(),
    });
    let p = plan(&d, &l, &PlanOptions::default());
    let preview_actions: Vec<&Action> = p
        .actions
        .iter()
        .filter(|a| a.environment() == Some("pr-1"))
        .collect();
    assert_eq!(preview_actions.len(), 1, "{:#?}", p.actions);
    let Action::ConfigureInstance {
        service,
        changes,
        create_instance,
        ..
    } = preview_actions[0]
    else {
        panic!("{:#?}", preview_actions[0]);
    };
    assert_eq!(service, "api");
    assert!(!create_instance);
    let fields: Vec<&str> = changes.iter().map(|c| c.field).collect();
    assert_eq!(fields, ["deploy.replicas"], "startCommand is not named");
    assert!(
        p.actions
            .iter()
            .all(|a| a.environment() != Some("production"))
    );

    let only = PlanOptions {
        only_environment: Some("production".into()),
        ..PlanOptions::default()
    };
    let p = plan(&d, &l, &only);
    assert!(p.actions.iter().all(|a| a.environment() != Some("pr-1")));
}

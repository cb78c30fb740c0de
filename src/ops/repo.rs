//! `repo SERVICE`: the service's source as the manifest sets it (repository, branch, root
//! directory, Dockerfile, builder, or image) and, per environment, whether Railway's source and
//! deployment trigger match it.

use serde::Serialize;

use super::{OpsError, View, kind_label, settings, table};
use crate::manifest::desired::{InstanceSettings, ServiceKind, Source};
use crate::railway::live::{LiveInstance, LiveSource};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoReport {
    pub service: String,
    pub kind: &'static str,
    /// The manifest's settings in its first environment.
    pub desired: Option<SourceFields>,
    /// For external services.
    pub external_url: Option<String>,
    pub environments: Vec<RepoEnvironment>,
}

/// A source as either side holds it; fields that do not apply are null.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceFields {
    pub image: Option<String>,
    pub repository: Option<String>,
    pub branch: Option<String>,
    pub root_directory: Option<String>,
    pub dockerfile_path: Option<String>,
    /// Railway's builder, e.g. `RAILPACK`; null when not set.
    pub builder: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepoEnvironment {
    pub environment: String,
    pub desired: Option<SourceFields>,
    /// Null when the service has no instance on Railway here.
    pub live: Option<SourceFields>,
    /// `matches` (repository and branch, or image, equal), `differs`, `missing` or
    /// `not-managed` (planned and external services).
    pub state: &'static str,
}

pub fn repo(view: &View<'_>, service: &str) -> Result<RepoReport, OpsError> {
    let desired_service = view.service(service)?;
    let environments = view
        .desired
        .environments
        .iter()
        .map(|env| {
            let desired = settings(desired_service, env).map(desired_fields);
            let live = view.instance(service, env).map(live_fields);
            let state = match (&desired, &live) {
                (None, _) => "not-managed",
                (Some(_), None) => "missing",
                (Some(d), Some(l)) if d.image.is_some() && d.image == l.image => "matches",
                (Some(d), Some(l))
                    if d.repository.is_some()
                        && d.repository == l.repository
                        && d.branch == l.branch =>
                {
                    "matches"
                }
                _ => "differs",
            };
            RepoEnvironment {
                environment: env.clone(),
                desired,
                live,
                state,
            }
        })
        .collect::<Vec<_>>();
    Ok(RepoReport {
        service: service.to_string(),
        kind: kind_label(&desired_service.kind),
        desired: environments.first().and_then(|e| e.desired.clone()),
        external_url: match &desired_service.kind {
            ServiceKind::External { url, .. } => Some(url.clone()),
            _ => None,
        },
        environments,
    })
}

fn builder_name(builder: Option<crate::manifest::desired::Builder>) -> Option<String> {
    let value = serde_json::to_value(builder?).ok()?;
    value.as_str().map(str::to_string)
}

fn desired_fields(settings: &InstanceSettings) -> SourceFields {
    let mut fields = SourceFields {
        dockerfile_path: settings.values.dockerfile_path.clone(),
        builder: builder_name(settings.values.builder),
        ..SourceFields::default()
    };
    match &settings.source {
        Some(Source::Image(image)) => fields.image = Some(image.clone()),
        Some(Source::Repo {
            repo,
            branch,
            root_directory,
        }) => {
            fields.repository = Some(repo.clone());
            fields.branch = Some(branch.clone());
            fields.root_directory = root_directory.clone();
        }
        None => {}
    }
    fields
}

fn live_fields(instance: &LiveInstance) -> SourceFields {
    let mut fields = SourceFields {
        root_directory: instance.root_directory.clone(),
        dockerfile_path: instance.values.dockerfile_path.clone(),
        builder: builder_name(instance.values.builder),
        ..SourceFields::default()
    };
    match &instance.source {
        Some(LiveSource::Image(image)) => fields.image = Some(image.clone()),
        Some(LiveSource::Repo { repo, branch, .. }) => {
            fields.repository = Some(repo.clone());
            fields.branch = branch.clone();
        }
        None => {}
    }
    fields
}

fn or_dash(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "-".into())
}

pub fn render_text(report: &RepoReport) -> String {
    let mut out = format!("Service {} ({})\n", report.service, report.kind);
    if let Some(url) = &report.external_url {
        out.push_str(&format!("  external URL:   {url}\n"));
    }
    if let Some(d) = &report.desired {
        if let Some(image) = &d.image {
            out.push_str(&format!("  image:          {image}\n"));
        }
        if let Some(repository) = &d.repository {
            out.push_str(&format!("  repository:     {repository}\n"));
            out.push_str(&format!("  branch:         {}\n", or_dash(&d.branch)));
            out.push_str(&format!(
                "  root directory: {}\n",
                or_dash(&d.root_directory)
            ));
        }
        out.push_str(&format!(
            "  Dockerfile:     {}\n",
            or_dash(&d.dockerfile_path)
        ));
        out.push_str(&format!("  builder:        {}\n", or_dash(&d.builder)));
    }
    let mut rows = vec![vec![
        "ENVIRONMENT".to_string(),
        "STATE".into(),
        "LIVE SOURCE".into(),
    ]];
    for env in &report.environments {
        let live = match &env.live {
            None => "-".to_string(),
            Some(l) => match (&l.image, &l.repository) {
                (Some(image), _) => image.clone(),
                (None, Some(repository)) => format!(
                    "{repository}@{}{}",
                    l.branch.as_deref().unwrap_or("(no trigger)"),
                    l.root_directory
                        .as_deref()
                        .map(|d| format!(" root {d}"))
                        .unwrap_or_default()
                ),
                (None, None) => "(no source)".into(),
            },
        };
        rows.push(vec![env.environment.clone(), env.state.into(), live]);
    }
    out.push_str(&table(&rows));
    out
}

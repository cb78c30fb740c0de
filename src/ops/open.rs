//! `open SERVICE [ENV]`: the service's URLs (generated and custom domains read live, or the
//! external URL), and the one public base URL `health` probes. Prints; opens nothing.

use serde::Serialize;

use super::{OpsError, View, table};
use crate::manifest::desired::ServiceKind;
use crate::railway::live::LiveInstance;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenReport {
    pub service: String,
    pub urls: Vec<ServiceUrl>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceUrl {
    /// Null for an external service's URL.
    pub environment: Option<String>,
    pub url: String,
    /// `generated`, `custom` or `external`.
    pub kind: &'static str,
    /// False for a custom domain whose DNS or certificate is not ready yet.
    pub active: bool,
}

pub fn open(
    view: &View<'_>,
    service: &str,
    environment: Option<&str>,
) -> Result<OpenReport, OpsError> {
    let desired_service = view.service(service)?;
    let environments = view.environments(environment)?;
    let mut urls = Vec::new();
    if let ServiceKind::External { url, .. } = &desired_service.kind {
        urls.push(ServiceUrl {
            environment: None,
            url: url.clone(),
            kind: "external",
            active: true,
        });
    }
    for env in environments {
        let Some(instance) = view.instance(service, &env) else {
            continue;
        };
        for domain in &instance.service_domains {
            urls.push(ServiceUrl {
                environment: Some(env.clone()),
                url: format!("https://{}", domain.domain),
                kind: "generated",
                active: true,
            });
        }
        for domain in &instance.custom_domains {
            urls.push(ServiceUrl {
                environment: Some(env.clone()),
                url: format!("https://{}", domain.domain),
                kind: "custom",
                active: domain.is_active(),
            });
        }
    }
    Ok(OpenReport {
        service: service.to_string(),
        urls,
    })
}

/// Where a service answers publicly: its first active custom domain, else its first generated
/// domain; `None` when it has neither.
pub fn public_base_url(instance: &LiveInstance) -> Option<String> {
    instance
        .custom_domains
        .iter()
        .find(|d| d.is_active())
        .map(|d| d.domain.as_str())
        .or_else(|| instance.service_domains.first().map(|d| d.domain.as_str()))
        .map(|domain| format!("https://{domain}"))
}

pub fn render_text(report: &OpenReport) -> String {
    if report.urls.is_empty() {
        return format!(
            "{} has no public URL (no domain on Railway and no external URL)\n",
            report.service
        );
    }
    let rows: Vec<Vec<String>> = report
        .urls
        .iter()
        .map(|u| {
            vec![
                u.environment.clone().unwrap_or_else(|| "-".into()),
                if u.active {
                    u.url.clone()
                } else {
                    format!("{} (pending DNS)", u.url)
                },
            ]
        })
        .collect();
    table(&rows)
}

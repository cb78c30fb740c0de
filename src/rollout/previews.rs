//! PR environments (R50) as `status` and `/status` show them: each ephemeral environment's pull
//! request, branch, age and health. Observed only: nothing here plans or writes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::health::Health;
use crate::railway::live::{LivePreview, LiveProject};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewStatus {
    pub name: String,
    /// Null for an ephemeral environment no pull request made.
    pub pr_number: Option<i64>,
    pub branch: Option<String>,
    pub repository: Option<String>,
    pub created_at: String,
    /// `3d 4h`, `2h 5m`, `40s`; `?` when Railway's time cannot be read.
    pub age: String,
    /// The worst of its deployed services' (focused mode leaves some undeployed, R50).
    pub health: Health,
    pub services: usize,
    /// Whether `spec.previews.overrides` hold here after the last pass: `None` when unknown
    /// (no overrides declared, no plan yet, or the environment appeared after the pass read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overrides_converged: Option<bool>,
}

/// The project's PR environments, newest first, as of `now`.
pub fn previews(project: Option<&LiveProject>, now: DateTime<Utc>) -> Vec<PreviewStatus> {
    let mut previews: Vec<PreviewStatus> = project
        .into_iter()
        .flat_map(|p| &p.previews)
        .map(|p| status(p, now))
        .collect();
    previews.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    previews
}

fn status(preview: &LivePreview, now: DateTime<Utc>) -> PreviewStatus {
    let instances = &preview.environment.instances;
    let statuses: Vec<Health> = instances
        .values()
        .filter_map(|i| i.latest_deployment.as_ref())
        .map(|d| Health::of_status(Some(d.status.as_str())))
        .collect();
    let health = [Health::Degraded, Health::Progressing, Health::Unknown]
        .into_iter()
        .find(|h| statuses.contains(h))
        .unwrap_or(if statuses.is_empty() {
            Health::Unknown
        } else {
            Health::Healthy
        });
    let age = DateTime::parse_from_rfc3339(&preview.created_at)
        .map(|t| age_text((now - t.with_timezone(&Utc)).num_seconds()))
        .unwrap_or_else(|_| "?".into());
    PreviewStatus {
        name: preview.environment.name.clone(),
        pr_number: preview.pr_number,
        branch: preview.branch.clone(),
        repository: preview.pr_repo.clone(),
        created_at: preview.created_at.clone(),
        age,
        health,
        services: instances.len(),
        overrides_converged: None,
    }
}

/// An age in its two largest units.
fn age_text(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::age_text;

    #[test]
    fn ages_are_shown_in_their_two_largest_units() {
        assert_eq!(age_text(40), "40s");
        assert_eq!(age_text(300), "5m");
        assert_eq!(age_text(7500), "2h 5m");
        assert_eq!(age_text(273_600), "3d 4h");
        assert_eq!(age_text(-5), "0s");
    }
}

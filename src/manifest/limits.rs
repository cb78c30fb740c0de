//! Railway plan limits a valid manifest may still run into, reported by `validate` as warnings
//! (never errors: the manifest does not say which plan the account is on). Custom domains per
//! service (R32) and the hourly request budget the controller's interval spends (R40). Pure.

use std::path::Path;
use std::time::Duration;

use super::desired::DesiredDomain;
use super::diagnostics::Warning;
use super::spec::{ManifestSpec, Spanned};

/// R32: custom domains per service on the Hobby plan (Trial 1, Pro 20).
pub const HOBBY_CUSTOM_DOMAINS_PER_SERVICE: usize = 2;

/// R40: requests per hour on the Free plan (Hobby 1,000, Pro 10,000).
pub const FREE_REQUESTS_PER_HOUR: u64 = 100;

/// Requests a steady pass of one project costs: `run` keeps the project's id and one change
/// probe request reads up to 25 unchanged projects (measured: 2 requests for 40 projects, see
/// BENCHMARKS.md); a project alone pays the whole request. A pass that finds something moved,
/// changes something or takes a backup costs more.
pub const REQUESTS_PER_STEADY_PASS: u64 = 1;

/// One warning per written `domains` list holding more custom domains than Hobby allows (R32),
/// at the first entry past the limit. An override replaces the base list, so each written list
/// is what some environment gets.
pub fn custom_domain_warnings(spec: &ManifestSpec, path: &Path) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for service in spec.services.iter().filter(|s| !s.external_declared) {
        let owner = format!("services.{}", service.name.value);
        let lists = std::iter::once((owner.clone(), &service.base.domains)).chain(
            service.overrides.iter().map(|(env, overlay)| {
                (
                    format!("{owner}.environments.{}", env.value),
                    &overlay.domains,
                )
            }),
        );
        for (owner, list) in lists {
            if let Some(warning) = too_many_custom_domains(&owner, list.as_ref(), path) {
                warnings.push(warning);
            }
        }
    }
    warnings
}

fn too_many_custom_domains(
    owner: &str,
    list: Option<&Spanned<Vec<Spanned<DesiredDomain>>>>,
    path: &Path,
) -> Option<Warning> {
    let custom: Vec<&Spanned<DesiredDomain>> = list?
        .value
        .iter()
        .filter(|d| matches!(d.value, DesiredDomain::Custom { .. }))
        .collect();
    let first_over = custom.get(HOBBY_CUSTOM_DOMAINS_PER_SERVICE)?;
    Some(Warning {
        file: path.to_path_buf(),
        line: first_over.at.line.max(1),
        column: first_over.at.column.max(1),
        message: format!(
            "{owner}.domains lists {} custom domains: on the Hobby plan Railway allows {HOBBY_CUSTOM_DOMAINS_PER_SERVICE} per service (Trial 1, Pro 20), and refuses the ones past that",
            custom.len()
        ),
    })
}

/// A warning when reconciling one project every `interval` would spend more than the Free plan's
/// hourly budget (R40), counting [`REQUESTS_PER_STEADY_PASS`] a pass. `None` within the budget.
pub fn request_budget_warning(interval: Duration, path: &Path) -> Option<String> {
    let millis = interval.as_millis().max(1);
    let per_hour = (3_600_000 * u128::from(REQUESTS_PER_STEADY_PASS)).div_ceil(millis);
    if per_hour <= u128::from(FREE_REQUESTS_PER_HOUR) {
        return None;
    }
    let shortest = 3_600 * REQUESTS_PER_STEADY_PASS / FREE_REQUESTS_PER_HOUR;
    Some(format!(
        "{}: warning: reconciling this project every {} (`run --interval`) costs about {per_hour} requests an hour at {REQUESTS_PER_STEADY_PASS} probe request per unchanged pass, more than the {FREE_REQUESTS_PER_HOUR} an hour Railway allows on the Free plan (Hobby 1,000, Pro 10,000); on the Free plan use --interval {shortest}s or more",
        path.display(),
        shown(interval),
    ))
}

/// `90s`, or `1500ms` when not whole seconds.
fn shown(interval: Duration) -> String {
    if interval.subsec_millis() == 0 {
        format!("{}s", interval.as_secs())
    } else {
        format!("{}ms", interval.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_seconds_is_over_the_free_budget_and_the_default_minute_is_within_it() {
        let path = Path::new("m.yml");
        let warning = request_budget_warning(Duration::from_secs(30), path).unwrap_or_default();
        assert!(warning.contains("about 120 requests an hour"), "{warning}");
        assert!(warning.contains("--interval 36s or more"), "{warning}");
        assert_eq!(request_budget_warning(Duration::from_secs(60), path), None);
        assert_eq!(request_budget_warning(Duration::from_secs(36), path), None);
        assert_eq!(
            request_budget_warning(Duration::from_secs(3600), path),
            None
        );
    }
}

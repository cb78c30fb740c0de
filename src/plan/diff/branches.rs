//! Preview lifecycles the manifest asks of the operator: a preview environment for each remote
//! branch matching `spec.previews.fromBranches` (made, and deleted once its branch is gone), and
//! `spec.previews.expireAfter` (previews past that age deleted). Only an ephemeral environment
//! the operator made (its inventory mark names its id) or, for expiry, one of Railway's PR
//! environments is ever deleted (R50); any other ephemeral environment is reported, never
//! touched.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::{PlanOptions, Planning};
use crate::duration::format_duration;
use crate::manifest::branch_pattern::{environment_name, hashed_name};
use crate::manifest::desired::PreviewPolicy;
use crate::plan::action::{Action, PreviewEnd};
use crate::railway::live::{LivePreview, LiveProject};

/// Branch previews created in one pass at most. Railway allows one environment create per user
/// every 30 s (R4) and a copy is slow (R3): the rest wait for the next pass, so a pass never
/// spends minutes waiting on the limit.
pub const CREATES_PER_PASS: usize = 2;

pub(super) fn previews(planning: &mut Planning<'_>, options: &PlanOptions) {
    let Some(policy) = &planning.desired.previews else {
        return;
    };
    let Some(project) = planning.project else {
        return;
    };
    // R34: a project token reaches one environment (`previews` already says so).
    if project.token_environment.is_some() {
        return;
    }
    let expired = match (policy.expire_after, options.now) {
        (Some(limit), Some(now)) => expire(planning, project, limit, now),
        _ => BTreeSet::new(),
    };
    if policy.from_branches.is_none() {
        return;
    }
    match &options.branches {
        Some(branches) => from_branches(planning, project, policy, branches, &expired),
        None => planning.notes.push(
            "spec.previews.fromBranches makes and deletes branch previews only under `run --git`: nothing is done about them here".into(),
        ),
    }
}

/// The branch an ephemeral environment is the operator's preview of (its inventory mark names
/// this very environment), if any.
fn owned_branch(preview: &LivePreview) -> Option<&str> {
    let environment = &preview.environment;
    environment.inventory.branch_preview_of(&environment.id)
}

/// Deletes previews older than `limit`: Railway's PR environments and the operator's branch
/// previews; an ephemeral environment someone made by hand is never among them. Returns the
/// names deleted.
fn expire(
    planning: &mut Planning<'_>,
    project: &LiveProject,
    limit: std::time::Duration,
    now: DateTime<Utc>,
) -> BTreeSet<String> {
    let mut expired = BTreeSet::new();
    for preview in &project.previews {
        if preview.pr_number.is_none() && owned_branch(preview).is_none() {
            continue;
        }
        let Ok(created) = DateTime::parse_from_rfc3339(&preview.created_at) else {
            continue;
        };
        let age = now.signed_duration_since(created.with_timezone(&Utc));
        let Ok(age) = age.to_std() else {
            continue;
        };
        if age <= limit {
            continue;
        }
        let name = preview.environment.name.clone();
        planning.actions.push(Action::DeletePreview {
            name: name.clone(),
            id: preview.environment.id.clone(),
            why: PreviewEnd::Expired,
            branch: owned_branch(preview).map(str::to_string),
            detail: format!(
                "{} old, spec.previews.expireAfter is {}",
                format_duration(std::time::Duration::from_secs(age.as_secs() / 60 * 60)),
                format_duration(limit)
            ),
        });
        expired.insert(name);
    }
    expired
}

/// One preview per matching branch: the operator's own previews of branches gone are deleted,
/// new branches get one (a few a pass, R4), each under a free name.
fn from_branches(
    planning: &mut Planning<'_>,
    project: &LiveProject,
    policy: &PreviewPolicy,
    branches: &[String],
    expired: &BTreeSet<String>,
) {
    let Some(pattern) = &policy.from_branches else {
        return;
    };
    let wanted: BTreeSet<&str> = branches
        .iter()
        .map(String::as_str)
        .filter(|b| pattern.matches(b))
        .collect();
    let mut owned: BTreeMap<&str, &LivePreview> = BTreeMap::new();
    for preview in &project.previews {
        let Some(branch) = owned_branch(preview) else {
            continue;
        };
        let name = &preview.environment.name;
        if wanted.contains(branch) {
            owned.insert(branch, preview);
        } else if !expired.contains(name) {
            planning.actions.push(Action::DeletePreview {
                name: name.clone(),
                id: preview.environment.id.clone(),
                why: PreviewEnd::BranchGone,
                branch: Some(branch.to_string()),
                detail: format!(
                    "branch {branch} is gone or no longer matches {}",
                    pattern.as_str()
                ),
            });
        }
    }
    let mut taken: BTreeSet<String> = project
        .environments
        .iter()
        .chain(project.previews.iter().map(|p| &p.environment))
        .map(|e| e.name.clone())
        .chain(planning.desired.environments.iter().cloned())
        .collect();
    let new: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|branch| !owned.contains_key(branch))
        .collect();
    let base = base_environment(planning, project, policy);
    let mut created = 0;
    for branch in &new {
        let Some(name) = free_name(planning, project, branch, &taken) else {
            continue;
        };
        if created == CREATES_PER_PASS {
            planning.notes.push(format!(
                "{} more branch preview(s) wait for the next pass: Railway allows one environment create per 30 s (R4)",
                new.len() - created
            ));
            break;
        }
        taken.insert(name.clone());
        planning.actions.push(Action::CreateBranchPreview {
            name,
            branch: (*branch).to_string(),
            base: base.clone(),
        });
        created += 1;
    }
}

/// The name for `branch`'s preview, else its hashed form when that one is taken; `None` (with a
/// note) when both are. An ephemeral environment in the way is named: the operator did not make
/// it, so it leaves it alone.
fn free_name(
    planning: &mut Planning<'_>,
    project: &LiveProject,
    branch: &str,
    taken: &BTreeSet<String>,
) -> Option<String> {
    let plain = environment_name(branch);
    if !taken.contains(&plain) {
        return Some(plain);
    }
    if project.previews.iter().any(|p| p.environment.name == plain) {
        planning.notes.push(format!(
            "ephemeral environment {plain} was not made by railway-operator (it has no preview mark): it is left alone, and branch {branch}'s preview takes another name"
        ));
    }
    let hashed = hashed_name(branch);
    if !taken.contains(&hashed) {
        return Some(hashed);
    }
    planning.notes.push(format!(
        "branch {branch} gets no preview: environments {plain} and {hashed} exist already"
    ));
    None
}

/// The environment each branch preview copies: `previews.base`, else the project's PR base
/// (`baseEnvironmentId`), else `production` as Railway's default (R50), else the manifest's
/// first environment.
fn base_environment(
    planning: &Planning<'_>,
    project: &LiveProject,
    policy: &PreviewPolicy,
) -> String {
    if let Some(base) = &policy.base {
        return base.clone();
    }
    let railway_base = project
        .pr_settings
        .base_environment_id
        .as_ref()
        .and_then(|id| {
            project
                .environments
                .iter()
                .find(|e| &e.id == id)
                .map(|e| e.name.clone())
        });
    railway_base
        .or_else(|| {
            project
                .environments
                .iter()
                .find(|e| e.name == "production")
                .map(|e| e.name.clone())
        })
        .or_else(|| planning.desired.environments.first().cloned())
        .unwrap_or_else(|| "production".into())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::inventory::{BranchPreviewMark, Inventory, InventoryState};
    use crate::plan::Plan;
    use crate::plan::diff::plan;
    use crate::railway::live::{Live, LiveEnvironment, PrSettings};

    const MANIFEST: &str = "apiVersion: railway-operator/v1
kind: Project
metadata: { name: shop }
spec:
  environments: { production: {} }
  services:
    api: { source: { repo: acme/shop, branch: main } }
  previews:
    expireAfter: 7d
    fromBranches: { pattern: \"feature/*\", source: git }
";

    fn environment(id: &str, name: &str, mark: Option<&str>) -> LiveEnvironment {
        let inventory = match mark {
            Some(branch) => InventoryState::Present {
                inventory: Inventory {
                    branch_preview: Some(Box::new(BranchPreviewMark {
                        environment_id: id.into(),
                        branch: branch.into(),
                    })),
                    ..Inventory::default()
                },
            },
            None => InventoryState::Absent,
        };
        LiveEnvironment {
            is_fork: mark.is_some(),
            inventory,
            ..LiveEnvironment::empty(id, name)
        }
    }

    fn preview(environment: LiveEnvironment, pr: Option<i64>, created_at: &str) -> LivePreview {
        LivePreview {
            environment,
            pr_number: pr,
            pr_repo: None,
            branch: None,
            created_at: created_at.into(),
        }
    }

    fn run(previews: Vec<LivePreview>, branches: Option<&[&str]>) -> Plan {
        let desired = crate::manifest::load_str(MANIFEST, Path::new("shop.yml"), &|_| None)
            .expect("valid manifest");
        let live = Live {
            project: Some(LiveProject {
                id: "p".into(),
                name: "shop".into(),
                workspace_id: None,
                environments: vec![environment("prod", "production", None)],
                services: Vec::new(),
                restricted_environments: Vec::new(),
                token_environment: None,
                pr_settings: PrSettings::default(),
                previews,
                buckets: Vec::new(),
            }),
            new_project_home: None,
        };
        let options = PlanOptions {
            branches: branches.map(|b| b.iter().map(|s| s.to_string()).collect()),
            now: DateTime::parse_from_rfc3339("2026-12-10T00:00:00Z")
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            ..PlanOptions::default()
        };
        plan(&desired, &live, &options)
    }

    /// The preview actions' addresses (the project's own service is planned too: not live).
    fn addresses(plan: &Plan) -> Vec<String> {
        plan.actions
            .iter()
            .map(Action::address)
            .filter(|a| a.starts_with("preview."))
            .collect()
    }

    const YOUNG: &str = "2026-12-09T00:00:00Z";
    const OLD: &str = "2026-12-01T00:00:00Z";

    #[test]
    fn matching_branches_get_a_preview_and_previews_of_branches_gone_are_deleted() {
        let ours = preview(
            environment("e1", "feature-old", Some("feature/old")),
            None,
            YOUNG,
        );
        let plan = run(vec![ours], Some(&["main", "feature/x", "feature/a/b"]));
        assert_eq!(
            addresses(&plan),
            ["preview.feature-old", "preview.feature-x"]
        );
        let create = plan
            .actions
            .iter()
            .find(|a| a.address() == "preview.feature-x");
        assert!(matches!(
            create.expect("created"),
            Action::CreateBranchPreview { branch, base, .. } if branch == "feature/x" && base == "production"
        ));
    }

    #[test]
    fn an_ephemeral_environment_the_operator_did_not_make_is_never_deleted_and_its_name_is_not_taken()
     {
        let by_hand = preview(environment("e2", "feature-x", None), None, OLD);
        let copied_mark = preview(environment("e3", "feature-y", None), None, OLD);
        let mut copy = copied_mark;
        // A copy of a branch preview carries the mark with the original's id: not ours.
        copy.environment.inventory = environment("e1", "x", Some("feature/y")).inventory;
        let plan = run(vec![by_hand, copy], Some(&["feature/x"]));
        let created: Vec<String> = addresses(&plan);
        assert_eq!(created.len(), 1, "{created:?}");
        assert!(created[0].starts_with("preview.feature-x-"), "{created:?}");
        assert!(
            plan.notes
                .iter()
                .any(|n| n.contains("feature-x was not made")),
            "{:?}",
            plan.notes
        );
    }

    #[test]
    fn expire_after_deletes_old_pr_environments_and_branch_previews_and_keeps_young_ones() {
        let plan = run(
            vec![
                preview(environment("e1", "pr-1", None), Some(1), OLD),
                preview(environment("e2", "pr-2", None), Some(2), YOUNG),
                preview(environment("e3", "feature-x", Some("feature/x")), None, OLD),
                preview(environment("e4", "by-hand", None), None, OLD),
            ],
            Some(&["feature/x"]),
        );
        assert_eq!(addresses(&plan), ["preview.pr-1", "preview.feature-x"]);
        let deletes = plan.actions.iter().filter(|a| {
            matches!(
                a,
                Action::DeletePreview {
                    why: PreviewEnd::Expired,
                    ..
                }
            )
        });
        assert_eq!(deletes.count(), 2);
    }

    #[test]
    fn without_a_branch_list_branch_previews_are_left_alone_and_the_plan_says_so() {
        let ours = preview(
            environment("e1", "feature-old", Some("feature/old")),
            None,
            YOUNG,
        );
        let plan = run(vec![ours], None);
        assert!(addresses(&plan).is_empty(), "{:?}", addresses(&plan));
        assert!(
            plan.notes
                .iter()
                .any(|n| n.contains("only under `run --git`")),
            "{:?}",
            plan.notes
        );
    }

    #[test]
    fn at_most_a_few_previews_are_created_in_one_pass_for_railways_create_limit() {
        let plan = run(Vec::new(), Some(&["feature/a", "feature/b", "feature/c"]));
        assert_eq!(addresses(&plan).len(), CREATES_PER_PASS);
        assert!(
            plan.notes.iter().any(|n| n.contains("R4")),
            "{:?}",
            plan.notes
        );
    }
}

//! Storage Buckets (R49): a project-level bucket per manifest bucket, found by name so a re-run
//! never makes a second; an instance in each environment it lists, added or removed through the
//! environment's one patch (`buckets.<id>`: `isCreated` / `isDeleted`, R9); a bucket that left
//! the manifest deleted with `prune` only, when the inventory owns it. Removing an instance loses
//! its objects, so both removals are destructive.

use std::collections::BTreeSet;

use super::Planning;
use crate::inventory::Inventory;
use crate::plan::action::Action;
use crate::railway::live::{LiveBucket, LiveEnvironment, LiveProject};

/// The live bucket named `name`.
fn live_bucket<'p>(project: Option<&'p LiveProject>, name: &str) -> Option<&'p LiveBucket> {
    project.and_then(|p| p.buckets.iter().find(|b| b.name == name))
}

/// Buckets some environment's inventory records as the operator's.
fn owned_buckets(project: &LiveProject) -> BTreeSet<&str> {
    project
        .environments
        .iter()
        .filter_map(|e| e.inventory.owned())
        .flat_map(|inventory| inventory.buckets.iter().map(String::as_str))
        .collect()
}

/// The persistent environments with an instance of `bucket`.
fn environments_with(project: &LiveProject, bucket: &LiveBucket) -> Vec<String> {
    project
        .environments
        .iter()
        .filter(|e| e.buckets.contains_key(&bucket.id))
        .map(|e| e.name.clone())
        .collect()
}

/// Project level: each manifest bucket Railway does not have yet is created (with no instance:
/// the environments' patches add them, as Railway's CLI does).
pub(super) fn create(planning: &mut Planning<'_>) {
    for bucket in &planning.desired.buckets {
        if live_bucket(planning.project, &bucket.name).is_none() {
            planning.actions.push(Action::CreateBucket {
                name: bucket.name.clone(),
            });
        }
    }
}

/// One environment's bucket instances, and the buckets its inventory should own afterwards.
pub(super) fn environment(
    planning: &mut Planning<'_>,
    env: &str,
    live_env: Option<&LiveEnvironment>,
    owned: Option<&Inventory>,
    next: &mut Inventory,
) {
    for bucket in &planning.desired.buckets {
        let live = live_bucket(planning.project, &bucket.name);
        let here = live.is_some_and(|b| live_env.is_some_and(|e| e.buckets.contains_key(&b.id)));
        if bucket.environments.iter().any(|e| e == env) {
            next.buckets.insert(bucket.name.clone());
            if !here {
                planning.actions.push(Action::CreateBucketInstance {
                    bucket: bucket.name.clone(),
                    environment: env.to_string(),
                    region: bucket.region.clone(),
                });
            } else if let Some(wanted) = &bucket.region {
                let region = live.and_then(|b| live_env?.buckets.get(&b.id)?.clone());
                if region.as_ref().is_some_and(|r| r != wanted) {
                    planning.notes.push(format!(
                        "bucket {} is in region {} in {env}, not {wanted}: Railway fixes a bucket's region when it is created, so it is left there",
                        bucket.name,
                        region.unwrap_or_default()
                    ));
                }
            }
        } else if here && owned.is_some_and(|o| o.buckets.contains(&bucket.name)) {
            planning.actions.push(Action::RemoveBucketInstance {
                bucket: bucket.name.clone(),
                environment: env.to_string(),
            });
        } else if here {
            planning.notes.push(format!(
                "bucket {} has an instance in {env}, which its environments do not list; the operator did not create it there, so it is left alone",
                bucket.name
            ));
        }
    }
    // Owned buckets that left the manifest stay owned while they exist, until pruned.
    let Some(project) = planning.project else {
        return;
    };
    for name in owned.iter().flat_map(|o| o.buckets.iter()) {
        let in_manifest = planning.desired.buckets.iter().any(|b| &b.name == name);
        let here = live_bucket(Some(project), name)
            .is_some_and(|b| live_env.is_some_and(|e| e.buckets.contains_key(&b.id)));
        if !in_manifest && here && !planning.prune_services {
            next.buckets.insert(name.clone());
        }
    }
}

/// Project level, after the environments: live buckets the manifest does not name. Owned ones
/// are deleted with `prune` (every environment's instance, destructive) or reported as pending;
/// the others are someone else's and only noted.
pub(super) fn leftovers(planning: &mut Planning<'_>) {
    let Some(project) = planning.project else {
        return;
    };
    let owned = owned_buckets(project);
    let mut unmanaged = Vec::new();
    for bucket in &project.buckets {
        if planning
            .desired
            .buckets
            .iter()
            .any(|b| b.name == bucket.name)
        {
            continue;
        }
        let environments = environments_with(project, bucket);
        if environments.is_empty() {
            // No instance anywhere: nothing is stored, nothing to delete (Railway's API has no
            // project-level bucket delete).
            continue;
        }
        if !owned.contains(bucket.name.as_str()) {
            unmanaged.push(bucket.name.as_str());
        } else if planning.prune_services {
            planning.actions.push(Action::DeleteBucket {
                name: bucket.name.clone(),
                id: bucket.id.clone(),
                environments,
            });
        } else {
            planning
                .findings
                .pending_prune
                .push(format!("bucket {}", bucket.name));
        }
    }
    if !unmanaged.is_empty() {
        planning.notes.push(format!(
            "{} bucket(s) on Railway are not in the manifest and are left alone: {}",
            unmanaged.len(),
            unmanaged.join(", ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::inventory::{Inventory, InventoryState};
    use crate::manifest::{Desired, load_str};
    use crate::plan::{Action, Plan, PlanOptions, plan};
    use crate::railway::live::{Live, LiveBucket, LiveEnvironment, LiveProject};

    /// Production and staging; `assets` in production only.
    fn desired(prune: bool) -> Desired {
        let text = format!(
            "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: shop }}\nspec:\n  policy: {{ prune: {prune} }}\n  environments: {{ production: {{}}, staging: {{}} }}\n  services: {{}}\n  buckets: {{ assets: {{ environments: [production] }} }}\n"
        );
        load_str(&text, Path::new("shop.yml"), &|_| None).expect("the manifest loads")
    }

    fn environment(name: &str, buckets: &[&str], owned: &[&str]) -> LiveEnvironment {
        let inventory = Inventory {
            buckets: owned.iter().map(|b| b.to_string()).collect(),
            ..Inventory::default()
        };
        LiveEnvironment {
            inventory: InventoryState::Present { inventory },
            buckets: buckets.iter().map(|b| (format!("b-{b}"), None)).collect(),
            ..LiveEnvironment::empty(&format!("env-{name}"), name)
        }
    }

    /// `assets` everywhere; `logs` (owned in production) and `media` (nobody's) left the manifest.
    fn live(staging_owns_assets: bool) -> Live {
        let staging_owned: &[&str] = if staging_owns_assets {
            &["assets"]
        } else {
            &[]
        };
        let environments = vec![
            environment(
                "production",
                &["assets", "logs", "media"],
                &["assets", "logs"],
            ),
            environment("staging", &["assets"], staging_owned),
        ];
        let buckets = ["assets", "logs", "media", "empty"]
            .iter()
            .map(|n| LiveBucket {
                id: format!("b-{n}"),
                name: n.to_string(),
            })
            .collect();
        Live {
            project: Some(LiveProject {
                id: "p1".into(),
                name: "shop".into(),
                workspace_id: None,
                environments,
                services: Vec::new(),
                restricted_environments: Vec::new(),
                buckets,
                pr_settings: Default::default(),
                previews: Vec::new(),
                token_environment: None,
            }),
            new_project_home: None,
        }
    }

    fn addresses(plan: &Plan) -> Vec<String> {
        plan.actions.iter().map(Action::address).collect()
    }

    #[test]
    fn only_owned_buckets_and_instances_are_removed_and_only_with_prune_for_a_whole_bucket() {
        let pruned = plan(&desired(true), &live(true), &PlanOptions::default());
        assert_eq!(
            addresses(&pruned),
            ["bucket.assets[staging]", "bucket.logs"]
        );
        assert!(
            pruned
                .actions
                .iter()
                .all(|a| a.risk() == crate::plan::Risk::Destructive)
        );
        let notes = pruned.notes.join("\n");
        assert!(
            notes.contains(
                "1 bucket(s) on Railway are not in the manifest and are left alone: media"
            ),
            "{notes}"
        );

        let kept = plan(&desired(false), &live(false), &PlanOptions::default());
        assert!(addresses(&kept).is_empty(), "{:?}", addresses(&kept));
        let notes = kept.notes.join("\n");
        assert!(
            notes.contains("bucket assets has an instance in staging"),
            "{notes}"
        );
        assert!(
            notes.contains("bucket logs"),
            "pending prune is reported: {notes}"
        );
        let production = kept
            .inventory_writes
            .iter()
            .find(|w| w.environment == "production");
        // Unchanged ownership: `logs` stays owned until pruned; nothing to write.
        assert!(production.is_none(), "{production:?}");
    }
}

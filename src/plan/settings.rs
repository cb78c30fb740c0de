//! Field-by-field comparison of one service instance's settings with live state: the manifest
//! paths of the fields that differ, with JSON before/after values. Pure.

use serde_json::{Value, json};

use super::action::FieldChange;
use crate::manifest::desired::{InstanceSettings, Source};
use crate::manifest::setting::{SOURCE_PATHS, TABLE, Val};
use crate::railway::live::{LiveInstance, LiveSource};

/// Field-by-field differences for the settings the manifest manages (`Some`): the source, then
/// every row of the setting table. A live value Railway does not hold reads as the row's
/// default. Values become JSON only for a field that differs.
pub fn diff_settings(desired: &InstanceSettings, live: Option<&LiveInstance>) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    diff_source(desired, live, &mut changes);
    for row in TABLE {
        let Some(want) = (row.get)(&desired.values) else {
            continue;
        };
        let have = live
            .and_then(|l| (row.get)(&l.values))
            .or(live.and(row.default));
        if have != Some(want) {
            changes.push(FieldChange {
                field: row.path,
                before: have.map(Val::to_json),
                after: want.to_json(),
            });
        }
    }
    changes
}

fn diff_source(
    desired: &InstanceSettings,
    live: Option<&LiveInstance>,
    changes: &mut Vec<FieldChange>,
) {
    if let Some(source) = &desired.source {
        let have = live.and_then(|l| l.source.as_ref());
        let same = match (source, have) {
            (Source::Image(want), Some(LiveSource::Image(have))) => want == have,
            (
                Source::Repo { repo, branch, .. },
                Some(LiveSource::Repo {
                    repo: have_repo,
                    branch: have_branch,
                    ..
                }),
            ) => repo == have_repo && Some(branch) == have_branch.as_ref(),
            _ => false,
        };
        if !same {
            changes.push(FieldChange {
                field: SOURCE_PATHS[0],
                before: have.map(live_source_value),
                after: source_value(source),
            });
        }
    }
    if let Some(Source::Repo {
        root_directory: Some(root),
        ..
    }) = &desired.source
    {
        let have = live.and_then(|l| l.root_directory.as_deref());
        if have != Some(root.as_str()) {
            changes.push(FieldChange {
                field: SOURCE_PATHS[1],
                before: have.map(|h| json!(h)),
                after: json!(root),
            });
        }
    }
}

pub fn source_value(source: &Source) -> Value {
    match source {
        Source::Image(image) => json!({ "image": image }),
        Source::Repo { repo, branch, .. } => json!({ "repo": repo, "branch": branch }),
    }
}

pub fn live_source_value(source: &LiveSource) -> Value {
    match source {
        LiveSource::Image(image) => json!({ "image": image }),
        LiveSource::Repo { repo, branch, .. } => json!({ "repo": repo, "branch": branch }),
    }
}

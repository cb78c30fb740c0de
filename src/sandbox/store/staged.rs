//! Staged changes (R17): one staged patch per environment, merged or replaced by
//! `environmentStageChanges`, committed whole by `environmentPatchCommitStaged` (R16), counted in
//! `unmergedChangesCount`; and background copies that read `APPLYING` for a moment (R3).
//! Direct mutations never come through here.

use std::time::Duration;

use serde_json::{Value, json};

use super::{DomainError, Store};
use crate::sandbox::model::{EnvironmentPatchStatus, StagedPatchRecord, new_id, now_rfc3339};
use crate::sandbox::patch_merge::{count_changes, merge_patches};

/// How long a background copy reads `APPLYING` (R3). Guess: Railway's copies take seconds.
pub(crate) const BACKGROUND_APPLY: Duration = Duration::from_secs(1);

fn still_applying(record: &StagedPatchRecord) -> bool {
    record
        .applying_until
        .as_deref()
        .and_then(|until| chrono::DateTime::parse_from_rfc3339(until).ok())
        .is_some_and(|until| until > chrono::Utc::now())
}

impl Store {
    fn staged_index(&self, environment_id: &str) -> Option<usize> {
        self.state.staged_patches.iter().position(|p| {
            p.environment_id == environment_id && p.status == EnvironmentPatchStatus::Staged
        })
    }

    /// `environmentStageChanges`: replaces the staged patch, or with `merge` merges into it.
    pub(crate) fn stage_changes(
        &mut self,
        environment_id: &str,
        input: Value,
        merge: bool,
    ) -> Result<StagedPatchRecord, DomainError> {
        self.environment(environment_id)?;
        if !input.is_object() {
            return Err(DomainError::InvalidPatch("input must be an object".into()));
        }
        let now = now_rfc3339();
        let record = match self.staged_index(environment_id) {
            Some(index) => {
                let record = self
                    .state
                    .staged_patches
                    .get_mut(index)
                    .ok_or(DomainError::Unavailable)?;
                if merge {
                    merge_patches(&mut record.patch, &input);
                } else {
                    record.patch = input;
                }
                record.updated_at = now;
                record.clone()
            }
            None => {
                let record = StagedPatchRecord {
                    id: new_id(),
                    environment_id: environment_id.to_string(),
                    patch: input,
                    status: EnvironmentPatchStatus::Staged,
                    message: None,
                    created_at: now.clone(),
                    updated_at: now,
                    applying_until: None,
                };
                self.state.staged_patches.push(record.clone());
                record
            }
        };
        Ok(record)
    }

    /// `environmentStagedChanges`: the staged patch, or one still applying in the background.
    /// With neither, an empty patch (guess: the field is non-null and the CLI tests emptiness).
    pub(crate) fn staged_changes(
        &self,
        environment_id: &str,
    ) -> Result<(StagedPatchRecord, EnvironmentPatchStatus), DomainError> {
        let environment = self.environment(environment_id)?;
        let pending = self
            .state
            .staged_patches
            .iter()
            .filter(|p| p.environment_id == environment_id)
            .find(|p| p.status == EnvironmentPatchStatus::Staged || still_applying(p));
        if let Some(record) = pending {
            let status = if still_applying(record) {
                EnvironmentPatchStatus::Applying
            } else {
                record.status
            };
            return Ok((record.clone(), status));
        }
        let empty = StagedPatchRecord {
            id: new_id(),
            environment_id: environment_id.to_string(),
            patch: json!({}),
            status: EnvironmentPatchStatus::Staged,
            message: None,
            created_at: environment.created_at.clone(),
            updated_at: environment.created_at.clone(),
            applying_until: None,
        };
        Ok((empty, EnvironmentPatchStatus::Staged))
    }

    /// `environmentPatchCommitStaged`: commits the whole staged patch; `skip_deploys` deploys
    /// nothing (R16). Nothing staged commits nothing (guess: Railway's answer is unknown).
    pub(crate) fn commit_staged(
        &mut self,
        environment_id: &str,
        message: Option<String>,
        skip_deploys: bool,
    ) -> Result<String, DomainError> {
        self.environment(environment_id)?;
        let Some(index) = self.staged_index(environment_id) else {
            return Ok(new_id());
        };
        let patch = self
            .state
            .staged_patches
            .get(index)
            .map(|p| p.patch.clone())
            .ok_or(DomainError::Unavailable)?;
        let id = self.commit_patch(environment_id, &patch, !skip_deploys)?;
        self.state.staged_patches.retain(|p| {
            !(p.environment_id == environment_id && p.status == EnvironmentPatchStatus::Staged)
        });
        let _ = message;
        Ok(id)
    }

    /// R17: how many changes wait in the environment's staged patch (0 when none).
    pub(crate) fn unmerged_changes_count(&self, environment_id: &str) -> i32 {
        self.staged_index(environment_id)
            .and_then(|index| self.state.staged_patches.get(index))
            .map_or(0, |p| count_changes(&p.patch))
    }

    /// R3: the environment's copy reads `APPLYING` for [`BACKGROUND_APPLY`]; a staged copy is
    /// marked itself, a committed one through a record of its own.
    pub(crate) fn mark_applying(&mut self, environment_id: &str) {
        let until =
            chrono::Utc::now() + chrono::Duration::from_std(BACKGROUND_APPLY).unwrap_or_default();
        let until = until.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        if let Some(index) = self.staged_index(environment_id)
            && let Some(record) = self.state.staged_patches.get_mut(index)
        {
            record.applying_until = Some(until);
            return;
        }
        let now = now_rfc3339();
        self.state.staged_patches.push(StagedPatchRecord {
            id: new_id(),
            environment_id: environment_id.to_string(),
            patch: json!({}),
            status: EnvironmentPatchStatus::Committed,
            message: None,
            created_at: now.clone(),
            updated_at: now,
            applying_until: Some(until),
        });
    }
}

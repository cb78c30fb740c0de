//! Railway's account-level limits on the sandbox store: creation throttles (R4, R24, R36), the
//! plan's custom domain quota (R32), field quirks (R18), `Not Authorized` deletes (R37) and the
//! read lag of new volumes (R41). It decides refusals only; it must not create or change records.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::{DomainError, Store};

/// Railway's windows: one environment per user and one project per workspace every 30 s.
const ENVIRONMENT_WINDOW: Duration = Duration::from_secs(30);
const PROJECT_WINDOW: Duration = Duration::from_secs(30);
/// A guess: Railway says only "too quickly" and clients retry after a few seconds.
const VOLUME_WINDOW: Duration = Duration::from_secs(2);

/// The Railway plan whose limits the sandbox enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SandboxPlan {
    Trial,
    Hobby,
    #[default]
    Pro,
}

impl SandboxPlan {
    /// Custom domains per service (Railway's docs: Trial 1, Hobby 2, Pro 20).
    pub(crate) fn custom_domains_per_service(self) -> usize {
        match self {
            Self::Trial => 1,
            Self::Hobby => 2,
            Self::Pro => 20,
        }
    }
}

impl FromStr for SandboxPlan {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "trial" => Ok(Self::Trial),
            "hobby" => Ok(Self::Hobby),
            "pro" => Ok(Self::Pro),
            other => Err(format!(
                "unknown plan {other:?} (expected trial, hobby or pro)"
            )),
        }
    }
}

impl fmt::Display for SandboxPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Trial => "Trial",
            Self::Hobby => "Hobby",
            Self::Pro => "Pro",
        })
    }
}

/// The limits one sandbox enforces, from its configuration.
#[derive(Debug, Clone, Default)]
pub(crate) struct Limits {
    /// `None`: Railway's windows; `Some(d)`: every window is `d` (zero disables the throttles).
    pub create_cooldown: Option<Duration>,
    pub plan: SandboxPlan,
    /// How long new volumes and volume instances stay out of lists.
    pub visibility_delay: Duration,
}

/// What a throttle counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Creation {
    /// Keyed by the token owner.
    Environment,
    /// Keyed by the workspace.
    Project,
    /// Keyed by the token owner (a guess: Railway does not say).
    Volume,
}

impl Creation {
    fn railway_window(self) -> Duration {
        match self {
            Self::Environment => ENVIRONMENT_WINDOW,
            Self::Project => PROJECT_WINDOW,
            Self::Volume => VOLUME_WINDOW,
        }
    }

    fn refusal(self) -> DomainError {
        match self {
            Self::Environment => DomainError::EnvironmentsTooQuickly,
            Self::Project => DomainError::ProjectsTooQuickly,
            Self::Volume => DomainError::VolumesTooQuickly,
        }
    }
}

/// When each (kind, key) last created something; in memory only.
#[derive(Debug, Default)]
pub(crate) struct Throttles {
    last: HashMap<(Creation, String), Instant>,
}

impl Store {
    /// Runs `create` unless a `kind` creation for `key` happened within the window; a successful
    /// create starts a new window, a refused or failed one does not (a guess).
    pub(crate) fn throttled<T>(
        &mut self,
        kind: Creation,
        key: &str,
        create: impl FnOnce(&mut Self) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        // R4, R24, R36
        let window = self
            .limits
            .create_cooldown
            .unwrap_or_else(|| kind.railway_window());
        let slot = (kind, key.to_string());
        if !window.is_zero()
            && let Some(last) = self.throttles.last.get(&slot)
            && last.elapsed() < window
        {
            return Err(kind.refusal());
        }
        let created = create(self)?;
        self.throttles.last.insert(slot, Instant::now());
        Ok(created)
    }

    /// R32: the plan's custom domains per service (counted over all its environments: Railway's
    /// docs say "per service"; per environment would be the laxer reading).
    pub(crate) fn check_custom_domain_quota(&self, service_id: &str) -> Result<(), DomainError> {
        let plan = self.limits.plan;
        let used = self
            .state
            .custom_domains
            .iter()
            .filter(|d| d.service_id == service_id && d.deleted_at.is_none())
            .count();
        if used >= plan.custom_domains_per_service() {
            Err(DomainError::CustomDomainLimit {
                plan: plan.to_string(),
                limit: plan.custom_domains_per_service(),
            })
        } else {
            Ok(())
        }
    }

    /// R41: whether a record created at `created_at` (RFC 3339) shows in lists yet.
    pub(crate) fn visible(&self, created_at: &str) -> bool {
        let delay = self.limits.visibility_delay;
        if delay.is_zero() {
            return true;
        }
        let Ok(created) = DateTime::parse_from_rfc3339(created_at) else {
            return true;
        };
        let age = Utc::now().signed_duration_since(created.with_timezone(&Utc));
        age.to_std().is_ok_and(|age| age >= delay)
    }
}

/// R18: Railway accepts at most one pre-deploy command. Exposed for the patch path as well.
pub(crate) fn check_pre_deploy_command(commands: &[String]) -> Result<(), DomainError> {
    if commands.len() > 1 {
        Err(DomainError::PreDeployCommandInvalid)
    } else {
        Ok(())
    }
}

/// R37: Railway answers a delete of something unknown or gone with `Not Authorized`. It goes out
/// like every domain error, with code `INTERNAL_SERVER_ERROR` (the code is a guess).
pub(crate) fn deleting(error: DomainError) -> DomainError {
    match error {
        DomainError::ProjectNotFound
        | DomainError::EnvironmentNotFound
        | DomainError::ServiceNotFound
        | DomainError::InstanceNotFound
        | DomainError::TriggerNotFound
        | DomainError::ServiceDomainNotFound
        | DomainError::CustomDomainNotFound
        | DomainError::TcpProxyNotFound
        | DomainError::VolumeNotFound
        | DomainError::VolumeInstanceNotFound
        | DomainError::BackupNotFound => DomainError::NotAuthorized,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_cooldown_never_throttles_and_a_failed_create_does_not_count() {
        let mut store = Store {
            limits: Limits {
                create_cooldown: Some(Duration::ZERO),
                ..Limits::default()
            },
            ..Store::default()
        };
        for _ in 0..3 {
            assert!(store.throttled(Creation::Project, "w", |_| Ok(())).is_ok());
        }
        store.limits.create_cooldown = Some(Duration::from_secs(60));
        let failed: Result<(), _> =
            store.throttled(Creation::Volume, "u", |_| Err(DomainError::Unavailable));
        assert_eq!(failed, Err(DomainError::Unavailable));
        assert!(store.throttled(Creation::Volume, "u", |_| Ok(())).is_ok());
        assert_eq!(
            store.throttled(Creation::Volume, "u", |_| Ok(())),
            Err(DomainError::VolumesTooQuickly)
        );
        assert!(
            store
                .throttled(Creation::Volume, "other", |_| Ok(()))
                .is_ok()
        );
    }

    #[test]
    fn plans_parse_case_insensitively() {
        assert_eq!("Hobby".parse::<SandboxPlan>(), Ok(SandboxPlan::Hobby));
        assert!("enterprise".parse::<SandboxPlan>().is_err());
    }
}

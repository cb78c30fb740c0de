//! One service instance as apply sees it: finding it (waiting briefly for one Railway is still
//! fanning out, R41), and the explicit deploy of an instance that a direct mutation changed
//! after its environment's patch, or whose patch was committed without deploying.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::create::env_id;
use super::{Executor, Outcome, missing};
use crate::railway::error::Error;
use crate::railway::live::LiveInstance;
use crate::railway::ops::{ServiceInstanceDeployV2, service_instance_deploy_v2};

/// Railway fans new instances out asynchronously; wait this many re-reads for one to appear.
const INSTANCE_APPEAR_ATTEMPTS: u32 = 5;

impl Executor<'_> {
    /// `serviceInstanceDeployV2` when the instance changed outside a deploying commit.
    pub(super) async fn deploy_if_changed(
        &mut self,
        service: &str,
        environment: &str,
        patched: bool,
    ) -> Result<Outcome, Error> {
        let changed = patched
            || self
                .changed_instances
                .iter()
                .any(|(s, e)| s == service && e == environment);
        if !changed {
            return Ok(Outcome::Skipped("nothing changed on this instance".into()));
        }
        let (_, environment_id, live) = self.instance(service, environment).await?;
        let deployment_id = self
            .client
            .post::<ServiceInstanceDeployV2>(service_instance_deploy_v2::Variables {
                service_id: live.service_id,
                environment_id,
            })
            .await?
            .service_instance_deploy_v2;
        Ok(Outcome::Applied(format!(
            "serviceInstanceDeployV2 (deployment {deployment_id})"
        )))
    }

    /// (project id, environment id, live instance) for a service in an environment, waiting
    /// briefly for an instance Railway is still fanning out.
    pub(super) async fn instance(
        &mut self,
        service: &str,
        environment: &str,
    ) -> Result<(String, String, LiveInstance), Error> {
        for attempt in 0..INSTANCE_APPEAR_ATTEMPTS {
            let project = self.fresh_project().await?;
            let environment_id =
                env_id(project, environment).ok_or_else(|| missing("environment", environment))?;
            let found = project
                .services
                .iter()
                .find(|s| s.name == service)
                .and_then(|s| {
                    project
                        .environment_named(environment)
                        .and_then(|e| e.instances.get(&s.id))
                });
            if let Some(instance) = found {
                return Ok((project.id.clone(), environment_id, instance.clone()));
            }
            self.stale = true;
            tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt + 1))).await;
        }
        Err(missing(
            "service instance",
            &format!("{service} in {environment}"),
        ))
    }
}

pub(super) fn convert<T: Serialize, U: DeserializeOwned>(value: T) -> Option<U> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
}

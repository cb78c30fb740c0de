//! The project's PR environment settings (R50): one `projectUpdate` carrying only the settings
//! `spec.previews` names, the base environment resolved from its name at apply time.

use super::{Executor, Outcome, missing};
use crate::manifest::desired::PreviewPolicy;
use crate::railway::Error as RailwayError;
use crate::railway::ops::{ProjectUpdate, project_update};

impl Executor<'_> {
    pub(super) async fn configure_previews(
        &mut self,
        desired: &PreviewPolicy,
    ) -> Result<Outcome, RailwayError> {
        let base_environment_id = match &desired.base {
            Some(name) => Some(self.environment_id(name).await?),
            None => None,
        };
        let project_id = self.project_id()?;
        // R51: an unset field is left out of the input, so the setting keeps its value.
        self.client
            .post::<ProjectUpdate>(project_update::Variables {
                id: project_id,
                input: project_update::ProjectUpdateInput {
                    base_environment_id,
                    bot_pr_environments: desired.bots,
                    description: None,
                    focused_pr_environments: desired.focused,
                    is_public: None,
                    name: None,
                    pr_deploys: desired.enabled,
                    tracing_enabled: None,
                    tracing_sample_rate: None,
                },
            })
            .await?;
        Ok(Outcome::Applied("updated".into()))
    }

    /// The id of environment `name`, read again once if this apply may have just created it.
    async fn environment_id(&mut self, name: &str) -> Result<String, RailwayError> {
        for _ in 0..2 {
            let project = self.fresh_project().await?;
            if let Some(environment) = project.environments.iter().find(|e| e.name == name) {
                return Ok(environment.id.clone());
            }
            self.stale = true;
        }
        Err(missing("environment", name))
    }
}

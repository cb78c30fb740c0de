//! Variables on apply: which values to write (generated ones created here, once; the
//! environment patch carries them), and recording the ownership inventory with
//! `variableCollectionUpsert` and `skipDeploys`. Values go only into request bodies, never into
//! logs, events or errors.

use std::collections::BTreeMap;

use rand::Rng;
use rand::distr::Alphanumeric;

use super::Executor;
use crate::inventory::{INVENTORY_VARIABLE, Inventory};
use crate::manifest::desired::VariableValue;
use crate::railway::error::Error;
use crate::railway::live::LiveVariable;
use crate::railway::ops::{VariableCollectionUpsert, variable_collection_upsert};

/// Where a set of variables lives: a service in an environment, or an environment's shared set.
pub(super) struct Scope<'a> {
    pub project_id: &'a str,
    pub environment_id: &'a str,
    pub service_id: Option<&'a str>,
}

/// The values to upsert so that live matches desired: absent, different, or generated-and-absent.
/// Sealed variables are left alone: their values cannot be compared.
pub(super) fn values_to_upsert(
    desired: &BTreeMap<String, VariableValue>,
    live: &BTreeMap<String, LiveVariable>,
) -> BTreeMap<String, Option<String>> {
    let mut upsert = BTreeMap::new();
    for (name, want) in desired {
        let have = live.get(name);
        let value = match (want, have) {
            (_, Some(LiveVariable::Sealed)) => None,
            (VariableValue::Generate { length }, None) => Some(generate(*length)),
            (VariableValue::Generate { .. }, Some(_)) => None,
            (VariableValue::Plain { value }, Some(LiveVariable::Value(have)))
                if have.expose() == value =>
            {
                None
            }
            (VariableValue::Plain { value }, _) => Some(value.clone()),
            (VariableValue::Secret { secret }, Some(LiveVariable::Value(have)))
                if have == secret =>
            {
                None
            }
            (VariableValue::Secret { secret }, _) => Some(secret.expose().to_string()),
        };
        if let Some(value) = value {
            upsert.insert(name.clone(), Some(value));
        }
    }
    upsert
}

fn generate(length: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(length)
        .map(char::from)
        .collect()
}

impl Executor<'_> {
    pub(super) async fn upsert(
        &self,
        scope: &Scope<'_>,
        variables: BTreeMap<String, Option<String>>,
    ) -> Result<(), Error> {
        self.client
            .post::<VariableCollectionUpsert>(variable_collection_upsert::Variables {
                input: variable_collection_upsert::VariableCollectionUpsertInput {
                    project_id: scope.project_id.to_string(),
                    environment_id: scope.environment_id.to_string(),
                    service_id: scope.service_id.map(str::to_string),
                    variables,
                    replace: Some(false),
                    skip_deploys: Some(true),
                },
            })
            .await
            .map(|_| ())
    }

    /// Records what the operator owns in an environment, without deploying anything.
    pub(super) async fn write_inventory(
        &mut self,
        environment: &str,
        inventory: &Inventory,
    ) -> Result<(), Error> {
        // Checked before any request: one too large for a variable is never sent.
        let text = inventory
            .encode_checked()
            .map_err(|error| Error::Terminal {
                operation: "VariableCollectionUpsert",
                message: error.to_string(),
            })?;
        // Ids never change: the copy at hand serves unless the environment is new to it.
        let cached = self.project.as_ref().and_then(|p| {
            let env = p.environment_named(environment)?;
            Some((p.id.clone(), env.id.clone()))
        });
        let (project_id, environment_id) = match cached {
            Some(ids) => ids,
            None => {
                let project = self.fresh_project().await?;
                let env = project
                    .environment_named(environment)
                    .ok_or_else(|| super::missing("environment", environment))?;
                (project.id.clone(), env.id.clone())
            }
        };
        let scope = Scope {
            project_id: &project_id,
            environment_id: &environment_id,
            service_id: None,
        };
        self.upsert(
            &scope,
            BTreeMap::from([(INVENTORY_VARIABLE.to_string(), Some(text))]),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{Secret, SecretOrigin};

    #[test]
    fn only_missing_or_different_values_are_upserted_and_generated_ones_once() {
        let desired = BTreeMap::from([
            (
                "SAME".to_string(),
                VariableValue::Plain { value: "1".into() },
            ),
            (
                "NEW".to_string(),
                VariableValue::Plain { value: "2".into() },
            ),
            ("GEN".to_string(), VariableValue::Generate { length: 32 }),
            ("KEPT".to_string(), VariableValue::Generate { length: 32 }),
            (
                "SECRET".to_string(),
                VariableValue::Secret {
                    secret: Secret::new(SecretOrigin::Env("S".into()), "s3"),
                },
            ),
            (
                "SEALED".to_string(),
                VariableValue::Plain { value: "x".into() },
            ),
        ]);
        let live = BTreeMap::from([
            (
                "SAME".to_string(),
                LiveVariable::Value(Secret::new(SecretOrigin::Live, "1")),
            ),
            (
                "KEPT".to_string(),
                LiveVariable::Value(Secret::new(SecretOrigin::Live, "old")),
            ),
            (
                "SECRET".to_string(),
                LiveVariable::Value(Secret::new(SecretOrigin::Live, "s3")),
            ),
            ("SEALED".to_string(), LiveVariable::Sealed),
        ]);
        let upsert = values_to_upsert(&desired, &live);
        assert_eq!(upsert.keys().collect::<Vec<_>>(), vec!["GEN", "NEW"]);
        assert_eq!(upsert["GEN"].as_ref().map(String::len), Some(32));
    }
}

//! Where running backups outlive the process (R26), so that a restarted replica follows the
//! backup the one before it left running instead of taking a second one: with `--lock-url`, a
//! table next to the leases ([`LeaseJournal`]); without, the environment's ownership inventory
//! on Railway ([`InventoryJournal`]), read fresh and written back right away so that nothing a
//! pass recorded is lost. Records and forgets; never takes a backup.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::in_flight::{Journal, JournalFuture, RunningBackup};
use crate::inventory::{INVENTORY_VARIABLE, Inventory, InventoryState};
use crate::lease::LeaseStore;
use crate::railway::Client;
use crate::railway::ops::{
    SharedVariables, VariableCollectionUpsert, shared_variables, variable_collection_upsert,
};

/// Running backups in the lock database.
pub struct LeaseJournal(pub Arc<LeaseStore>);

impl Journal for LeaseJournal {
    fn load<'a>(&'a self, volume_instance_id: &'a str) -> JournalFuture<'a, Vec<RunningBackup>> {
        Box::pin(async move {
            let rows = self
                .0
                .running_backups(volume_instance_id)
                .await
                .map_err(|e| e.to_string())?;
            Ok(rows
                .into_iter()
                .map(|(name, workflow_id)| RunningBackup {
                    volume_instance_id: volume_instance_id.to_string(),
                    name,
                    workflow_id,
                })
                .collect())
        })
    }

    fn record<'a>(&'a self, backup: &'a RunningBackup) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            self.0
                .record_running_backup(
                    &backup.volume_instance_id,
                    &backup.name,
                    backup.workflow_id.as_deref(),
                )
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn forget<'a>(&'a self, volume_instance_id: &'a str, name: &'a str) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            self.0
                .forget_running_backup(volume_instance_id, name)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// Running backups in the ownership inventory of the volume's environment.
pub struct InventoryJournal {
    client: Client,
    /// Volume instance id -> (project id, environment id), told by the controller.
    places: Mutex<BTreeMap<String, (String, String)>>,
    /// One read-modify-write at a time in this process.
    writing: tokio::sync::Mutex<()>,
}

impl InventoryJournal {
    pub fn new(client: Client) -> Self {
        InventoryJournal {
            client,
            places: Mutex::default(),
            writing: tokio::sync::Mutex::new(()),
        }
    }

    /// Where the volume instance lives, so its environment's inventory can be found.
    pub fn place(&self, volume_instance_id: &str, project_id: &str, environment_id: &str) {
        self.places
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                volume_instance_id.to_string(),
                (project_id.to_string(), environment_id.to_string()),
            );
    }

    fn place_of(&self, volume_instance_id: &str) -> Result<(String, String), String> {
        self.places
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(volume_instance_id)
            .cloned()
            .ok_or_else(|| {
                format!("volume instance {volume_instance_id} is in no environment read yet")
            })
    }

    /// The environment's inventory as stored now; `Err` when it cannot be trusted (corrupt,
    /// sealed), so it is never overwritten from here.
    async fn read(&self, project_id: &str, environment_id: &str) -> Result<Inventory, String> {
        let variables = self
            .client
            .post::<SharedVariables>(shared_variables::Variables {
                project_id: project_id.to_string(),
                environment_id: environment_id.to_string(),
            })
            .await
            .map_err(|e| e.to_string())?
            .variables;
        let value = variables.get(INVENTORY_VARIABLE).map(|v| v.as_deref());
        match InventoryState::decode(value) {
            InventoryState::Absent => Ok(Inventory::default()),
            InventoryState::Present { inventory } => Ok(inventory),
            InventoryState::Corrupt { reason } => Err(format!(
                "the inventory ({INVENTORY_VARIABLE}) cannot be read, so running backups are not recorded in it: {reason}"
            )),
        }
    }

    /// Reads the inventory, lets `change` edit the volume's running backups, and writes it back
    /// (without deploying anything) when they changed.
    async fn update(
        &self,
        volume_instance_id: &str,
        change: impl FnOnce(&mut BTreeMap<String, String>),
    ) -> Result<(), String> {
        let (project_id, environment_id) = self.place_of(volume_instance_id)?;
        let _one_at_a_time = self.writing.lock().await;
        let mut inventory = self.read(&project_id, &environment_id).await?;
        let before = inventory.running_backups.clone();
        let entry = inventory
            .running_backups
            .entry(volume_instance_id.to_string())
            .or_default();
        change(entry);
        if entry.is_empty() {
            inventory.running_backups.remove(volume_instance_id);
        }
        if inventory.running_backups == before {
            return Ok(());
        }
        let text = inventory.encode_checked().map_err(|e| e.to_string())?;
        self.client
            .post::<VariableCollectionUpsert>(variable_collection_upsert::Variables {
                input: variable_collection_upsert::VariableCollectionUpsertInput {
                    project_id,
                    environment_id,
                    service_id: None,
                    variables: BTreeMap::from([(INVENTORY_VARIABLE.to_string(), Some(text))]),
                    replace: Some(false),
                    // R28: a shared variable no service references redeploys nothing anyway.
                    skip_deploys: Some(true),
                },
            })
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

impl Journal for InventoryJournal {
    fn load<'a>(&'a self, volume_instance_id: &'a str) -> JournalFuture<'a, Vec<RunningBackup>> {
        Box::pin(async move {
            let (project_id, environment_id) = self.place_of(volume_instance_id)?;
            let inventory = self.read(&project_id, &environment_id).await?;
            Ok(inventory
                .running_backups
                .get(volume_instance_id)
                .into_iter()
                .flatten()
                .map(|(name, workflow)| RunningBackup {
                    volume_instance_id: volume_instance_id.to_string(),
                    name: name.clone(),
                    workflow_id: (!workflow.is_empty()).then(|| workflow.clone()),
                })
                .collect())
        })
    }

    fn record<'a>(&'a self, backup: &'a RunningBackup) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            self.update(&backup.volume_instance_id, |running| {
                running.insert(
                    backup.name.clone(),
                    backup.workflow_id.clone().unwrap_or_default(),
                );
            })
            .await
        })
    }

    fn forget<'a>(&'a self, volume_instance_id: &'a str, name: &'a str) -> JournalFuture<'a, ()> {
        Box::pin(async move {
            self.update(volume_instance_id, |running| {
                running.remove(name);
            })
            .await
        })
    }
}

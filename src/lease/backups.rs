//! Running backups kept in the lock database, next to the leases: the backups a replica started
//! and has not seen finish, so that whichever replica runs the schedule next (the same one after
//! a restart, or another) follows them instead of taking a second one (R26). One table, made on
//! first use; rows are plain text and ids, never a secret. Knows nothing of how backups are taken.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::LeaseError;
use super::store::{LeaseStore, describe_error};

/// The table's name in the lock database.
pub const RUNNING_BACKUPS_TABLE: &str = "railway_operator_running_backups";

const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

impl LeaseStore {
    async fn run(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, LeaseError> {
        let session = self.session()?;
        tokio::time::timeout(QUERY_TIMEOUT, session.client.query(sql, params))
            .await
            .map_err(|_| self.query_error("no answer within 5 s".to_string()))?
            .map_err(|e| self.query_error(describe_error(&e)))
    }

    async fn ensure_backups_table(&self) -> Result<(), LeaseError> {
        if self.backups_table.load(Ordering::SeqCst) {
            return Ok(());
        }
        let sql = format!(
            "CREATE TABLE IF NOT EXISTS {RUNNING_BACKUPS_TABLE} (\
             volume_instance_id text NOT NULL, name text NOT NULL, workflow_id text, \
             instance_id text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(), \
             PRIMARY KEY (volume_instance_id, name))"
        );
        // Two replicas creating it at once: one of them may see a duplicate-type error; the
        // table exists either way on the second try.
        if self.run(&sql, &[]).await.is_err() {
            self.run(&sql, &[]).await?;
        }
        self.backups_table.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// The backups recorded as running on the volume instance: (name, workflow id).
    ///
    /// # Errors
    /// When the session is gone or the query fails.
    pub async fn running_backups(
        &self,
        volume_instance_id: &str,
    ) -> Result<Vec<(String, Option<String>)>, LeaseError> {
        self.ensure_backups_table().await?;
        let sql = format!(
            "SELECT name, workflow_id FROM {RUNNING_BACKUPS_TABLE} \
             WHERE volume_instance_id = $1 ORDER BY recorded_at, name"
        );
        let rows = self.run(&sql, &[&volume_instance_id]).await?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let name: String = row.try_get(0).ok()?;
                let workflow: Option<String> = row.try_get(1).ok()?;
                Some((name, workflow))
            })
            .collect())
    }

    /// Records a backup as running (replacing a row of the same volume instance and name).
    ///
    /// # Errors
    /// When the session is gone or the query fails.
    pub async fn record_running_backup(
        &self,
        volume_instance_id: &str,
        name: &str,
        workflow_id: Option<&str>,
    ) -> Result<(), LeaseError> {
        self.ensure_backups_table().await?;
        let sql = format!(
            "INSERT INTO {RUNNING_BACKUPS_TABLE} (volume_instance_id, name, workflow_id, instance_id) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (volume_instance_id, name) \
             DO UPDATE SET workflow_id = EXCLUDED.workflow_id, instance_id = EXCLUDED.instance_id"
        );
        let instance = self.instance_id().to_string();
        self.run(&sql, &[&volume_instance_id, &name, &workflow_id, &instance])
            .await
            .map(|_| ())
    }

    /// Forgets a running backup (it finished, failed or vanished).
    ///
    /// # Errors
    /// When the session is gone or the query fails.
    pub async fn forget_running_backup(
        &self,
        volume_instance_id: &str,
        name: &str,
    ) -> Result<(), LeaseError> {
        self.ensure_backups_table().await?;
        let sql = format!(
            "DELETE FROM {RUNNING_BACKUPS_TABLE} WHERE volume_instance_id = $1 AND name = $2"
        );
        self.run(&sql, &[&volume_instance_id, &name])
            .await
            .map(|_| ())
    }
}

//! `report [SERVICE]`: argument parsing, loading the manifest, one snapshot plus the volumes'
//! backups, then writing one Markdown document per service through `crate::report`.
//! Never writes to Railway.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::connect::connect;
use super::{EXIT_OK, GlobalOptions, ManifestArgs};
use crate::ops::{self, View};
use crate::railway::snapshot;
use crate::report::{self, ReportInput, WriteOutcome};

#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    #[command(flatten)]
    pub manifest: ManifestArgs,
    /// Only this service (default: every service of the manifest).
    pub service: Option<String>,
    /// Directory the documents are written to (`<service>.md` each).
    #[arg(long, default_value = "docs/services")]
    pub out: PathBuf,
}

pub async fn report(global: &GlobalOptions, args: &ReportArgs) -> anyhow::Result<u8> {
    let desired = super::pipeline::load(&args.manifest)?.ok_or_else(|| {
        anyhow::anyhow!("{} is not a valid manifest", args.manifest.file.display())
    })?;
    if let Some(service) = &args.service {
        ops::find_service(&desired, service)?;
    }

    let connection = connect(global).await?;
    let live = snapshot::snapshot(&connection.client, &desired.project).await;
    let mut backups = BTreeMap::new();
    if let Ok(live) = &live {
        let ids = ops::status::volume_instance_ids(&View::new(&desired, live));
        let (read, errors) = ops::status::read_backups(&connection.client, &ids).await;
        for error in errors {
            tracing::warn!(%error, "cannot read a volume's backups");
        }
        backups = read;
    }
    connection.close().await;
    let live = live.context("cannot read the live project")?;

    let view = View::new(&desired, &live);
    let manifest_label = args.manifest.file.display().to_string();
    let input = ReportInput {
        view: &view,
        backups: &backups,
        manifest_label: &manifest_label,
    };
    for document in report::documents(&input, args.service.as_deref())? {
        let (path, outcome) = report::write_document(&args.out, &document)?;
        match outcome {
            WriteOutcome::Written => println!("wrote {}", path.display()),
            WriteOutcome::Unchanged => println!("unchanged {}", path.display()),
        }
    }
    Ok(EXIT_OK)
}

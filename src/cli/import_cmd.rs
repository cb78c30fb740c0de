//! `import`: writes a manifest from a live project (to stdout or a file) and lists on stderr the
//! environment variables the user must set before planning, by name: never a value that is not in
//! the manifest in clear (R27).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::connect::connect;
use super::{EXIT_OK, GlobalOptions};
use crate::import::{self, Encryption, ImportOptions, Provenance};

#[derive(Debug, Args, Clone)]
pub struct ImportArgs {
    /// The project to import: its id (a UUID) or its name.
    #[arg(long)]
    pub project: String,
    /// Import only this environment (repeatable); default: every non-ephemeral one.
    #[arg(long = "env")]
    pub environments: Vec<String>,
    /// Write this variable's value in clear (repeatable; every service and the shared variables).
    /// Every other value, except a whole `${{...}}` reference, becomes a `fromEnv` placeholder.
    #[arg(long = "plain", value_name = "NAME")]
    pub plain: Vec<String>,
    /// Write the manifest to this file instead of stdout.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Write the values for real, encrypted with SOPS for this age recipient (repeatable): the
    /// manifest then plans with only the age key.
    #[arg(long = "encrypt-to", value_name = "AGE_RECIPIENT")]
    pub encrypt_to: Vec<String>,
    /// Encrypt as this .sops.yaml's creation rule for the output file says (age recipients and
    /// rule).
    #[arg(
        long = "sops-config",
        value_name = "FILE",
        conflicts_with = "encrypt_to"
    )]
    pub sops_config: Option<PathBuf>,
}

impl ImportArgs {
    /// How to encrypt, when asked to.
    fn encryption(&self) -> anyhow::Result<Option<Encryption>> {
        if let Some(config) = &self.sops_config {
            return import::from_sops_config(config, self.output.as_deref())
                .map(Some)
                .map_err(anyhow::Error::from);
        }
        Ok((!self.encrypt_to.is_empty()).then(|| Encryption {
            recipients: self.encrypt_to.clone(),
            rule: None,
        }))
    }
}

pub async fn import(global: &GlobalOptions, args: &ImportArgs) -> anyhow::Result<u8> {
    let encryption = args.encryption()?;
    let connection = connect(global).await?;
    let workspace = std::env::var("RAILWAY_WORKSPACE_ID")
        .ok()
        .filter(|w| !w.trim().is_empty());
    let live = import::read_live(&connection.client, &args.project, workspace.as_deref()).await;
    connection.close().await;
    let live = live.context("cannot import the project")?;
    let provenance = Provenance {
        api_url: if global.sandbox {
            "the local sandbox".to_string()
        } else {
            global.api_url.clone()
        },
        imported_at: chrono::Utc::now(),
    };
    let options = ImportOptions {
        environments: args.environments.clone(),
        plain: args.plain.clone(),
    };
    let mut imported = import::build_manifest(&live, &options, &provenance)?;
    import::validate(&imported)?;
    if let Some(encryption) = &encryption {
        imported = import::seal(&imported, encryption)?;
        import::validate(&imported)?;
    }
    match &args.output {
        Some(path) => std::fs::write(path, &imported.text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{}", imported.text),
    }
    for warning in &imported.warnings {
        eprintln!("warning: {warning}");
    }
    // R27: names and manifest paths only, never a value.
    if imported.placeholders.is_empty() && encryption.is_some() {
        eprintln!(
            "No placeholders: the manifest plans with the age key (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE or --age-key-file)."
        );
    } else if imported.placeholders.is_empty() {
        eprintln!("No placeholders: the manifest plans as is.");
    } else {
        eprintln!(
            "Set these environment variables to the values they have on Railway before `plan` (import writes only `${{{{...}}}}` references and --plain names in clear):"
        );
        for placeholder in &imported.placeholders {
            eprintln!("  {}  (used in {})", placeholder.name, placeholder.used_in);
        }
    }
    Ok(EXIT_OK)
}

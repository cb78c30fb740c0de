//! Argument parsing of `railway-operator backup list|create|prune` (end-to-end runs come with
//! the sandbox's volume support).

use std::time::Duration;

use clap::Parser;
use railway_operator::cli::backup_cmd::{BackupAction, OutputFormat};
use railway_operator::cli::{Cli, Command};

fn parse(args: &[&str]) -> Result<BackupAction, clap::Error> {
    let cli = Cli::try_parse_from(std::iter::once("railway-operator").chain(args.iter().copied()))?;
    match cli.command {
        Command::Backup(backup) => Ok(backup.action),
        other => panic!("not a backup command: {other:?}"),
    }
}

#[test]
fn list_takes_a_manifest_a_service_and_defaults_to_text_in_the_first_environment() {
    let BackupAction::List(args) =
        parse(&["backup", "list", "-f", "shop.yaml", "--service", "db"]).unwrap()
    else {
        panic!("expected list");
    };
    assert_eq!(args.file.to_str(), Some("shop.yaml"));
    assert_eq!(args.service, "db");
    assert_eq!(args.environment, None);
    assert_eq!(args.output, OutputFormat::Text);
}

#[test]
fn create_accepts_an_environment_and_json_output() {
    let BackupAction::Create(args) = parse(&[
        "backup",
        "create",
        "--file",
        "shop.yaml",
        "--service",
        "db",
        "--env",
        "staging",
        "--output",
        "json",
    ])
    .unwrap() else {
        panic!("expected create");
    };
    assert_eq!(args.environment.as_deref(), Some("staging"));
    assert_eq!(args.output, OutputFormat::Json);
}

#[test]
fn prune_accepts_dry_run_and_a_manual_age() {
    let BackupAction::Prune(args) = parse(&[
        "backup",
        "prune",
        "-f",
        "shop.yaml",
        "--service",
        "db",
        "--dry-run",
        "--manual-older-than",
        "30d",
    ])
    .unwrap() else {
        panic!("expected prune");
    };
    assert!(args.dry_run);
    assert_eq!(
        args.manual_older_than,
        Some(Duration::from_secs(30 * 86_400))
    );
    assert_eq!(args.target.service, "db");
}

#[test]
fn prune_without_flags_deletes_for_real_and_leaves_manual_backups() {
    let BackupAction::Prune(args) =
        parse(&["backup", "prune", "-f", "m.yaml", "--service", "db"]).unwrap()
    else {
        panic!("expected prune");
    };
    assert!(!args.dry_run);
    assert_eq!(args.manual_older_than, None);
}

#[test]
fn the_service_and_the_manifest_are_required() {
    assert!(parse(&["backup", "list", "-f", "shop.yaml"]).is_err());
    assert!(parse(&["backup", "list", "--service", "db"]).is_err());
}

#[test]
fn an_unknown_output_format_or_a_bad_duration_is_rejected() {
    assert!(
        parse(&[
            "backup",
            "list",
            "-f",
            "m.yaml",
            "--service",
            "db",
            "--output",
            "yaml"
        ])
        .is_err()
    );
    assert!(
        parse(&[
            "backup",
            "prune",
            "-f",
            "m.yaml",
            "--service",
            "db",
            "--manual-older-than",
            "soon"
        ])
        .is_err()
    );
}

#[test]
fn dry_run_belongs_to_prune_only() {
    assert!(
        parse(&[
            "backup",
            "create",
            "-f",
            "m.yaml",
            "--service",
            "db",
            "--dry-run"
        ])
        .is_err()
    );
}

/// Runs the binary on a manifest; these errors are found before any request is sent.
fn run_on_manifest(args: &[&str]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("shop.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: shop }\nspec:\n  environments: { production: {} }\n  services:\n    db:\n      source: { image: \"postgres:16\" }\n",
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_railway-operator"))
        .args(["backup", "list", "-f"])
        .arg(&manifest)
        .args(args)
        .env_remove("RAILWAY_API_TOKEN")
        .env_remove("RAILWAY_TOKEN")
        .current_dir(dir.path())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_unknown_service_is_a_clear_error_with_exit_code_1() {
    let (code, stderr) = run_on_manifest(&["--service", "cache"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("--service cache: no such service in the manifest (it has: db)"),
        "{stderr}"
    );
}

#[test]
fn an_environment_missing_from_the_manifest_is_a_clear_error() {
    let (code, stderr) = run_on_manifest(&["--service", "db", "--env", "staging"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("--env staging: the manifest declares no such environment"),
        "{stderr}"
    );
}

#[test]
fn a_service_without_a_volume_in_the_manifest_is_a_clear_error() {
    let (code, stderr) = run_on_manifest(&["--service", "db"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("service db has no volume in environment production of the manifest"),
        "{stderr}"
    );
}

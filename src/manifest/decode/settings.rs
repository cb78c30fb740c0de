//! Decodes a service's (or an override's) `source`, `build`, `deploy` and `variables` blocks,
//! plus `domains` and `tcpProxies` (through `domains`), `volume` (through `volume`) and `ignore`
//! (through `ignore`), into flat `Settings`, with per-field checks (types, enums, ranges, cron
//! syntax). Cross-field rules that depend on the merged per-environment result live in `resolve`.

use super::super::desired::{Builder, OnFailure, RestartPolicyType};
use super::super::spec::{Settings, Spanned};
use super::cron::{CRON_HINT, cron_problem};
use super::domains::{decode_domains, decode_tcp_proxies};
use super::ignore::decode_ignore;
use super::reader::{Fields, Reader};
use super::variables::decode_variables;
use super::volume::decode_volume;

pub const SOURCE_FIELDS: &[&str] = &["image", "repo", "branch", "rootDirectory"];
pub const BUILD_FIELDS: &[&str] = &["builder", "buildCommand", "dockerfilePath", "watchPatterns"];
pub const DEPLOY_FIELDS: &[&str] = &[
    "startCommand",
    "preDeployCommand",
    "healthcheck",
    "replicas",
    "region",
    "restartPolicy",
    "cronSchedule",
    "sleepApplication",
    "drainingSeconds",
    "overlapSeconds",
    "limits",
    "onFailure",
];

const ON_FAILURE: &[(&str, OnFailure)] = &[
    ("report", OnFailure::Report),
    ("rollback", OnFailure::Rollback),
];
const BUILDERS: &[(&str, Builder)] = &[
    ("RAILPACK", Builder::Railpack),
    ("NIXPACKS", Builder::Nixpacks),
    ("HEROKU", Builder::Heroku),
    ("PAKETO", Builder::Paketo),
];
const RESTART_TYPES: &[(&str, RestartPolicyType)] = &[
    ("ALWAYS", RestartPolicyType::Always),
    ("NEVER", RestartPolicyType::Never),
    ("ON_FAILURE", RestartPolicyType::OnFailure),
];

/// Reads the `source`, `build`, `deploy` and `variables` entries of `owner` (a service or an
/// override).
pub fn decode_settings(reader: &mut Reader, owner: &Fields) -> Settings {
    let mut settings = Settings::default();
    if let Some(node) = owner.get("source") {
        match reader.fields(node, &owner.field_path("source"), SOURCE_FIELDS, &[]) {
            Some(source) => decode_source(reader, &source, &mut settings),
            None => settings.source_unreadable = true,
        }
    }
    decode_build_and_deploy(reader, owner, &mut settings);
    settings.variables = decode_variables(reader, owner, "variables");
    settings.domains = decode_domains(reader, owner);
    settings.tcp_proxies = decode_tcp_proxies(reader, owner);
    settings.volume = decode_volume(reader, owner);
    settings.ignore = decode_ignore(reader, owner);
    settings
}

fn decode_source(reader: &mut Reader, source: &Fields, settings: &mut Settings) {
    settings.image = reader.opt_string(source, "image");
    settings.repo = reader.opt_string(source, "repo");
    settings.source_unreadable = (source.get("image").is_some() && settings.image.is_none())
        || (source.get("repo").is_some() && settings.repo.is_none());
    settings.branch = reader.opt_string(source, "branch");
    settings.root_directory = reader.opt_string(source, "rootDirectory");
    if let Some(repo) = &settings.repo
        && !is_repo_slug(&repo.value)
    {
        reader.sink.error_with_hint(
            repo.at,
            format!(
                "`{}` must be a GitHub repository",
                source.field_path("repo")
            ),
            "write it as `owner/name`",
        );
    }
}

fn decode_build_and_deploy(reader: &mut Reader, owner: &Fields, settings: &mut Settings) {
    if let Some(node) = owner.get("build")
        && let Some(build) = reader.fields(node, &owner.field_path("build"), BUILD_FIELDS, &[])
    {
        settings.builder = reader.opt_enum(&build, "builder", BUILDERS);
        settings.build_command = reader.opt_string(&build, "buildCommand");
        settings.dockerfile_path = reader.opt_string(&build, "dockerfilePath");
        settings.watch_patterns = reader.opt_string_list(&build, "watchPatterns", false);
    }
    if let Some(node) = owner.get("deploy")
        && let Some(deploy) = reader.fields(node, &owner.field_path("deploy"), DEPLOY_FIELDS, &[])
    {
        decode_deploy(reader, &deploy, settings);
    }
}

/// R18: Railway refuses a `preDeployCommand` list of more than one command ("Error in
/// preDeployCommand - Invalid input"), so the manifest takes one command, as a string or a list
/// of one.
fn pre_deploy_command(reader: &mut Reader, deploy: &Fields) -> Option<Spanned<Vec<String>>> {
    let commands = reader.opt_string_list(deploy, "preDeployCommand", true)?;
    if commands.value.len() > 1 {
        let joined = commands.value.join(" && ");
        reader.sink.error_with_hint(
            commands.at,
            format!(
                "`{}` lists {} commands; Railway runs exactly one",
                deploy.field_path("preDeployCommand"),
                commands.value.len()
            ),
            format!("join them with &&: `preDeployCommand: {joined}`"),
        );
        return None;
    }
    Some(commands)
}

fn decode_deploy(reader: &mut Reader, deploy: &Fields, settings: &mut Settings) {
    settings.start_command = reader.opt_string(deploy, "startCommand");
    settings.pre_deploy_command = pre_deploy_command(reader, deploy);
    settings.replicas = reader.opt_int(deploy, "replicas", 1);
    settings.region = reader.opt_string(deploy, "region");
    settings.cron_schedule = reader.opt_string(deploy, "cronSchedule");
    settings.sleep_application = reader.opt_bool(deploy, "sleepApplication");
    settings.draining_seconds = reader.opt_int(deploy, "drainingSeconds", 0);
    settings.overlap_seconds = reader.opt_int(deploy, "overlapSeconds", 0);
    settings.on_failure = reader.opt_enum(deploy, "onFailure", ON_FAILURE);
    if let Some(cron) = &settings.cron_schedule
        && let Some(problem) = cron_problem(&cron.value)
    {
        // croner's message may quote parts of the pattern: only shown when nothing was expanded.
        let written_verbatim = deploy
            .get("cronSchedule")
            .and_then(|node| node.scalar_text())
            .is_some_and(|raw| raw == cron.value);
        let detail = if written_verbatim {
            format!(": {problem}")
        } else {
            String::new()
        };
        reader.sink.error_with_hint(
            cron.at,
            format!(
                "invalid cron expression in `{}`{detail}",
                deploy.field_path("cronSchedule")
            ),
            CRON_HINT,
        );
        settings.cron_schedule = None;
    }
    if let Some(node) = deploy.get("healthcheck")
        && let Some(health) = reader.fields(
            node,
            &deploy.field_path("healthcheck"),
            &["path", "timeoutSeconds"],
            &[],
        )
    {
        settings.healthcheck_path = reader.opt_string(&health, "path");
        settings.healthcheck_timeout = reader.opt_int(&health, "timeoutSeconds", 1);
    }
    if let Some(node) = deploy.get("restartPolicy")
        && let Some(restart) = reader.fields(
            node,
            &deploy.field_path("restartPolicy"),
            &["type", "maxRetries"],
            &[],
        )
    {
        settings.restart_policy_type = reader.opt_enum(&restart, "type", RESTART_TYPES);
        settings.restart_policy_max_retries = reader.opt_int(&restart, "maxRetries", 0);
    }
    if let Some(node) = deploy.get("limits")
        && let Some(limits) = reader.fields(
            node,
            &deploy.field_path("limits"),
            &["vcpus", "memoryGB"],
            &[],
        )
    {
        settings.vcpus = reader.opt_positive_number(&limits, "vcpus");
        settings.memory_gb = reader.opt_positive_number(&limits, "memoryGB");
    }
}

fn is_repo_slug(repo: &str) -> bool {
    let mut parts = repo.split('/');
    let valid = |part: Option<&str>| {
        part.is_some_and(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
    };
    valid(parts.next()) && valid(parts.next()) && parts.next().is_none()
}

//! Decodes a service's (or an override's) `source`, `build`, `deploy` and `variables` blocks,
//! plus `domains` and `tcpProxies` (through `domains`), `volume` (through `volume`) and `ignore`
//! (through `ignore`), into flat `Settings`, with per-field checks (types, enums, ranges, cron
//! syntax). Cross-field rules that depend on the merged per-environment result live in `resolve`.

use super::super::desired::OnFailure;
use super::super::setting::{self, Kind, Owned, Regions, RegistryCredentials, Row};
use super::super::spec::{Settings, Spanned};
use super::super::yaml_tree::Value;
use super::cron::{CRON_HINT, cron_problem};
use super::domains::{decode_domains, decode_tcp_proxies};
use super::ignore::decode_ignore;
use super::notifications::{Credential, from_env_only};
use super::reader::{Fields, Reader};
use super::variables::decode_variables;
use super::volume::decode_volume;

pub const SOURCE_FIELDS: &[&str] = &["image", "repo", "branch", "rootDirectory"];
/// Fields of `deploy` that are the operator's policy, not Railway settings.
const DEPLOY_POLICY_FIELDS: &[&str] = &["onFailure"];

const ON_FAILURE: &[(&str, OnFailure)] = &[
    ("report", OnFailure::Report),
    ("rollback", OnFailure::Rollback),
];

/// Reads the `source`, `build`, `deploy` and `variables` entries of `owner` (a service or an
/// override).
pub fn decode_settings(reader: &mut Reader, owner: &Fields) -> Settings {
    let mut settings = Settings::default();
    if let Some(node) = owner.get("source") {
        let mut known = SOURCE_FIELDS.to_vec();
        known.extend(setting::children("source"));
        match reader.fields(node, &owner.field_path("source"), &known, &[]) {
            Some(source) => {
                decode_source(reader, &source, &mut settings);
                decode_group(reader, &source, "source", &mut settings);
            }
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

/// `build` and `deploy`: their fields come from the setting table, plus `deploy.onFailure`.
fn decode_build_and_deploy(reader: &mut Reader, owner: &Fields, settings: &mut Settings) {
    for group in ["build", "deploy"] {
        let Some(node) = owner.get(group) else {
            continue;
        };
        let mut known = setting::children(group);
        if group == "deploy" {
            known.extend(DEPLOY_POLICY_FIELDS);
        }
        if let Some(fields) = reader.fields(node, &owner.field_path(group), &known, &[]) {
            decode_group(reader, &fields, group, settings);
            if group == "deploy" {
                settings.on_failure = reader.opt_enum(&fields, "onFailure", ON_FAILURE);
            }
        }
    }
}

/// The table's settings under `group` (a manifest path such as `deploy.healthcheck`), read
/// from `fields`, nested groups included.
fn decode_group(reader: &mut Reader, fields: &Fields, group: &str, settings: &mut Settings) {
    for name in setting::children(group) {
        let path = format!("{group}.{name}");
        match setting::row(&path) {
            Some(row) => decode_row(reader, fields, row, settings),
            None => {
                if let Some(node) = fields.get(name)
                    && let Some(inner) = reader.fields(
                        node,
                        &fields.field_path(name),
                        &setting::children(&path),
                        &[],
                    )
                {
                    decode_group(reader, &inner, &path, settings);
                }
            }
        }
    }
}

/// One setting, checked by its kind.
fn decode_row(reader: &mut Reader, fields: &Fields, row: &'static Row, settings: &mut Settings) {
    let name = row.name();
    let read = match row.kind {
        Kind::Text => reader.opt_string(fields, name).map(|s| s.map(Owned::Text)),
        Kind::Cron => cron_schedule(reader, fields, name).map(|s| s.map(Owned::Text)),
        Kind::Int { min } => reader.opt_int(fields, name, min).map(|s| s.map(Owned::Int)),
        Kind::Bool => reader.opt_bool(fields, name).map(|s| s.map(Owned::Bool)),
        Kind::Number { .. } => reader
            .opt_positive_number(fields, name)
            .map(|s| s.map(Owned::Num)),
        Kind::List => reader
            .opt_string_list(fields, name, false)
            .map(|s| s.map(Owned::List)),
        Kind::OneCommand => one_command(reader, fields, name).map(|s| s.map(Owned::List)),
        Kind::Enum(names) => {
            let allowed: Vec<(&str, &str)> = names.iter().map(|n| (*n, *n)).collect();
            reader
                .opt_enum(fields, name, &allowed)
                .map(|s| s.map(|n| Owned::Text(n.to_string())))
        }
        Kind::Regions => regions(reader, fields, name).map(|s| s.map(Owned::Regions)),
        Kind::Credentials => credentials(reader, fields, name).map(|s| s.map(Owned::Credentials)),
    };
    if let Some(Spanned { value, at }) = read
        && (row.put)(&mut settings.values, value)
    {
        settings.at.insert(row.path, at);
    }
}

/// Replicas per region, `{<region>: n}` (R20): at least one region, each with at least one
/// replica (R13: 0 is how Railway removes a region, which the manifest says by leaving it out).
fn regions(reader: &mut Reader, fields: &Fields, name: &str) -> Option<Spanned<Regions>> {
    let node = fields.get(name)?;
    let path = fields.field_path(name);
    let hint = format!("write e.g. `{name}: {{us-west2: 2, europe-west4-drams3a: 1}}`");
    let entries = match &node.value {
        Value::Mapping(entries) if !entries.is_empty() => entries,
        _ => {
            reader.sink.error_with_hint(
                node.at,
                format!(
                    "`{path}` must be a mapping of region to replicas, found {}",
                    node.kind_name()
                ),
                hint,
            );
            return None;
        }
    };
    let mut regions = Regions::new();
    let mut readable = true;
    for (key, value) in entries {
        let at = format!("{path}.{}", key.name);
        match reader.integer(value, &at) {
            Some(n) if n.value >= 1 => {
                regions.insert(key.name.clone(), n.value);
            }
            Some(n) => {
                reader.sink.error_with_hint(
                    value.at,
                    format!("`{at}` must be positive, found {}", n.value),
                    "leave a region out to run no replica there",
                );
                readable = false;
            }
            None => readable = false,
        }
    }
    readable.then_some(Spanned {
        value: regions,
        at: node.at,
    })
}

/// `{username, password: {fromEnv: NAME}}`: the password only from the operator's
/// environment, never written in the manifest.
fn credentials(
    reader: &mut Reader,
    fields: &Fields,
    name: &str,
) -> Option<Spanned<RegistryCredentials>> {
    let node = fields.get(name)?;
    let path = fields.field_path(name);
    let inner = reader.fields(node, &path, &["username", "password"], &[])?;
    let username = reader.opt_string(&inner, "username");
    let password = match inner.get("password") {
        Some(password) => from_env_only(
            reader,
            password,
            &inner.field_path("password"),
            Credential::RegistryPassword,
        ),
        None => {
            reader.missing(&inner, "password");
            None
        }
    };
    if username.is_none() && inner.get("username").is_none() {
        reader.missing(&inner, "username");
    }
    Some(Spanned {
        value: RegistryCredentials {
            username: username?.value,
            password: password?,
        },
        at: node.at,
    })
}

/// R18: Railway refuses a `preDeployCommand` list of more than one command ("Error in
/// preDeployCommand - Invalid input"), so the manifest takes one command, as a string or a list
/// of one.
fn one_command(reader: &mut Reader, fields: &Fields, name: &str) -> Option<Spanned<Vec<String>>> {
    let commands = reader.opt_string_list(fields, name, true)?;
    if commands.value.len() > 1 {
        let joined = commands.value.join(" && ");
        reader.sink.error_with_hint(
            commands.at,
            format!(
                "`{}` lists {} commands; Railway runs exactly one",
                fields.field_path(name),
                commands.value.len()
            ),
            format!("join them with &&: `{name}: {joined}`"),
        );
        return None;
    }
    Some(commands)
}

/// A cron expression (croner syntax).
fn cron_schedule(reader: &mut Reader, fields: &Fields, name: &str) -> Option<Spanned<String>> {
    let cron = reader.opt_string(fields, name)?;
    let Some(problem) = cron_problem(&cron.value) else {
        return Some(cron);
    };
    // croner's message may quote parts of the pattern: only shown when nothing was expanded.
    let written_verbatim = fields
        .get(name)
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
            fields.field_path(name)
        ),
        CRON_HINT,
    );
    None
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

//! Manifest-wide domain rules. Railway custom domains and pinned `*.up.railway.app` subdomains are
//! global names: each may be written once in the whole manifest, and a base list holding one may
//! reach at most one environment. Generated domains without a subdomain may repeat freely.

use std::collections::BTreeMap;

use super::super::desired::DesiredDomain;
use super::super::diagnostics::{Position, Sink};
use super::super::spec::{ManifestSpec, Spanned};

/// A name Railway keeps globally unique.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum GlobalName {
    Custom(String),
    Subdomain(String),
}

impl GlobalName {
    fn of(domain: &DesiredDomain) -> Option<GlobalName> {
        match domain {
            DesiredDomain::Custom { domain, .. } => Some(GlobalName::Custom(domain.clone())),
            DesiredDomain::Railway {
                subdomain: Some(label),
                ..
            } => Some(GlobalName::Subdomain(label.clone())),
            DesiredDomain::Railway {
                subdomain: None, ..
            } => None,
        }
    }

    fn describe(&self) -> String {
        match self {
            GlobalName::Custom(host) => format!("custom domain `{host}`"),
            GlobalName::Subdomain(label) => format!("subdomain `{label}`"),
        }
    }
}

/// Where a global name was written.
struct Occurrence {
    name: GlobalName,
    at: Position,
    owner: String,
}

/// Reports repeated custom domains and pinned subdomains, and base lists that would attach one to
/// several environments.
pub fn check_domains(spec: &ManifestSpec, sink: &mut Sink) {
    let mut occurrences = Vec::new();
    for service in spec.services.iter().filter(|s| !s.external_declared) {
        let owner = format!("services.{}", service.name.value);
        collect(&service.base.domains, &owner, &mut occurrences);
        for (env, overlay) in &service.overrides {
            let owner = format!("{owner}.environments.{}", env.value);
            collect(&overlay.domains, &owner, &mut occurrences);
        }
        check_inherited(spec, service, sink);
    }
    occurrences.sort_by_key(|o| o.at);
    let mut first_seen: BTreeMap<&GlobalName, &Occurrence> = BTreeMap::new();
    for occurrence in &occurrences {
        match first_seen.get(&occurrence.name) {
            Some(first) => sink.error_with_hint(
                occurrence.at,
                format!(
                    "{} in {} is already listed at line {}:{} (in {})",
                    occurrence.name.describe(),
                    occurrence.owner,
                    first.at.line,
                    first.at.column,
                    first.owner
                ),
                "Railway domain names are global: list each one once, for one service in one environment",
            ),
            None => {
                first_seen.insert(&occurrence.name, occurrence);
            }
        }
    }
}

fn collect(
    domains: &Option<Spanned<Vec<Spanned<DesiredDomain>>>>,
    owner: &str,
    into: &mut Vec<Occurrence>,
) {
    let Some(list) = domains else { return };
    for domain in &list.value {
        if let Some(name) = GlobalName::of(&domain.value) {
            into.push(Occurrence {
                name,
                at: domain.at,
                owner: owner.to_string(),
            });
        }
    }
}

/// A base list reaches every declared environment that does not override `domains`.
fn check_inherited(
    spec: &ManifestSpec,
    service: &super::super::spec::ServiceSpec,
    sink: &mut Sink,
) {
    let Some(base) = &service.base.domains else {
        return;
    };
    let inheriting: Vec<&str> = spec
        .environments
        .iter()
        .filter(|env| {
            !service
                .overrides
                .iter()
                .any(|(name, overlay)| name.value == env.value && overlay.domains.is_some())
        })
        .map(|env| env.value.as_str())
        .collect();
    if inheriting.len() < 2 {
        return;
    }
    for domain in &base.value {
        if let Some(name) = GlobalName::of(&domain.value) {
            sink.error_with_hint(
                domain.at,
                format!(
                    "{} in services.{}.domains would be attached in several environments ({})",
                    name.describe(),
                    service.name.value,
                    inheriting.join(", ")
                ),
                "a Railway domain name belongs to one environment: override `domains` in the other environments",
            );
        }
    }
}

//! Domains and TCP proxies of one service instance: matching desired entries to live ones,
//! port changes, creations, owned leftovers (pruned or pending) and foreign ones (left alone),
//! and the DNS work still pending. Pure.

use serde::Serialize;

use crate::inventory::Inventory;
use crate::manifest::desired::DesiredDomain;
use crate::railway::live::{LiveCustomDomain, LiveInstance, LiveServiceDomain};

/// Generated domains live under this suffix.
pub const RAILWAY_SUFFIX: &str = "up.railway.app";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DomainKind {
    Railway,
    Custom,
    TcpProxy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DomainOp {
    Add,
    Update,
    Delete,
}

/// One domain or TCP proxy to create, re-port or delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainChange {
    pub op: DomainOp,
    pub kind: DomainKind,
    /// The hostname (custom, pinned or existing generated), `""` for a generated domain still to be
    /// named by Railway, or the application port for a TCP proxy.
    pub name: String,
    /// The live object, for updates and deletes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_port: Option<i64>,
    /// A pinned first label for a generated domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<String>,
}

#[derive(Debug, Default)]
pub struct DomainDiff {
    pub changes: Vec<DomainChange>,
    /// Live names matched to the manifest, or kept because prune is off: recorded as owned.
    pub owned_names: Vec<String>,
    pub owned_ports: Vec<i64>,
    pub unmanaged: Vec<String>,
    pub pending_prune: Vec<String>,
    /// Custom domains still waiting for DNS or a certificate, as readable lines.
    pub pending_dns: Vec<String>,
    /// R30: pinned names a rename did not give, with the name the domain kept, as readable lines.
    pub renames_not_taken: Vec<String>,
    /// R30: (pinned name, generated name) of renames that did not take, kept in the inventory.
    pub pins: Vec<(String, String)>,
}

fn change(op: DomainOp, kind: DomainKind, name: &str) -> DomainChange {
    DomainChange {
        op,
        kind,
        name: name.to_string(),
        id: None,
        port: None,
        before_port: None,
        subdomain: None,
    }
}

/// `tcp`: the TCP proxy ports wanted, and those that must not exist whoever made them (a
/// database's `public: false`).
pub fn diff_domains(
    desired: &[DesiredDomain],
    tcp: (&[i64], &[i64]),
    live: Option<&LiveInstance>,
    service: &str,
    owned: Option<&Inventory>,
    prune: bool,
) -> DomainDiff {
    let (desired_tcp, closed_tcp) = tcp;
    let mut diff = DomainDiff::default();
    let (service_domains, custom_domains, live_ports) = match live {
        Some(l) => (
            l.service_domains.as_slice(),
            l.custom_domains.as_slice(),
            l.tcp_proxies.as_slice(),
        ),
        None => (&[][..], &[][..], &[][..]),
    };
    let mut claimed = vec![false; service_domains.len()];

    // Pinned generated domains first, so unpinned ones never take their names.
    for wanted in desired {
        if let DesiredDomain::Railway {
            port,
            subdomain: Some(label),
        } = wanted
        {
            let pin = Pin {
                label,
                port: *port,
                service,
                owned,
            };
            pinned_domain(&mut diff, &mut claimed, service_domains, &pin);
        }
    }
    for wanted in desired {
        match wanted {
            DesiredDomain::Railway {
                port,
                subdomain: None,
            } => unpinned_domain(&mut diff, &mut claimed, service_domains, *port),
            DesiredDomain::Custom { domain, port } => {
                custom_domain(&mut diff, custom_domains, domain, *port)
            }
            DesiredDomain::Railway { .. } => {}
        }
    }

    let leftovers = service_domains
        .iter()
        .enumerate()
        .filter(|(i, _)| !claimed[*i])
        .map(|(_, d)| (d.domain.clone(), d.id.clone(), DomainKind::Railway))
        .chain(
            custom_domains
                .iter()
                .filter(|d| !desired.iter().any(|w| matches!(w, DesiredDomain::Custom { domain, .. } if domain == &d.domain)))
                .map(|d| (d.domain.clone(), d.id.clone(), DomainKind::Custom)),
        );
    let owns = |name: &str| owned.is_some_and(|inv| inv.owns_domain(service, name));
    for (name, id, kind) in leftovers {
        leftover_domain(&mut diff, owns(&name), prune, (name, id, kind));
    }

    let owns_port = |port: i64| owned.is_some_and(|inv| inv.owns_tcp_proxy(service, port));
    diff_tcp_proxies(&mut diff, desired_tcp, live_ports, owns_port, prune);
    close_tcp_proxies(&mut diff, live_ports, closed_tcp);
    diff
}

/// Live proxies on `closed` ports are deleted whoever made them (a database's `public: false`).
fn close_tcp_proxies(diff: &mut DomainDiff, live_ports: &[i64], closed: &[i64]) {
    for port in live_ports.iter().filter(|p| closed.contains(p)) {
        let label = format!("tcp proxy :{port}");
        diff.unmanaged.retain(|u| u != &label);
        diff.pending_prune.retain(|u| u != &label);
        diff.owned_ports.retain(|p| p != port);
        let planned = diff
            .changes
            .iter()
            .any(|c| c.kind == DomainKind::TcpProxy && c.port == Some(*port));
        if !planned {
            let mut c = change(DomainOp::Delete, DomainKind::TcpProxy, &port.to_string());
            c.port = Some(*port);
            diff.changes.push(c);
        }
    }
}

/// An unpinned generated domain takes a live one not claimed yet, on its port if one is,
/// else any; only when none is left is a new one created.
fn unpinned_domain(
    diff: &mut DomainDiff,
    claimed: &mut [bool],
    service_domains: &[LiveServiceDomain],
    port: Option<i64>,
) {
    let same_port = (0..service_domains.len())
        .find(|&i| !claimed[i] && (port.is_none() || service_domains[i].target_port == port));
    let any = (0..service_domains.len()).find(|&i| !claimed[i]);
    match same_port.or(any) {
        Some(i) => {
            claimed[i] = true;
            let existing = &service_domains[i];
            diff.owned_names.push(existing.domain.clone());
            if port.is_some() && existing.target_port != port {
                let mut c = change(DomainOp::Update, DomainKind::Railway, &existing.domain);
                c.id = Some(existing.id.clone());
                c.port = port;
                c.before_port = existing.target_port;
                diff.changes.push(c);
            }
        }
        None => {
            let mut c = change(DomainOp::Add, DomainKind::Railway, "");
            c.port = port;
            diff.changes.push(c);
        }
    }
}

/// A custom domain matches a live one by name; either way its DNS work may still be pending.
fn custom_domain(
    diff: &mut DomainDiff,
    custom_domains: &[LiveCustomDomain],
    domain: &str,
    port: Option<i64>,
) {
    diff.owned_names.push(domain.to_string());
    match custom_domains.iter().find(|d| d.domain == domain) {
        Some(existing) => {
            if port.is_some() && existing.target_port != port {
                let mut c = change(DomainOp::Update, DomainKind::Custom, domain);
                c.id = Some(existing.id.clone());
                c.port = port;
                c.before_port = existing.target_port;
                diff.changes.push(c);
            }
            if !existing.is_active() {
                diff.pending_dns.push(dns_work(existing));
            }
        }
        None => {
            let mut c = change(DomainOp::Add, DomainKind::Custom, domain);
            c.port = port;
            diff.changes.push(c);
            diff.pending_dns.push(format!(
                "{domain}: once created, point a CNAME (or A) record at the target Railway gives and add its TXT verification record (apply prints both)"
            ));
        }
    }
}

/// A live domain the manifest no longer names: deleted (or pending prune) when we own it,
/// left alone and reported when someone else does.
fn leftover_domain(
    diff: &mut DomainDiff,
    owned: bool,
    prune: bool,
    (name, id, kind): (String, String, DomainKind),
) {
    if !owned {
        diff.unmanaged.push(name);
    } else if prune {
        let mut c = change(DomainOp::Delete, kind, &name);
        c.id = Some(id);
        diff.changes.push(c);
    } else {
        diff.pending_prune.push(name.clone());
        diff.owned_names.push(name);
    }
}

/// TCP proxies by port: missing ones created, owned leftovers deleted (or pending prune),
/// foreign ones left alone.
fn diff_tcp_proxies(
    diff: &mut DomainDiff,
    desired_tcp: &[i64],
    live_ports: &[i64],
    owns_port: impl Fn(i64) -> bool,
    prune: bool,
) {
    for port in desired_tcp {
        diff.owned_ports.push(*port);
        if !live_ports.contains(port) {
            let mut c = change(DomainOp::Add, DomainKind::TcpProxy, &port.to_string());
            c.port = Some(*port);
            diff.changes.push(c);
        }
    }
    for port in live_ports.iter().filter(|p| !desired_tcp.contains(p)) {
        if !owns_port(*port) {
            diff.unmanaged.push(format!("tcp proxy :{port}"));
        } else if prune {
            let mut c = change(DomainOp::Delete, DomainKind::TcpProxy, &port.to_string());
            c.port = Some(*port);
            diff.changes.push(c);
        } else {
            diff.pending_prune.push(format!("tcp proxy :{port}"));
            diff.owned_ports.push(*port);
        }
    }
}

/// A pinned generated domain of the manifest.
struct Pin<'a> {
    label: &'a str,
    port: Option<i64>,
    service: &'a str,
    owned: Option<&'a Inventory>,
}

/// Matches one pinned generated domain by name, or creates it. When a rename to it did not take
/// (R30: the host stayed, or `newDomainName` shows it pending), the renamed domain stands in for
/// it and is reported; the rename is never planned again.
fn pinned_domain(
    diff: &mut DomainDiff,
    claimed: &mut [bool],
    live: &[LiveServiceDomain],
    pin: &Pin<'_>,
) {
    let name = format!("{}.{RAILWAY_SUFFIX}", pin.label);
    let matched = live.iter().position(|d| d.domain == name);
    let renamed = || {
        let asked = pin
            .owned
            .and_then(|inv| inv.pinned_from(pin.service, &name));
        (0..live.len()).find(|&i| {
            !claimed[i]
                && (live[i].new_domain_name.as_deref() == Some(name.as_str())
                    || asked == Some(live[i].domain.as_str()))
        })
    };
    let Some(i) = matched.or_else(renamed) else {
        let mut c = change(DomainOp::Add, DomainKind::Railway, &name);
        c.port = pin.port;
        c.subdomain = Some(pin.label.to_string());
        diff.changes.push(c);
        diff.owned_names.push(name);
        return;
    };
    claimed[i] = true;
    let existing = &live[i];
    diff.owned_names.push(existing.domain.clone());
    if let (Some(_), Some(asked)) = (
        matched,
        pin.owned
            .and_then(|inv| inv.pinned_from(pin.service, &name)),
    ) {
        // The rename took; keeping the record spares an inventory write.
        diff.pins.push((name.clone(), asked.to_string()));
    }
    if matched.is_none() {
        let pending = existing.new_domain_name.as_deref() == Some(name.as_str());
        diff.renames_not_taken.push(format!(
            "{name} (still {}{})",
            existing.domain,
            if pending {
                "; Railway shows the rename as pending"
            } else {
                ""
            }
        ));
        diff.pins.push((name, existing.domain.clone()));
    }
    if pin.port.is_some() && existing.target_port != pin.port {
        // Keeps the live name: only the port changes, no rename is sent.
        let mut c = change(DomainOp::Update, DomainKind::Railway, &existing.domain);
        c.id = Some(existing.id.clone());
        c.port = pin.port;
        c.before_port = existing.target_port;
        diff.changes.push(c);
    }
}

/// A custom domain's state in a few words: `active`, `issuing certificate`, or
/// `pending DNS: <the records to create>`.
pub fn custom_domain_state(domain: &LiveCustomDomain) -> String {
    if domain.is_active() {
        "active".into()
    } else if domain.verified {
        "issuing certificate".into()
    } else {
        format!("pending DNS: {}", dns_work(domain))
    }
}

/// The records a custom domain still needs, and its certificate state, in one readable line.
pub fn dns_work(domain: &LiveCustomDomain) -> String {
    let mut parts: Vec<String> = domain
        .dns_records
        .iter()
        .map(|r| {
            format!(
                "{} {} -> {} ({})",
                short(&r.record_type, "DNS_RECORD_TYPE_"),
                r.fqdn,
                r.required_value,
                short(&r.status, "DNS_RECORD_STATUS_")
                    .to_lowercase()
                    .replace('_', " ")
            )
        })
        .collect();
    if let (Some(host), Some(token)) = (&domain.verification_dns_host, &domain.verification_token) {
        let state = if domain.verified {
            "propagated"
        } else {
            "requires update"
        };
        parts.push(format!("TXT {host} -> {token} ({state})"));
    }
    parts.push(format!(
        "certificate {}",
        short(&domain.certificate_status, "CERTIFICATE_STATUS_TYPE_")
            .to_lowercase()
            .replace('_', " ")
    ));
    format!("{}: {}", domain.domain, parts.join("; "))
}

/// The records a just-created custom domain needs, as `customDomainCreate` answered them (R29):
/// the routing record(s), picked by purpose since the list is unordered, and the TXT
/// verification record. Both are required; without the TXT the domain serves 404.
pub fn new_domain_dns(domain: &LiveCustomDomain) -> String {
    let mut parts: Vec<String> = domain
        .dns_records
        .iter()
        .filter(|r| r.purpose == ROUTING_PURPOSE)
        .map(|r| {
            format!(
                "{} {} -> {}",
                short(&r.record_type, "DNS_RECORD_TYPE_"),
                r.fqdn,
                r.required_value
            )
        })
        .collect();
    if let (Some(host), Some(token)) = (&domain.verification_dns_host, &domain.verification_token) {
        parts.push(format!("TXT {host} -> {token}"));
    }
    if parts.is_empty() {
        parts.push(
            "Railway's answer held no records; `plan` shows them once Railway lists them".into(),
        );
    }
    format!("{}: {}", domain.domain, parts.join("; "))
}

/// `DNSRecordPurpose` of the record that routes traffic (CNAME or A) (R29).
const ROUTING_PURPOSE: &str = "DNS_RECORD_PURPOSE_TRAFFIC_ROUTE";

fn short<'a>(value: &'a str, prefix: &str) -> &'a str {
    value.strip_prefix(prefix).unwrap_or(value)
}

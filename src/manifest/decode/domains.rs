//! Decodes a service's (or an override's) `domains` and `tcpProxies` lists: item shapes, ports,
//! hostnames and subdomains (lowercased), ports repeated within one `tcpProxies` list. Duplicates
//! across services and environments are checked in `resolve`, which sees the whole manifest.

use super::super::desired::DesiredDomain;
use super::super::spec::Spanned;
use super::super::yaml_tree::{Node, Value};
use super::hostname::{check_hostname, check_subdomain};
use super::reader::{Fields, Reader};

const DOMAIN_KINDS: &[&str] = &["railway", "custom"];
const DOMAIN_FORMS_HINT: &str = "write `- railway: { port: 8000 }` for a generated domain or `- custom: api.example.com` for your own";

/// A decoded list: the valid items (problems with the others are already reported).
pub type SpannedList<T> = Option<Spanned<Vec<Spanned<T>>>>;

/// Reads `owner.domains`.
pub fn decode_domains(reader: &mut Reader, owner: &Fields) -> SpannedList<DesiredDomain> {
    let node = owner.get("domains")?;
    let path = owner.field_path("domains");
    let items = list_items(reader, node, &path)?;
    let domains = items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| decode_domain(reader, item, &format!("{path}[{index}]")))
        .collect();
    Some(Spanned {
        value: domains,
        at: node.at,
    })
}

/// Reads `owner.tcpProxies`: application ports, each at most once.
pub fn decode_tcp_proxies(reader: &mut Reader, owner: &Fields) -> SpannedList<i64> {
    let node = owner.get("tcpProxies")?;
    let path = owner.field_path("tcpProxies");
    let items = list_items(reader, node, &path)?;
    let mut ports: Vec<Spanned<i64>> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{index}]");
        let Some(port) = reader.port(item, &item_path) else {
            continue;
        };
        if let Some(first) = ports.iter().find(|p| p.value == port.value) {
            reader.sink.error_with_hint(
                port.at,
                format!(
                    "`{item_path}` repeats port {} (first listed at line {}:{})",
                    port.value, first.at.line, first.at.column
                ),
                "a port gets one TCP proxy: remove the repeat",
            );
            continue;
        }
        ports.push(port);
    }
    Some(Spanned {
        value: ports,
        at: node.at,
    })
}

pub(super) fn list_items<'n>(
    reader: &mut Reader,
    node: &'n Node,
    path: &str,
) -> Option<&'n [Node]> {
    match &node.value {
        Value::Sequence(items) => Some(items),
        _ => {
            reader.sink.error(
                node.at,
                format!("expected a list for `{path}`, found {}", node.kind_name()),
            );
            None
        }
    }
}

fn decode_domain(reader: &mut Reader, item: &Node, path: &str) -> Option<Spanned<DesiredDomain>> {
    let written = match &item.value {
        Value::Mapping(entries) => entries.len(),
        _ if item.is_null() => 0,
        _ => {
            reader.sink.error_with_hint(
                item.at,
                format!("expected a mapping in {path}, found {}", item.kind_name()),
                DOMAIN_FORMS_HINT,
            );
            return None;
        }
    };
    let fields = reader.fields(item, path, DOMAIN_KINDS, &[])?;
    let railway = fields.key("railway").is_some();
    let custom = fields.key("custom").is_some();
    // Unknown keys alone were already reported with a "did you mean".
    if (railway && custom) || written == 0 {
        reader.sink.error_with_hint(
            item.at,
            format!("`{path}` must have exactly one of `railway` or `custom`"),
            DOMAIN_FORMS_HINT,
        );
        return None;
    }
    if railway {
        decode_railway(reader, &fields, item)
    } else if custom {
        decode_custom(reader, &fields)
    } else {
        None
    }
}

fn decode_railway(
    reader: &mut Reader,
    item: &Fields,
    item_node: &Node,
) -> Option<Spanned<DesiredDomain>> {
    let path = item.field_path("railway");
    let Some(node) = item.get("railway") else {
        return Some(Spanned {
            value: DesiredDomain::Railway {
                port: None,
                subdomain: None,
            },
            at: item_node.at,
        });
    };
    let railway = reader.fields(node, &path, &["port", "subdomain"], &[])?;
    let port = match railway.get("port") {
        Some(port_node) => Some(reader.port(port_node, &railway.field_path("port"))?.value),
        None => None,
    };
    let mut at = node.at;
    let subdomain = match railway.get("subdomain") {
        None => None,
        Some(sub_node) => {
            let sub_path = railway.field_path("subdomain");
            let written = reader.string(sub_node, &sub_path)?;
            let label = written.value.to_ascii_lowercase();
            if let Err(rejection) = check_subdomain(&label) {
                reader.sink.error_with_hint(
                    written.at,
                    format!("`{sub_path}` {}", rejection.problem),
                    rejection.hint,
                );
                return None;
            }
            at = written.at;
            Some(label)
        }
    };
    Some(Spanned {
        value: DesiredDomain::Railway { port, subdomain },
        at,
    })
}

fn decode_custom(reader: &mut Reader, item: &Fields) -> Option<Spanned<DesiredDomain>> {
    let path = item.field_path("custom");
    let Some(node) = item.get("custom") else {
        reader.sink.error_with_hint(
            item.at,
            format!("`{path}` has no hostname"),
            "write `custom: api.example.com` or `custom: { domain: api.example.com, port: 8000 }`",
        );
        return None;
    };
    let (host_node, host_path, port) = match &node.value {
        Value::Mapping(_) => {
            let custom = reader.fields(node, &path, &["domain", "port"], &[])?;
            let port = match custom.get("port") {
                Some(port_node) => Some(reader.port(port_node, &custom.field_path("port"))?.value),
                None => None,
            };
            let Some(host_node) = custom.get("domain") else {
                reader.missing(&custom, "domain");
                return None;
            };
            (host_node, custom.field_path("domain"), port)
        }
        Value::Scalar { .. } => (node, path, None),
        Value::Sequence(_) => {
            reader.sink.error(
                node.at,
                format!("expected a hostname or a mapping for `{path}`, found a list"),
            );
            return None;
        }
    };
    let written = reader.string(host_node, &host_path)?;
    let domain = written.value.to_ascii_lowercase();
    if let Err(rejection) = check_hostname(&domain) {
        reader.sink.error_with_hint(
            written.at,
            format!("`{host_path}` {}", rejection.problem),
            rejection.hint,
        );
        return None;
    }
    Some(Spanned {
        value: DesiredDomain::Custom { domain, port },
        at: written.at,
    })
}

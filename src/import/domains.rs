//! A live instance's public networking as manifest entries: generated domains pinned to their
//! live first label, custom domains, TCP proxy ports. Pure.

use serde_yaml::{Mapping, Value};

use super::settings::Entry;
use super::split::MergeRule;
use super::yaml::literal;
use crate::railway::live::LiveInstance;

/// `domains` and `tcpProxies`, each a list that an override replaces whole; `written_elsewhere`
/// is a TCP proxy port the manifest writes another way (a database's `public:`).
pub fn entries(instance: &LiveInstance, written_elsewhere: Option<i64>) -> Vec<Entry> {
    let mut domains: Vec<Value> = instance
        .service_domains
        .iter()
        .map(|domain| {
            let mut fields = Mapping::new();
            if let Some(port) = domain.target_port {
                fields.insert("port".into(), Value::from(port));
            }
            let label = domain.domain.split('.').next().unwrap_or(&domain.domain);
            fields.insert("subdomain".into(), literal(label));
            single("railway", Value::Mapping(fields))
        })
        .collect();
    domains.extend(instance.custom_domains.iter().map(|domain| {
        let mut fields = Mapping::new();
        fields.insert("domain".into(), literal(&domain.domain));
        if let Some(port) = domain.target_port {
            fields.insert("port".into(), Value::from(port));
        }
        single("custom", Value::Mapping(fields))
    }));
    let mut ports = instance.tcp_proxies.clone();
    ports.retain(|port| Some(*port) != written_elsewhere);
    ports.sort_unstable();
    ports.dedup();
    vec![
        Entry {
            path: "domains",
            value: Some(Value::Sequence(domains)),
            default: Some(Value::Sequence(Vec::new())),
            rule: MergeRule::Replace,
        },
        Entry {
            path: "tcpProxies",
            value: Some(Value::Sequence(
                ports.into_iter().map(Value::from).collect(),
            )),
            default: Some(Value::Sequence(Vec::new())),
            rule: MergeRule::Replace,
        },
    ]
}

fn single(key: &str, value: Value) -> Value {
    let mut entry = Mapping::new();
    entry.insert(key.into(), value);
    Value::Mapping(entry)
}

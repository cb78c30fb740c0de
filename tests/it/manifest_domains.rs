//! Domains and TCP proxies in the manifest: per-environment lists, lowercasing, absence, and the
//! manifest-wide uniqueness of custom hostnames and pinned subdomains.

use std::path::Path;

use railway_operator::manifest::desired::DesiredDomain;
use railway_operator::manifest::{Desired, LoadError, load_file};

use crate::support::services_manifest::{instance, load};

fn messages(result: Result<Desired, LoadError>) -> Vec<String> {
    match result {
        Err(LoadError::Invalid(diagnostics)) => diagnostics
            .0
            .iter()
            .map(|d| format!("{}:{} {}", d.line, d.column, d.message))
            .collect(),
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("the manifest loaded"),
    }
}

fn generated(port: Option<i64>) -> DesiredDomain {
    DesiredDomain::Railway {
        port,
        subdomain: None,
    }
}

fn custom(domain: &str, port: Option<i64>) -> DesiredDomain {
    DesiredDomain::Custom {
        domain: domain.to_string(),
        port,
    }
}

#[test]
fn every_domain_form_is_resolved() {
    let desired = load(
        r#"
    api:
      source: { image: "nginx:1" }
      domains:
        - railway: { port: 8000 }
        - railway: { port: 8000, subdomain: demo-api }
        - railway: {}
        - custom: example.com
        - custom: { domain: api.example.com, port: 8000 }
      environments:
        staging: { domains: [] }
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        instance(&desired, "api", "production").domains,
        [
            generated(Some(8000)),
            DesiredDomain::Railway {
                port: Some(8000),
                subdomain: Some("demo-api".to_string())
            },
            generated(None),
            custom("example.com", None),
            custom("api.example.com", Some(8000)),
        ]
    );
}

#[test]
fn an_override_replaces_the_base_lists() {
    let desired = load(
        r#"
    api:
      source: { image: "nginx:1" }
      domains:
        - railway: { port: 8000 }
        - custom: example.com
      tcpProxies: [5432, 6379]
      environments:
        staging:
          domains:
            - railway: { port: 9000 }
          tcpProxies: [7000]
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let production = instance(&desired, "api", "production");
    assert_eq!(
        production.domains,
        [generated(Some(8000)), custom("example.com", None)]
    );
    assert_eq!(production.tcp_proxies, [5432, 6379]);
    let staging = instance(&desired, "api", "staging");
    assert_eq!(staging.domains, [generated(Some(9000))]);
    assert_eq!(staging.tcp_proxies, [7000]);
}

#[test]
fn an_override_without_domains_inherits_the_base_lists() {
    let desired = load(
        r#"
    api:
      source: { image: "nginx:1" }
      domains: [ { railway: { port: 8000 } } ]
      tcpProxies: [5432]
      environments:
        staging: { variables: { A: b } }
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for env in ["production", "staging"] {
        let settings = instance(&desired, "api", env);
        assert_eq!(settings.domains, [generated(Some(8000))], "{env}");
        assert_eq!(settings.tcp_proxies, [5432], "{env}");
    }
}

#[test]
fn hostnames_and_subdomains_are_lowercased() {
    let desired = load(
        r#"
    api:
      source: { image: "nginx:1" }
      domains:
        - custom: API.Example.COM
        - railway: { subdomain: Demo-API }
      environments:
        staging: { domains: [] }
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        instance(&desired, "api", "production").domains,
        [
            custom("api.example.com", None),
            DesiredDomain::Railway {
                port: None,
                subdomain: Some("demo-api".to_string())
            },
        ]
    );
}

#[test]
fn absent_lists_are_empty() {
    let desired =
        load("    api:\n      source: { image: \"nginx:1\" }\n").unwrap_or_else(|e| panic!("{e}"));
    for env in ["production", "staging"] {
        let settings = instance(&desired, "api", env);
        assert!(settings.domains.is_empty());
        assert!(settings.tcp_proxies.is_empty());
    }
}

#[test]
fn the_same_custom_domain_in_two_services_is_rejected_at_the_second() {
    let found = messages(load(
        r#"
    api:
      source: { image: "nginx:1" }
      environments:
        production: { domains: [ { custom: example.com } ] }
    web:
      source: { image: "nginx:1" }
      environments:
        production: { domains: [ { custom: Example.com } ] }
"#,
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("15:") && found[0].contains("already listed at line 11:"),
        "{found:?}"
    );
}

#[test]
fn the_same_custom_domain_in_two_environments_is_rejected() {
    let found = messages(load(
        r#"
    api:
      source: { image: "nginx:1" }
      environments:
        production: { domains: [ { custom: example.com } ] }
        staging: { domains: [ { custom: example.com } ] }
"#,
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(
            "custom domain `example.com` in services.api.environments.staging is already listed"
        ),
        "{found:?}"
    );
}

#[test]
fn a_base_custom_domain_reaching_two_environments_is_rejected() {
    let found = messages(load(
        r#"
    api:
      source: { image: "nginx:1" }
      domains: [ { custom: example.com } ]
"#,
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("several environments (production, staging)"),
        "{found:?}"
    );
}

#[test]
fn the_same_pinned_subdomain_twice_is_rejected() {
    let found = messages(load(
        r#"
    api:
      source: { image: "nginx:1" }
      environments:
        production: { domains: [ { railway: { subdomain: demo } } ] }
    web:
      source: { image: "nginx:1" }
      environments:
        staging: { domains: [ { railway: { port: 80, subdomain: demo } } ] }
"#,
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("subdomain `demo`"), "{found:?}");
}

#[test]
fn the_same_generated_domain_twice_in_one_service_is_allowed() {
    let desired = load(
        r#"
    api:
      source: { image: "nginx:1" }
      domains:
        - railway: { port: 8000 }
        - railway: { port: 8000 }
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        instance(&desired, "api", "staging").domains,
        [generated(Some(8000)), generated(Some(8000))]
    );
}

#[test]
fn repeated_tcp_proxy_ports_are_rejected() {
    let found = messages(load(
        "    api:\n      source: { image: \"nginx:1\" }\n      tcpProxies: [5432, 5432]\n",
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("repeats port 5432"), "{found:?}");
}

#[test]
fn the_blackroad_backend_has_its_custom_domain_in_production_only() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/blackroad.yml");
    let desired = load_file(&path, &|_| None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        instance(&desired, "blackroad-backend", "production").domains,
        [generated(Some(8000)), custom("blackroad.systems", None)]
    );
    assert_eq!(
        instance(&desired, "blackroad-backend", "staging").domains,
        [generated(Some(8000))]
    );
    assert!(
        instance(&desired, "postgres", "production")
            .domains
            .is_empty()
    );
}

#[test]
fn the_domains_example_loads_with_an_empty_environment() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/examples/domains.yml");
    let desired = load_file(&path, &|_| None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        instance(&desired, "database", "production").tcp_proxies,
        [5432]
    );
    assert!(
        instance(&desired, "database", "staging")
            .tcp_proxies
            .is_empty()
    );
    assert!(
        instance(&desired, "api", "production")
            .domains
            .contains(&custom("api.example.com", Some(8000)))
    );
}

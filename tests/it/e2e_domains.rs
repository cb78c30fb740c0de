//! Domains and TCP proxies end to end: every form applies and re-plans clean, custom domains show
//! their DNS work until verified, ports change in place, foreign domains are never touched, and
//! flaky creates never duplicate.

use crate::support;
use crate::support::controller;

use std::fs;
use std::path::Path;
use std::time::Duration;

use railway_operator::sandbox::SandboxConfig;
use serde_json::{Value, json};
use support::*;

fn manifest(custom_port: u32, prune: bool) -> String {
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: doms }}\nspec:\n  policy: {{ prune: {prune} }}\n  environments: {{ production: {{}} }}\n  services:\n    web:\n      source: {{ image: \"web:1\" }}\n      domains:\n        - railway: {{ port: 8000 }}\n        - railway: {{ port: 8000, subdomain: doms-web-pinned }}\n        - custom: shop.example.com\n        - custom: {{ domain: api.example.com, port: {custom_port} }}\n      tcpProxies: [5432]\n"
    )
}

async fn write_and(
    sandbox: &railway_operator::sandbox::Sandbox,
    dir: &Path,
    text: &str,
    args: &[&str],
) -> (i32, String, String) {
    let file = dir.join("doms.yml");
    fs::write(&file, text).expect("write");
    let file = file.to_string_lossy().to_string();
    let mut full = args.to_vec();
    full.extend(["-f", file.as_str()]);
    cli(sandbox, &full).await
}

/// The `web` instance's domains as Railway lists them (deleted ones left out).
async fn domains(sandbox: &railway_operator::sandbox::Sandbox) -> (Vec<Value>, Vec<Value>) {
    let data = all_projects(sandbox, "environments { edges { node { serviceInstances { edges { node { serviceName domains { serviceDomains { id domain targetPort deletedAt } customDomains { id domain targetPort deletedAt } } } } } } } }")
    .await;
    let instance = data["data"]["projects"]["edges"][0]["node"]["environments"]["edges"][0]["node"]
        ["serviceInstances"]["edges"]
        .as_array()
        .and_then(|e| e.iter().find(|e| e["node"]["serviceName"] == "web"))
        .map(|e| e["node"]["domains"].clone())
        .unwrap_or(Value::Null);
    let live = |key: &str| -> Vec<Value> {
        instance[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|d| d["deletedAt"].is_null())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    (live("serviceDomains"), live("customDomains"))
}

#[tokio::test]
async fn every_domain_form_applies_and_then_plans_clean() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = write_and(&sandbox, dir.path(), &manifest(8000, false), &["plan"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("+ domain shop.example.com -> (service port)"),
        "{out}"
    );
    assert!(
        out.contains("+ domain (generated *.up.railway.app) -> :8000"),
        "{out}"
    );
    assert!(
        out.contains("+ domain doms-web-pinned.up.railway.app -> :8000"),
        "{out}"
    );
    assert!(out.contains("+ tcp proxy :5432"), "{out}");
    let (code, out, err) =
        write_and(&sandbox, dir.path(), &manifest(8000, false), &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("DNS to create: shop.example.com: CNAME"),
        "apply prints the records:\n{out}"
    );
    assert!(
        out.contains("TXT _railway-verify.shop.example.com"),
        "{out}"
    );
    let (generated, custom) = domains(&sandbox).await;
    assert_eq!(generated.len(), 2, "{generated:?}");
    assert!(
        generated
            .iter()
            .any(|d| d["domain"] == "doms-web-pinned.up.railway.app"),
        "{generated:?}"
    );
    assert_eq!(custom.len(), 2, "{custom:?}");
    let (code, out, _) = write_and(
        &sandbox,
        dir.path(),
        &manifest(8000, false),
        &["plan", "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 0, "{out}");
}

#[tokio::test]
async fn a_custom_domain_lists_its_dns_work_until_verified() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(
        write_and(&sandbox, dir.path(), &manifest(8000, false), &["apply"])
            .await
            .0,
        0
    );
    let (_, out, _) = write_and(&sandbox, dir.path(), &manifest(8000, false), &["plan"]).await;
    assert!(out.contains("pending DNS work"), "{out}");
    assert!(
        out.contains("shop.example.com: CNAME shop.example.com ->"),
        "{out}"
    );
    assert!(out.contains("requires update"), "{out}");
    for host in ["shop.example.com", "api.example.com"] {
        let answer = reqwest::Client::new()
            .post(format!("{}/_sandbox/domains/verify", sandbox.base_url()))
            .body(host)
            .send()
            .await
            .expect("verify");
        assert!(answer.status().is_success(), "{}", answer.status());
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (code, out, _) = write_and(
        &sandbox,
        dir.path(),
        &manifest(8000, false),
        &["plan", "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains("pending DNS work"),
        "verified and issued: nothing left to do\n{out}"
    );
}

fn one_custom_domain(port: Option<u32>) -> String {
    let domains = match port {
        Some(port) => format!(
            "      domains: [ {{ custom: {{ domain: shop.example.com, port: {port} }} }} ]\n"
        ),
        None => String::new(),
    };
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: doms }}\nspec:\n  environments: {{ production: {{}} }}\n  services:\n    web:\n      source: {{ image: \"web:1\" }}\n{domains}"
    )
}

/// Requests an apply of `text` sends, by operation.
async fn apply_counting(
    sandbox: &railway_operator::sandbox::Sandbox,
    dir: &Path,
    text: &str,
) -> (String, Value) {
    reset_stats(sandbox).await;
    let (code, out, err) = write_and(sandbox, dir, text, &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    (out, stats(sandbox).await)
}

#[tokio::test]
async fn a_new_custom_domain_prints_the_records_of_the_create_answer_without_reading_again() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    apply_counting(&sandbox, dir.path(), &one_custom_domain(None)).await;
    let (out, created) = apply_counting(&sandbox, dir.path(), &one_custom_domain(Some(8000))).await;
    assert!(
        out.contains("DNS to create: shop.example.com: CNAME shop.example.com -> "),
        "the routing record, picked by purpose (R29):\n{out}"
    );
    assert!(
        out.contains("; TXT _railway-verify.shop.example.com -> "),
        "and the TXT verification record:\n{out}"
    );
    assert_eq!(count(&created, "CustomDomainCreate"), 1, "{created}");
    // A port change reads exactly what the pass needs; the create must read no more (R29).
    let (_, updated) = apply_counting(&sandbox, dir.path(), &one_custom_domain(Some(9000))).await;
    assert_eq!(count(&updated, "CustomDomainUpdate"), 1, "{updated}");
    assert_eq!(
        count(&created, "ProjectSnapshot"),
        count(&updated, "ProjectSnapshot"),
        "no re-read after customDomainCreate:\ncreate: {created}\nupdate: {updated}"
    );
}

#[tokio::test]
async fn changing_a_custom_domain_port_updates_it_in_place() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(
        write_and(&sandbox, dir.path(), &manifest(8000, false), &["apply"])
            .await
            .0,
        0
    );
    let (code, out, _) = write_and(
        &sandbox,
        dir.path(),
        &manifest(9000, false),
        &["plan", "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 2);
    assert!(
        out.contains("~ domain api.example.com: port :8000 -> :9000"),
        "{out}"
    );
    reset_stats(&sandbox).await;
    let (code, out, err) =
        write_and(&sandbox, dir.path(), &manifest(9000, false), &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let stats = stats(&sandbox).await;
    assert_eq!(count(&stats, "CustomDomainUpdate"), 1, "{stats}");
    assert_eq!(count(&stats, "CustomDomainDelete"), 0, "{stats}");
    assert_eq!(count(&stats, "CustomDomainCreate"), 0, "{stats}");
    let (_, custom) = domains(&sandbox).await;
    assert!(
        custom
            .iter()
            .any(|d| d["domain"] == "api.example.com" && d["targetPort"] == 9000),
        "{custom:?}"
    );
}

#[tokio::test]
async fn a_domain_added_outside_the_manifest_survives_applies_with_and_without_prune() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(
        write_and(&sandbox, dir.path(), &manifest(8000, false), &["apply"])
            .await
            .0,
        0
    );
    let ids = ids(&sandbox).await;
    let created = graphql(
        &sandbox,
        "mutation($i: CustomDomainCreateInput!) { customDomainCreate(input: $i) { id } }",
        json!({ "i": { "projectId": ids.project, "environmentId": ids.environment, "serviceId": ids.service("web"), "domain": "legacy.example.com" } }),
    )
    .await;
    assert!(
        created["data"]["customDomainCreate"]["id"].is_string(),
        "{created}"
    );
    for prune in [false, false, true] {
        let (code, out, err) = write_and(
            &sandbox,
            dir.path(),
            &manifest(8000, prune),
            &["apply", "--confirm-destructive"],
        )
        .await;
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            out.contains("left alone") && out.contains("legacy.example.com"),
            "{out}"
        );
    }
    let (_, custom) = domains(&sandbox).await;
    assert!(
        custom.iter().any(|d| d["domain"] == "legacy.example.com"),
        "{custom:?}"
    );
}

#[tokio::test]
async fn flaky_service_domain_creates_end_in_exactly_one_domain_each() {
    let sandbox = sandbox_with(SandboxConfig {
        // Seed 5 fails 3 of the 5 creates this apply sends (measured), so retries are exercised.
        faults: "serviceDomainCreate=try-again@0.5".parse().expect("faults"),
        fault_seed: 5,
        ..SandboxConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, err) =
        write_and(&sandbox, dir.path(), &manifest(8000, false), &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let (generated, _) = domains(&sandbox).await;
    assert_eq!(
        generated.len(),
        2,
        "one per manifest entry, no duplicates: {generated:?}"
    );
    let (code, out, _) = write_and(
        &sandbox,
        dir.path(),
        &manifest(8000, false),
        &["plan", "--detailed-exitcode"],
    )
    .await;
    assert_eq!(code, 0, "{out}");
}

#[tokio::test]
async fn a_pinned_subdomain_taken_elsewhere_is_a_clear_error_not_a_retry_loop() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let other = "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: other }\nspec:\n  environments: { production: {} }\n  services:\n    squatter:\n      source: { image: \"x:1\" }\n      domains: [ { railway: { subdomain: doms-web-pinned } } ]\n";
    let (code, out, err) = write_and(&sandbox, dir.path(), other, &["apply"]).await;
    assert_eq!(code, 0, "{out}{err}");
    reset_stats(&sandbox).await;
    let (code, out, err) =
        write_and(&sandbox, dir.path(), &manifest(8000, false), &["apply"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("doms-web-pinned.up.railway.app is not available"),
        "{err}"
    );
    assert!(
        count(&stats(&sandbox).await, "ServiceDomainAvailable") <= 1,
        "checked once, not retried"
    );
}

/// Makes the sandbox's renames of generated domains not take (R30): `ignore` or `pending`.
async fn renames_do_not_take(sandbox: &railway_operator::sandbox::Sandbox, how: &str) {
    let answer = reqwest::Client::new()
        .post(format!("{}/_sandbox/domains/renames", sandbox.base_url()))
        .body(how.to_string())
        .send()
        .await
        .expect("renames knob");
    assert!(answer.status().is_success(), "{}", answer.status());
}

const PINNED_ONLY: &str = "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: doms }\nspec:\n  environments: { production: {} }\n  services:\n    web:\n      source: { image: \"web:1\" }\n      domains: [ { railway: { port: 8000, subdomain: doms-web-pinned } } ]\n";

#[tokio::test]
async fn a_pinned_rename_that_does_not_take_is_reported_and_never_sent_again() {
    for (how, says) in [
        ("ignore", "(still web-"),
        ("pending", "; Railway shows the rename as pending)"),
    ] {
        let sandbox = sandbox().await;
        renames_do_not_take(&sandbox, how).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let (code, out, err) = write_and(&sandbox, dir.path(), PINNED_ONLY, &["apply"]).await;
        assert_eq!(code, 0, "{how}: {out}{err}");
        let (generated, _) = domains(&sandbox).await;
        assert_eq!(generated.len(), 1, "{how}: {generated:?}");
        assert_ne!(generated[0]["domain"], "doms-web-pinned.up.railway.app");

        reset_stats(&sandbox).await;
        let (code, out, _) = write_and(
            &sandbox,
            dir.path(),
            PINNED_ONLY,
            &["plan", "--detailed-exitcode"],
        )
        .await;
        assert_eq!(code, 0, "{how}: not planned again:\n{out}");
        assert!(
            out.contains("Railway did not rename these generated domains to their pinned subdomain (R30), and the rename is not sent again: web[production] doms-web-pinned.up.railway.app"),
            "{how}:\n{out}"
        );
        assert!(out.contains(says), "{how}:\n{out}");
        for _ in 0..2 {
            let (code, out, err) = write_and(&sandbox, dir.path(), PINNED_ONLY, &["apply"]).await;
            assert_eq!(code, 0, "{how}: {out}{err}");
        }
        let stats = stats(&sandbox).await;
        assert_eq!(count(&stats, "ServiceDomainUpdate"), 0, "{how}: {stats}");
        assert_eq!(count(&stats, "ServiceDomainCreate"), 0, "{how}: {stats}");
        assert_eq!(
            domains(&sandbox).await.0.len(),
            1,
            "{how}: no second domain"
        );
    }
}

#[tokio::test]
async fn run_status_shows_a_custom_domain_as_active_once_verified() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("doms.yml");
    fs::write(&file, manifest(8000, false)).expect("write");
    let running = controller::start(
        &sandbox,
        railway_operator::controller::source::SourceSpec::Path(file.clone()),
        Duration::from_secs(1),
        false,
    )
    .await;
    let state = |p: &railway_operator::controller::status::ProjectStatus| {
        p.environments
            .iter()
            .flat_map(|e| e.services.iter())
            .flat_map(|s| s.domains.iter())
            .find(|d| d.name == "shop.example.com")
            .map(|d| d.state.clone())
    };
    running
        .wait_for("doms", Duration::from_secs(20), |p| {
            state(p).is_some_and(|s| s.starts_with("pending DNS"))
        })
        .await;
    reqwest::Client::new()
        .post(format!("{}/_sandbox/domains/verify", sandbox.base_url()))
        .body("shop.example.com")
        .send()
        .await
        .expect("verify");
    running
        .wait_for("doms", Duration::from_secs(20), |p| {
            state(p).as_deref() == Some("active")
        })
        .await;
    running.stop().await;
}

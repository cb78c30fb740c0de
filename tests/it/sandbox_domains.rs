//! Domains and TCP proxies in the sandbox: generated service domain names, renames, custom
//! domains with their DNS records and verification, soft deletes, proxies, the config blob's
//! `networking`, the `try-again` fault and persistence.

use crate::support::sandbox_common as common;

use common::*;
use railway_operator::sandbox::{FaultKind, FaultPlan, Sandbox, SandboxConfig};
use serde_json::{Value, json};

fn operation(path: &str) -> String {
    std::fs::read_to_string(format!("{}/graphql/{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("operation file")
}

/// A project with one service `name` in its `production` environment: (project, environment, service).
async fn project_with_service(sandbox: &Sandbox, name: &str) -> (String, String, String) {
    let (project_id, environment_id) = create_project(sandbox, "shop").await;
    let created = create_service(
        sandbox,
        json!({ "projectId": project_id, "name": name, "source": { "image": "nginx" } }),
    )
    .await;
    let service_id = created["data"]["serviceCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (project_id, environment_id, service_id)
}

async fn create_service_domain(sandbox: &Sandbox, service: &str, environment: &str) -> Value {
    gql(
        sandbox,
        &operation("mutations/ServiceDomainCreate.graphql"),
        json!({ "input": { "serviceId": service, "environmentId": environment, "targetPort": 8080 } }),
    )
    .await
}

async fn create_custom_domain(
    sandbox: &Sandbox,
    ids: &(String, String, String),
    domain: &str,
) -> Value {
    gql(
        sandbox,
        &operation("mutations/CustomDomainCreate.graphql"),
        json!({ "input": { "projectId": ids.0, "environmentId": ids.1, "serviceId": ids.2,
                           "domain": domain, "targetPort": 3000 } }),
    )
    .await
}

/// `ServiceInstance.domains` of the instance, read through the operator's snapshot fields.
async fn domains(sandbox: &Sandbox, environment: &str, service: &str) -> Value {
    let found = data(
        sandbox,
        &operation("queries/EnvironmentInstancesPage.graphql"),
        json!({ "environmentId": environment }),
    )
    .await;
    let edges = found["environment"]["serviceInstances"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    edges
        .into_iter()
        .find(|edge| edge["node"]["serviceId"] == service)
        .map(|edge| edge["node"]["domains"].clone())
        .expect("the instance is listed")
}

async fn config(sandbox: &Sandbox, environment: &str) -> Value {
    let found = data(
        sandbox,
        "query($id: String!) { environment(id: $id) { config(decryptVariables: true) } }",
        json!({ "id": environment }),
    )
    .await;
    found["environment"]["config"].clone()
}

async fn verify(sandbox: &Sandbox, hostname: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{}/_sandbox/domains/verify", sandbox.base_url()))
        .body(hostname.to_string())
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn service_domains_are_named_after_service_and_environment_and_suffixed_when_taken() {
    let sandbox = start(SandboxConfig::default()).await;
    let (_, environment, service) = project_with_service(&sandbox, "My API").await;
    let mut names = Vec::new();
    for _ in 0..3 {
        let created = create_service_domain(&sandbox, &service, &environment).await;
        let domain = &created["data"]["serviceDomainCreate"];
        assert_eq!(domain["suffix"], "up.railway.app", "{created}");
        assert_eq!(domain["targetPort"], 8080);
        names.push(domain["domain"].as_str().unwrap().to_string());
    }
    assert_eq!(
        names,
        [
            "my-api-production.up.railway.app",
            "my-api-production-1.up.railway.app",
            "my-api-production-2.up.railway.app",
        ]
    );
    let listed = domains(&sandbox, &environment, &service).await;
    assert_eq!(listed["serviceDomains"].as_array().unwrap().len(), 3);
    assert_eq!(listed["serviceDomains"][0]["syncStatus"], "ACTIVE");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_generated_label_longer_than_63_characters_asks_to_try_again() {
    let sandbox = start(SandboxConfig::default()).await;
    let (_, environment, service) = project_with_service(&sandbox, &"a".repeat(60)).await;
    let created = create_service_domain(&sandbox, &service, &environment).await;
    assert_eq!(
        created["errors"][0]["message"],
        "Failed to create service domain, please try again"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn r30_a_service_domain_can_be_renamed_to_a_free_name_but_not_to_a_taken_one() {
    let sandbox = start(SandboxConfig::default()).await;
    let (_, environment, service) = project_with_service(&sandbox, "api").await;
    let first = create_service_domain(&sandbox, &service, &environment).await;
    let first_id = first["data"]["serviceDomainCreate"]["id"].as_str().unwrap();
    create_service_domain(&sandbox, &service, &environment).await;
    let available = data(
        &sandbox,
        &operation("queries/ServiceDomainAvailable.graphql"),
        json!({ "domain": "shop-api.up.railway.app" }),
    )
    .await;
    assert_eq!(available["serviceDomainAvailable"]["available"], true);
    let rename = |domain: &str| {
        json!({ "input": { "serviceDomainId": first_id, "domain": domain, "serviceId": service,
                           "environmentId": environment, "targetPort": 9090 } })
    };
    let renamed = data(
        &sandbox,
        &operation("mutations/ServiceDomainUpdate.graphql"),
        rename("shop-api.up.railway.app"),
    )
    .await;
    assert_eq!(renamed["serviceDomainUpdate"], true);
    let listed = domains(&sandbox, &environment, &service).await;
    let pinned = &listed["serviceDomains"][0];
    assert_eq!(pinned["id"], first_id);
    assert_eq!(pinned["domain"], "shop-api.up.railway.app");
    assert_eq!(pinned["targetPort"], 9090);

    let taken = gql(
        &sandbox,
        &operation("mutations/ServiceDomainUpdate.graphql"),
        rename("api-production-1.up.railway.app"),
    )
    .await;
    assert_eq!(taken["errors"][0]["message"], "Domain is not available");
    let unavailable = data(
        &sandbox,
        &operation("queries/ServiceDomainAvailable.graphql"),
        json!({ "domain": "shop-api.up.railway.app" }),
    )
    .await;
    assert_eq!(unavailable["serviceDomainAvailable"]["available"], false);
    assert_eq!(
        unavailable["serviceDomainAvailable"]["message"],
        "Domain is not available"
    );
    let outside = gql(
        &sandbox,
        &operation("mutations/ServiceDomainUpdate.graphql"),
        rename("shop.example.com"),
    )
    .await;
    assert!(outside["errors"][0]["message"].is_string(), "{outside}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_custom_domain_starts_unverified_with_one_routing_record() {
    let sandbox = start(SandboxConfig::default()).await;
    let ids = project_with_service(&sandbox, "web").await;
    let created = create_custom_domain(&sandbox, &ids, "www.example.com").await;
    assert_eq!(
        created["data"]["customDomainCreate"]["domain"],
        "www.example.com"
    );
    create_custom_domain(&sandbox, &ids, "example.org").await;
    let listed = domains(&sandbox, &ids.1, &ids.2).await;
    let custom = &listed["customDomains"][0];
    assert_eq!(custom["syncStatus"], "ACTIVE");
    assert_eq!(custom["targetPort"], 3000);
    let status = &custom["status"];
    assert_eq!(status["verified"], false);
    assert_eq!(
        status["verificationDnsHost"],
        "_railway-verify.www.example.com"
    );
    let token = status["verificationToken"].as_str().unwrap();
    let hex = token.strip_prefix("railway-verify=").unwrap();
    assert_eq!(hex.len(), 32);
    assert!(hex.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        status["certificateStatus"],
        "CERTIFICATE_STATUS_TYPE_VALIDATING_OWNERSHIP"
    );
    let records = status["dnsRecords"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record["recordType"], "DNS_RECORD_TYPE_CNAME");
    assert_eq!(record["purpose"], "DNS_RECORD_PURPOSE_TRAFFIC_ROUTE");
    assert_eq!(record["hostlabel"], "www");
    assert_eq!(record["fqdn"], "www.example.com");
    assert_eq!(record["zone"], "example.com");
    assert_eq!(record["currentValue"], "");
    assert_eq!(record["status"], "DNS_RECORD_STATUS_REQUIRES_UPDATE");
    let target = record["requiredValue"].as_str().unwrap();
    let label = target.strip_suffix(".up.railway.app").unwrap();
    assert_eq!(label.len(), 8);
    let apex = &listed["customDomains"][1]["status"]["dnsRecords"][0];
    assert_eq!(apex["hostlabel"], "@");
    assert_eq!(apex["zone"], "example.org");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn duplicate_and_invalid_custom_domains_are_rejected_with_railways_messages() {
    let sandbox = start(SandboxConfig::default()).await;
    let ids = project_with_service(&sandbox, "web").await;
    create_custom_domain(&sandbox, &ids, "www.example.com").await;
    let duplicate = create_custom_domain(&sandbox, &ids, "www.example.com").await;
    assert_eq!(
        duplicate["errors"][0]["message"],
        "Custom domain already in use"
    );
    let invalid = create_custom_domain(&sandbox, &ids, "not a domain").await;
    assert_eq!(
        invalid["errors"][0]["message"],
        "not a domain is not a valid domain"
    );
    let available = data(
        &sandbox,
        "query($d: String!) { customDomainAvailable(domain: $d) { available message } }",
        json!({ "d": "www.example.com" }),
    )
    .await;
    assert_eq!(available["customDomainAvailable"]["available"], false);
    assert_eq!(
        available["customDomainAvailable"]["message"],
        "Custom domain already in use"
    );
    let listed = domains(&sandbox, &ids.1, &ids.2).await;
    assert_eq!(listed["customDomains"].as_array().unwrap().len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn verifying_a_custom_domain_propagates_its_records_and_the_certificate_is_valid_after_a_second()
 {
    let sandbox = start(SandboxConfig::default()).await;
    let ids = project_with_service(&sandbox, "web").await;
    create_custom_domain(&sandbox, &ids, "shop.example.com").await;
    assert_eq!(
        verify(&sandbox, "unknown.example.com").await,
        reqwest::StatusCode::NOT_FOUND
    );
    assert_eq!(
        verify(&sandbox, "shop.example.com").await,
        reqwest::StatusCode::OK
    );
    let status = domains(&sandbox, &ids.1, &ids.2).await["customDomains"][0]["status"].clone();
    assert_eq!(status["verified"], true);
    assert_eq!(
        status["certificateStatus"],
        "CERTIFICATE_STATUS_TYPE_ISSUING"
    );
    let record = &status["dnsRecords"][0];
    assert_eq!(record["status"], "DNS_RECORD_STATUS_PROPAGATED");
    assert_eq!(record["currentValue"], record["requiredValue"]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let later = domains(&sandbox, &ids.1, &ids.2).await["customDomains"][0]["status"].clone();
    assert_eq!(later["certificateStatus"], "CERTIFICATE_STATUS_TYPE_VALID");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_custom_domains_target_port_is_updated_in_place() {
    let sandbox = start(SandboxConfig::default()).await;
    let ids = project_with_service(&sandbox, "web").await;
    let created = create_custom_domain(&sandbox, &ids, "www.example.com").await;
    let id = created["data"]["customDomainCreate"]["id"]
        .as_str()
        .unwrap();
    let updated = data(
        &sandbox,
        &operation("mutations/CustomDomainUpdate.graphql"),
        json!({ "id": id, "environmentId": ids.1, "targetPort": 4000 }),
    )
    .await;
    assert_eq!(updated["customDomainUpdate"], true);
    let listed = domains(&sandbox, &ids.1, &ids.2).await;
    assert_eq!(listed["customDomains"][0]["targetPort"], 4000);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn deleted_domains_stay_listed_with_deleted_at_and_free_their_names() {
    let sandbox = start(SandboxConfig::default()).await;
    let ids = project_with_service(&sandbox, "web").await;
    let service_domain = create_service_domain(&sandbox, &ids.2, &ids.1).await;
    let service_domain_id = service_domain["data"]["serviceDomainCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let custom = create_custom_domain(&sandbox, &ids, "www.example.com").await;
    let custom_id = custom["data"]["customDomainCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (path, id) in [
        ("mutations/ServiceDomainDelete.graphql", &service_domain_id),
        ("mutations/CustomDomainDelete.graphql", &custom_id),
    ] {
        let deleted = data(&sandbox, &operation(path), json!({ "id": id })).await;
        assert_eq!(deleted.as_object().unwrap().values().next().unwrap(), true);
    }
    let listed = domains(&sandbox, &ids.1, &ids.2).await;
    for kind in ["serviceDomains", "customDomains"] {
        let domain = &listed[kind][0];
        assert!(domain["deletedAt"].is_string(), "{listed}");
        assert_eq!(domain["syncStatus"], "DELETED");
    }
    let again = create_service_domain(&sandbox, &ids.2, &ids.1).await;
    assert_eq!(
        again["data"]["serviceDomainCreate"]["domain"],
        "web-production.up.railway.app"
    );
    let recreated = create_custom_domain(&sandbox, &ids, "www.example.com").await;
    assert!(recreated.get("errors").is_none(), "{recreated}");
    let twice = gql(
        &sandbox,
        &operation("mutations/CustomDomainDelete.graphql"),
        json!({ "id": custom_id }),
    )
    .await;
    assert!(twice["errors"][0]["message"].is_string());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn tcp_proxies_get_a_public_port_one_per_application_port_and_show_in_the_config_blob() {
    let sandbox = start(SandboxConfig::default()).await;
    let ids = project_with_service(&sandbox, "db").await;
    let created = data(
        &sandbox,
        &operation("mutations/TcpProxyCreate.graphql"),
        json!({ "input": { "serviceId": ids.2, "environmentId": ids.1, "applicationPort": 5432 } }),
    )
    .await;
    let proxy = &created["tcpProxyCreate"];
    assert_eq!(proxy["applicationPort"], 5432);
    let proxy_port = proxy["proxyPort"].as_i64().unwrap();
    assert!((10000..=60000).contains(&proxy_port));
    assert!(
        proxy["domain"]
            .as_str()
            .unwrap()
            .ends_with(".proxy.rlwy.net")
    );
    let proxy_id = proxy["id"].as_str().unwrap().to_string();
    let duplicate = gql(
        &sandbox,
        &operation("mutations/TcpProxyCreate.graphql"),
        json!({ "input": { "serviceId": ids.2, "environmentId": ids.1, "applicationPort": 5432 } }),
    )
    .await;
    assert!(duplicate["errors"][0]["message"].is_string(), "{duplicate}");

    let service_domain = create_service_domain(&sandbox, &ids.2, &ids.1).await;
    let service_domain_id = service_domain["data"]["serviceDomainCreate"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    create_custom_domain(&sandbox, &ids, "db.example.com").await;
    let blob = config(&sandbox, &ids.1).await;
    let service = &blob["services"][&ids.2];
    assert!(service["deploy"].is_object(), "other keys stay: {blob}");
    assert_eq!(
        service["networking"],
        json!({
            "serviceDomains": { service_domain_id.clone(): { "port": 8080 } },
            "customDomains": { "db.example.com": { "port": 3000 } },
            "tcpProxies": { "5432": {} },
        })
    );

    let deleted = data(
        &sandbox,
        &operation("mutations/TcpProxyDelete.graphql"),
        json!({ "id": proxy_id }),
    )
    .await;
    assert_eq!(deleted["tcpProxyDelete"], true);
    let listed = data(
        &sandbox,
        &operation("queries/TcpProxies.graphql"),
        json!({ "environmentId": ids.1, "serviceId": ids.2 }),
    )
    .await;
    let proxies = listed["tcpProxies"].as_array().unwrap();
    assert_eq!(proxies.len(), 1);
    assert!(proxies[0]["deletedAt"].is_string());
    assert_eq!(proxies[0]["syncStatus"], "DELETED");
    let blob = config(&sandbox, &ids.1).await;
    assert!(blob["services"][&ids.2]["networking"]["tcpProxies"].is_null());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_instance_without_domains_or_proxies_has_no_networking_in_the_config_blob() {
    let sandbox = start(SandboxConfig::default()).await;
    let ids = project_with_service(&sandbox, "worker").await;
    let blob = config(&sandbox, &ids.1).await;
    assert!(blob["services"][&ids.2].is_object());
    assert!(blob["services"][&ids.2].get("networking").is_none());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_try_again_fault_answers_railways_error_without_creating_the_domain() {
    let faults: FaultPlan = "serviceDomainCreate=try-again".parse().unwrap();
    assert_eq!(faults.rules[0].kind, FaultKind::TryAgain);
    assert_eq!(FaultKind::TryAgain.to_string(), "try-again");
    let sandbox = start(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await;
    let (_, environment, service) = project_with_service(&sandbox, "api").await;
    let answer = create_service_domain(&sandbox, &service, &environment).await;
    assert_eq!(
        answer["errors"][0]["message"],
        "Failed to create service domain, please try again"
    );
    assert_eq!(answer["errors"][0]["path"][0], "serviceDomainCreate");
    assert!(answer["data"].is_null());
    let listed = domains(&sandbox, &environment, &service).await;
    assert_eq!(listed["serviceDomains"], json!([]));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn domains_and_proxies_survive_a_restart_through_the_state_file() {
    let directory = tempfile::tempdir().unwrap();
    let sandbox_config = SandboxConfig {
        state_file: Some(directory.path().join("state.json")),
        ..SandboxConfig::default()
    };
    let sandbox = start(sandbox_config.clone()).await;
    let ids = project_with_service(&sandbox, "api").await;
    create_service_domain(&sandbox, &ids.2, &ids.1).await;
    create_custom_domain(&sandbox, &ids, "api.example.com").await;
    data(
        &sandbox,
        &operation("mutations/TcpProxyCreate.graphql"),
        json!({ "input": { "serviceId": ids.2, "environmentId": ids.1, "applicationPort": 6379 } }),
    )
    .await;
    sandbox.shutdown().await;

    let restarted = start(sandbox_config).await;
    let listed = domains(&restarted, &ids.1, &ids.2).await;
    assert_eq!(
        listed["serviceDomains"][0]["domain"],
        "api-production.up.railway.app"
    );
    assert_eq!(listed["customDomains"][0]["domain"], "api.example.com");
    let blob = config(&restarted, &ids.1).await;
    assert_eq!(
        blob["services"][&ids.2]["networking"]["tcpProxies"],
        json!({ "6379": {} })
    );
    restarted.shutdown().await;
}

#[tokio::test]
async fn r29_custom_domain_create_answers_with_its_dns_records() {
    let sandbox = start(SandboxConfig::default()).await;
    let ids = project_with_service(&sandbox, "web").await;
    let created = data(
        &sandbox,
        "mutation ($input: CustomDomainCreateInput!) { customDomainCreate(input: $input) { id domain status { verified verificationDnsHost verificationToken dnsRecords { recordType purpose hostlabel requiredValue status } } } }",
        json!({ "input": { "projectId": ids.0, "environmentId": ids.1, "serviceId": ids.2,
                           "domain": "www.example.com", "targetPort": 3000 } }),
    )
    .await;
    let status = &created["customDomainCreate"]["status"];
    assert_eq!(status["verified"], false, "{created}");
    assert_eq!(
        status["verificationDnsHost"],
        "_railway-verify.www.example.com"
    );
    let routing = status["dnsRecords"]
        .as_array()
        .and_then(|records| {
            records
                .iter()
                .find(|r| r["purpose"] == "DNS_RECORD_PURPOSE_TRAFFIC_ROUTE")
        })
        .unwrap_or_else(|| panic!("no routing record in the answer: {created}"));
    assert_eq!(routing["recordType"], "DNS_RECORD_TYPE_CNAME");
    assert_eq!(routing["hostlabel"], "www");
    sandbox.shutdown().await;
}

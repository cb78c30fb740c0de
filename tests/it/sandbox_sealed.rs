//! Sealed variables in the sandbox: present by name, never readable by value.

use crate::support;

use railway_operator::sandbox::SandboxConfig;
use serde_json::json;
use support::*;

#[tokio::test]
async fn r27_sealed_variables_are_listed_as_sealed_and_their_values_never_come_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = dir.path().join("seed.yml");
    std::fs::write(
        &seed,
        "projects:\n  - name: p\n    environments:\n      - name: production\n        sharedVariables: { SHARED_SECRET: s3, OPEN: o }\n        sealedSharedVariables: [SHARED_SECRET]\n    services:\n      - name: api\n        image: nginx\n        variables: { TOKEN: sealed-value, PLAIN: visible }\n        sealedVariables: [TOKEN]\n",
    )
    .expect("write seed");
    let sandbox = sandbox_with(SandboxConfig {
        seed_file: Some(seed),
        ..SandboxConfig::default()
    })
    .await;
    let data = graphql(
        &sandbox,
        "query { projects { edges { node { id environments { edges { node { id config(decryptVariables: true) variables { edges { node { name isSealed } } } } } } } } } }",
        json!({}),
    )
    .await;
    let env = &data["data"]["projects"]["edges"][0]["node"]["environments"]["edges"][0]["node"];
    let text = env["config"].to_string();
    assert!(
        !text.contains("sealed-value") && !text.contains("s3"),
        "{text}"
    );
    assert!(text.contains("visible"), "{text}");
    // R27: even decrypted, the config flags a sealed variable and holds no value for it.
    let services = env["config"]["services"].as_object().expect("services");
    let (_, api) = services.iter().next().expect("the api service");
    assert_eq!(
        api["variables"]["TOKEN"],
        json!({ "value": null, "isSealed": true }),
        "{api}"
    );
    let sealed: Vec<&str> = env["variables"]["edges"]
        .as_array()
        .expect("variables")
        .iter()
        .filter(|v| v["node"]["isSealed"] == true)
        .filter_map(|v| v["node"]["name"].as_str())
        .collect();
    assert_eq!(sealed.len(), 2, "{env}");
    assert!(
        sealed.contains(&"TOKEN") && sealed.contains(&"SHARED_SECRET"),
        "{sealed:?}"
    );
    sandbox.shutdown().await;
}

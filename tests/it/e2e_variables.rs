//! Variables, secrets and ownership end to end: what is applied, what is never touched, what is
//! pruned and when, what it costs, and that a secret never leaves the process in clear text.

use crate::support;

use std::fs;
use std::path::Path;

use railway_operator::inventory::InventoryState;
use railway_operator::sandbox::{Sandbox, SandboxConfig};
use serde_json::{Value, json};
use support::*;

const CANARY: &str = "canary-4b1d9e7c";
const DATABASE_URL: &str =
    "postgresql://u:${{db.POSTGRES_PASSWORD}}@${{ db.RAILWAY_PRIVATE_DOMAIN }}:5432/x";

struct Manifest {
    prune: bool,
    api_variables: Vec<(&'static str, String)>,
    worker: bool,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            prune: false,
            api_variables: vec![
                ("A", "\"1\"".into()),
                ("B", "\"2\"".into()),
                ("C", "\"3\"".into()),
                ("DATABASE_URL", format!("\"{DATABASE_URL}\"")),
                ("LOG", "${{shared.LOG_LEVEL}}".into()),
                ("SECRET", "{ fromEnv: CANARY_SECRET }".into()),
            ],
            worker: true,
        }
    }
}

impl Manifest {
    fn write(&self, path: &Path) {
        let mut text = format!(
            "apiVersion: railway-operator/v1\nkind: Project\nmetadata: {{ name: vars }}\nspec:\n  policy: {{ prune: {} }}\n  environments: {{ production: {{}} }}\n  sharedVariables: {{ LOG_LEVEL: info }}\n  services:\n    db:\n      source: {{ image: \"postgres:16\" }}\n      variables: {{ POSTGRES_PASSWORD: {{ generate: 32 }} }}\n    api:\n      source: {{ image: \"api:1\" }}\n      variables:\n",
            self.prune
        );
        for (name, value) in &self.api_variables {
            text.push_str(&format!("        {name}: {value}\n"));
        }
        if self.worker {
            text.push_str("    worker:\n      source: { image: \"worker:1\" }\n");
        }
        fs::write(path, text).expect("write manifest");
    }
}

struct Fixture {
    sandbox: Sandbox,
    dir: tempfile::TempDir,
}

impl Fixture {
    async fn new() -> Self {
        Self::with(SandboxConfig::default()).await
    }

    async fn with(config: SandboxConfig) -> Self {
        Fixture {
            sandbox: sandbox_with(config).await,
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn file(&self) -> String {
        self.dir
            .path()
            .join("vars.yml")
            .to_string_lossy()
            .to_string()
    }

    async fn run(&self, manifest: &Manifest, args: &[&str]) -> (i32, String, String) {
        self.run_with(manifest, args, CANARY).await
    }

    async fn run_with(
        &self,
        manifest: &Manifest,
        args: &[&str],
        secret: &str,
    ) -> (i32, String, String) {
        manifest.write(Path::new(&self.file()));
        let file = self.file();
        let mut full: Vec<&str> = args.to_vec();
        full.extend(["-f", file.as_str()]);
        cli_env(
            &self.sandbox,
            &full,
            self.dir.path(),
            &[("CANARY_SECRET", secret), ("RUST_LOG", "trace")],
        )
        .await
    }

    async fn variables(&self, service: Option<&str>) -> Value {
        read_variables(&self.sandbox, service).await
    }

    async fn set_variable(&self, service: Option<&str>, name: &str, value: &str) {
        set_variable(&self.sandbox, service, name, value).await;
    }
}

fn assert_no_canary(outputs: &[(&str, &str)]) {
    for (what, text) in outputs {
        assert!(
            !text.contains(CANARY),
            "the secret leaked into {what}:\n{text}"
        );
        assert!(
            !text.contains("canary-"),
            "a secret leaked into {what}:\n{text}"
        );
    }
}

#[tokio::test]
async fn a_canary_secret_appears_in_no_output_log_or_error() {
    let f = Fixture::new().await;
    let m = Manifest::default();
    let mut outputs = Vec::new();
    for args in [
        vec!["validate"],
        vec!["plan"],
        vec!["plan", "--json"],
        vec!["apply"],
        vec!["apply"],
        vec!["plan", "--json"],
    ] {
        let (code, out, err) = f.run(&m, &args).await;
        assert!(code == 0, "{args:?}\n{out}\n{err}");
        outputs.push((format!("{args:?} stdout"), out));
        outputs.push((format!("{args:?} stderr"), err));
    }
    assert_eq!(
        f.variables(Some("api")).await["SECRET"],
        CANARY,
        "the secret was applied"
    );
    // A changed secret is planned as a sensitive change, and fails under faults, without showing either value.
    let (code, out, err) = f.run_with(&m, &["plan"], "canary-second-value").await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("SECRET = (sensitive, value changes)"), "{out}");
    outputs.push(("changed plan stdout".into(), out));
    outputs.push(("changed plan stderr".into(), err));
    let faulty = Fixture::with(SandboxConfig {
        faults: "variableCollectionUpsert=error500".parse().expect("faults"),
        ..SandboxConfig::default()
    })
    .await;
    let (code, out, err) = faulty.run(&m, &["apply", "--retry-for-secs", "1"]).await;
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("variableCollectionUpsert") || err.contains("VariableCollectionUpsert"),
        "{err}"
    );
    outputs.push(("failed apply stdout".into(), out));
    outputs.push(("failed apply stderr".into(), err));
    let shown: Vec<(&str, &str)> = outputs
        .iter()
        .map(|(w, t)| (w.as_str(), t.as_str()))
        .collect();
    assert_no_canary(&shown);
}

#[tokio::test]
async fn references_are_applied_byte_for_byte_and_the_plan_is_clean_afterwards() {
    let f = Fixture::new().await;
    let m = Manifest::default();
    let (code, out, err) = f.run(&m, &["apply"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let api = f.variables(Some("api")).await;
    assert_eq!(api["DATABASE_URL"], DATABASE_URL);
    assert_eq!(api["LOG"], "${{shared.LOG_LEVEL}}");
    assert_eq!(f.variables(None).await["LOG_LEVEL"], "info");
    let (code, out, _) = f.run(&m, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "{out}");
}

#[tokio::test]
async fn a_generated_value_is_created_once_and_kept_by_later_applies() {
    let f = Fixture::new().await;
    let m = Manifest::default();
    assert_eq!(f.run(&m, &["apply"]).await.0, 0);
    let first = f.variables(Some("db")).await["POSTGRES_PASSWORD"].clone();
    assert_eq!(first.as_str().map(str::len), Some(32), "{first}");
    assert_eq!(f.run(&m, &["apply"]).await.0, 0);
    assert_eq!(f.variables(Some("db")).await["POSTGRES_PASSWORD"], first);
}

#[tokio::test]
async fn changing_three_variables_costs_one_patch_which_deploys_the_service() {
    let f = Fixture::new().await;
    let mut m = Manifest::default();
    assert_eq!(f.run(&m, &["apply"]).await.0, 0);
    for (name, value) in m.api_variables.iter_mut() {
        if ["A", "B", "C"].contains(name) {
            *value = format!("\"changed-{name}\"");
        }
    }
    let (code, out, _) = f.run(&m, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(code, 2);
    assert!(
        out.contains("~ A: \"1\" -> \"changed-A\""),
        "owned plain values show their old value:\n{out}"
    );
    reset_stats(&f.sandbox).await;
    let (code, out, err) = f.run(&m, &["apply"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let stats = stats(&f.sandbox).await;
    println!("three variables changed: {stats}");
    assert_eq!(count(&stats, "EnvironmentPatchCommit"), 1, "{stats}");
    assert_eq!(count(&stats, "VariableCollectionUpsert"), 0, "{stats}");
    assert_eq!(count(&stats, "ServiceInstanceDeployV2"), 0, "{stats}");
    assert!(out.contains("deployed by environmentPatchCommit"), "{out}");
}

#[tokio::test]
async fn a_no_op_plan_with_variables_and_an_inventory_costs_two_requests() {
    let f = Fixture::new().await;
    let m = Manifest::default();
    assert_eq!(f.run(&m, &["apply"]).await.0, 0);
    reset_stats(&f.sandbox).await;
    let (code, out, _) = f.run(&m, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "{out}");
    let requests = total(&stats(&f.sandbox).await);
    println!("no-op plan with variables: {requests} request(s)");
    assert!(requests <= 2, "{requests}");
}

#[tokio::test]
async fn variables_set_outside_the_manifest_survive_every_apply_with_and_without_prune() {
    let f = Fixture::new().await;
    let mut m = Manifest::default();
    assert_eq!(f.run(&m, &["apply"]).await.0, 0);
    f.set_variable(Some("api"), "FROM_DASHBOARD", "keep-me")
        .await;
    f.set_variable(None, "TEAM_SHARED", "keep-me-too").await;
    for _ in 0..2 {
        let (code, out, err) = f.run(&m, &["apply"]).await;
        assert_eq!(code, 0, "{out}\n{err}");
        assert!(
            out.contains("left alone") && out.contains("FROM_DASHBOARD"),
            "{out}"
        );
    }
    m.prune = true;
    let (code, out, err) = f.run(&m, &["apply", "--confirm-destructive"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(f.variables(Some("api")).await["FROM_DASHBOARD"], "keep-me");
    assert_eq!(f.variables(None).await["TEAM_SHARED"], "keep-me-too");
}

#[tokio::test]
async fn a_managed_variable_removed_from_the_manifest_is_deleted_only_with_prune() {
    let f = Fixture::new().await;
    let mut m = Manifest::default();
    assert_eq!(f.run(&m, &["apply"]).await.0, 0);
    m.api_variables.retain(|(name, _)| *name != "C");
    let (code, out, _) = f.run(&m, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "pending prune alone is not a change:\n{out}");
    assert!(
        out.contains("would be pruned") && out.contains("variable api[production].C"),
        "{out}"
    );
    assert_eq!(f.run(&m, &["apply"]).await.0, 0);
    assert_eq!(
        f.variables(Some("api")).await["C"],
        "3",
        "kept without prune"
    );
    m.prune = true;
    let (code, out, _) = f.run(&m, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("      - C"), "{out}");
    let (code, out, err) = f.run(&m, &["apply"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(f.variables(Some("api")).await.get("C").is_none(), "pruned");
    assert_eq!(f.run(&m, &["plan", "--detailed-exitcode"]).await.0, 0);
}

#[tokio::test]
async fn an_owned_service_that_left_the_manifest_is_deleted_only_with_prune_and_confirmation() {
    let f = Fixture::new().await;
    let mut m = Manifest::default();
    assert_eq!(f.run(&m, &["apply"]).await.0, 0);
    m.worker = false;
    let (code, out, _) = f.run(&m, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("would be pruned") && out.contains("service worker"),
        "{out}"
    );
    m.prune = true;
    let (code, out, _) = f.run(&m, &["plan", "--detailed-exitcode"]).await;
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("- service worker (destroy"), "{out}");
    assert!(out.contains("1 to destroy"), "{out}");
    let (code, out, err) = f.run(&m, &["apply"]).await;
    assert_eq!(code, 1, "{out}");
    assert!(
        err.contains("--confirm-destructive") && err.contains("service.worker"),
        "{err}"
    );
    let (code, out, err) = f.run(&m, &["apply", "--confirm-destructive"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    let services = &project_services(&f.sandbox).await[0].1;
    assert!(!services.contains(&"worker".to_string()), "{services:?}");
    assert_eq!(f.run(&m, &["plan", "--detailed-exitcode"]).await.0, 0);
}

#[tokio::test]
async fn services_never_applied_by_the_operator_are_never_deleted() {
    let f = Fixture::new().await;
    let mut m = Manifest::default();
    assert_eq!(f.run(&m, &["apply"]).await.0, 0);
    let project_id =
        all_projects(&f.sandbox, "id").await["data"]["projects"]["edges"][0]["node"]["id"].clone();
    let created = graphql(
        &f.sandbox,
        "mutation($i: ServiceCreateInput!) { serviceCreate(input: $i) { id } }",
        json!({ "i": { "projectId": project_id, "name": "hand-made", "source": { "image": "x:1" } } }),
    )
    .await;
    assert!(
        created["data"]["serviceCreate"]["id"].is_string(),
        "{created}"
    );
    m.prune = true;
    let (code, out, err) = f.run(&m, &["apply", "--confirm-destructive"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("hand-made"), "listed as unmanaged:\n{out}");
    assert!(
        project_services(&f.sandbox).await[0]
            .1
            .contains(&"hand-made".to_string())
    );
}

#[tokio::test]
async fn a_corrupt_inventory_prunes_nothing_and_says_so() {
    let f = Fixture::new().await;
    let mut m = Manifest::default();
    assert_eq!(f.run(&m, &["apply"]).await.0, 0);
    f.set_variable(None, "RAILWAY_OPERATOR_INVENTORY", "edited by hand")
        .await;
    m.prune = true;
    m.api_variables.retain(|(name, _)| *name != "C");
    m.worker = false;
    let (code, out, err) = f.run(&m, &["apply", "--confirm-destructive"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("inventory of production is unreadable"),
        "{out}"
    );
    assert_eq!(f.variables(Some("api")).await["C"], "3", "nothing pruned");
    assert!(
        project_services(&f.sandbox).await[0]
            .1
            .contains(&"worker".to_string())
    );
    let inventory = f.variables(None).await["RAILWAY_OPERATOR_INVENTORY"].clone();
    assert!(
        inventory.as_str().is_some_and(|t| t.starts_with("ro2:")),
        "rewritten: {inventory}"
    );
}

#[tokio::test]
async fn an_inventory_an_earlier_operator_wrote_as_plain_json_still_owns_and_is_rewritten_compressed()
 {
    let f = Fixture::new().await;
    let mut m = Manifest::default();
    assert_eq!(f.run(&m, &["apply"]).await.0, 0);
    let stored = f.variables(None).await["RAILWAY_OPERATOR_INVENTORY"].clone();
    let state = InventoryState::decode(Some(stored.as_str()));
    // Format 1 as earlier operators wrote it: the inventory's JSON with `"ro":1`.
    let mut legacy = serde_json::to_value(state.owned().expect("readable")).expect("json");
    legacy["ro"] = json!(1);
    let legacy = legacy.to_string();
    f.set_variable(None, "RAILWAY_OPERATOR_INVENTORY", &legacy)
        .await;
    m.prune = true;
    m.api_variables.retain(|(name, _)| *name != "C");
    let (code, out, err) = f.run(&m, &["apply"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("- C"),
        "owned through the old format, so pruned:\n{out}"
    );
    assert!(f.variables(Some("api")).await.get("C").is_none());
    let rewritten = f.variables(None).await["RAILWAY_OPERATOR_INVENTORY"].clone();
    assert!(
        rewritten.as_str().is_some_and(|t| t.starts_with("ro2:")),
        "{rewritten}"
    );
}

#[tokio::test]
async fn a_sealed_variable_is_compared_by_presence_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = dir.path().join("seed.yml");
    fs::write(
        &seed,
        "projects:\n  - name: vars\n    services:\n      - name: api\n        image: \"api:1\"\n        variables: { TOKEN: unreadable }\n        sealedVariables: [TOKEN]\n",
    )
    .expect("seed");
    let f = Fixture::with(SandboxConfig {
        seed_file: Some(seed),
        ..SandboxConfig::default()
    })
    .await;
    let path = f.dir.path().join("sealed.yml");
    fs::write(
        &path,
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: vars }\nspec:\n  environments: { production: {} }\n  services:\n    api:\n      source: { image: \"api:1\" }\n      variables: { TOKEN: something-else }\n",
    )
    .expect("write");
    let file = path.to_string_lossy().to_string();
    let (code, out, err) = cli(&f.sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("compared by presence only: api[production]: TOKEN"),
        "{out}"
    );
}

#[tokio::test]
async fn r27_a_null_value_on_an_unsealed_variable_fails_the_plan_naming_it_and_its_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let seed = dir.path().join("seed.yml");
    fs::write(
        &seed,
        "projects:\n  - name: vars\n    services:\n      - name: api\n        image: \"api:1\"\n        variables: { PORT: \"8000\", TOKEN: unreadable }\n        sealedVariables: [TOKEN]\n",
    )
    .expect("seed");
    let f = Fixture::with(SandboxConfig {
        seed_file: Some(seed),
        ..SandboxConfig::default()
    })
    .await;
    let path = f.dir.path().join("undecrypted.yml");
    fs::write(
        &path,
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: vars }\nspec:\n  environments: { production: {} }\n  services:\n    api:\n      source: { image: \"api:1\" }\n      variables: { PORT: \"8000\", TOKEN: something-else }\n",
    )
    .expect("write");
    let file = path.to_string_lossy().to_string();
    // The token's reads come back undecrypted: PORT has a null value but is not sealed.
    set_faults(&f.sandbox, "ProjectSnapshot=undecrypted").await;
    let (code, out, err) = cli(&f.sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(code, 1, "not \"no drift\": {out}\n{err}");
    assert!(
        err.contains(
            "variable PORT of service api in environment production has no value although it is not sealed"
        ) && err.contains("cannot decrypt"),
        "{err}"
    );
    assert!(!out.contains("No changes"), "{out}");
    clear_faults(&f.sandbox).await;
    let (code, out, err) = cli(&f.sandbox, &["plan", "-f", &file, "--detailed-exitcode"]).await;
    assert_eq!(
        code, 0,
        "decrypted, only the sealed TOKEN is unreadable: {out}\n{err}"
    );
}

#[tokio::test]
async fn a_reference_to_a_service_nowhere_to_be_found_fails_the_plan_with_its_location() {
    let f = Fixture::new().await;
    let mut m = Manifest::default();
    m.api_variables
        .push(("TYPO", "${{dbb.DATABASE_URL}}".into()));
    let (code, out, _) = f.run(&m, &["validate"]).await;
    assert_eq!(code, 0, "validate cannot know live services: {out}");
    assert!(out.contains("note:") && out.contains("`dbb`"), "{out}");
    let (code, out, err) = f.run(&m, &["plan"]).await;
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("vars.yml:") && err.contains("refers to service `dbb`"),
        "{err}"
    );
    assert!(err.contains("did you mean `db`?"), "{err}");
    assert_eq!(
        count(&stats(&f.sandbox).await, "VariableCollectionUpsert"),
        0
    );
}

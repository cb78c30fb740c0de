//! Saved plans against the sandbox: `plan --out FILE` then `apply --plan FILE` applies exactly
//! the reviewed plan, and refuses with no write when the manifest, a secret or live state
//! changed in between. The file holds no secret value.

use crate::support;

use std::fs;
use std::path::Path;

use railway_operator::sandbox::Sandbox;
use serde_json::Value;
use support::replicas::mutations_in;
use support::*;

const CANARY: &str = "canary-key-7d1c2b";

fn shop(mode: &str, replicas: u32) -> String {
    format!(
        "apiVersion: railway-operator/v1
kind: Project
metadata: {{ name: shop }}
spec:
  environments: {{ production: {{}} }}
  services:
    api:
      source: {{ image: \"nginx:1.27\" }}
      deploy: {{ replicas: {replicas} }}
      variables:
        MODE: {mode}
        API_KEY: {{ fromEnv: SHOP_API_KEY }}
"
    )
}

struct Setup {
    sandbox: Sandbox,
    dir: tempfile::TempDir,
}

impl Setup {
    fn manifest(&self) -> String {
        self.dir
            .path()
            .join("shop.yml")
            .to_string_lossy()
            .to_string()
    }

    fn saved(&self) -> String {
        self.dir
            .path()
            .join("plan.json")
            .to_string_lossy()
            .to_string()
    }

    fn write(&self, text: &str) {
        fs::write(self.dir.path().join("shop.yml"), text).expect("write the manifest");
    }

    /// `apply --plan plan.json` with `SHOP_API_KEY=key`.
    async fn apply_saved(&self, key: &str) -> (i32, String, String) {
        let (manifest, saved) = (self.manifest(), self.saved());
        self.run(&["apply", "-f", &manifest, "--plan", &saved], key)
            .await
    }

    async fn run(&self, args: &[&str], key: &str) -> (i32, String, String) {
        cli_env(
            &self.sandbox,
            args,
            Path::new(env!("CARGO_MANIFEST_DIR")),
            &[("SHOP_API_KEY", key)],
        )
        .await
    }
}

/// `shop` applied at MODE one, then edited to MODE two with 2 replicas and planned into
/// `plan.json`.
async fn planned() -> Setup {
    let setup = Setup {
        sandbox: sandbox().await,
        dir: tempfile::tempdir().expect("tempdir"),
    };
    setup.write(&shop("one", 1));
    let (code, out, err) = setup.run(&["apply", "-f", &setup.manifest()], CANARY).await;
    assert_eq!(code, 0, "{out}{err}");
    setup.write(&shop("two", 2));
    let (code, out, err) = setup
        .run(
            &["plan", "-f", &setup.manifest(), "--out", &setup.saved()],
            CANARY,
        )
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("Saved the plan to"), "{err}");
    setup
}

#[tokio::test]
async fn a_saved_plan_applies_exactly_and_then_plans_clean() {
    let setup = planned().await;
    let text = fs::read_to_string(setup.saved()).expect("the plan file");
    assert!(!text.contains(CANARY), "no secret value in the saved plan");
    let file: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(file["format"], "railway-operator/saved-plan");
    assert_eq!(file["formatVersion"], 1);
    assert_eq!(file["summary"]["change"], 1, "{file}");
    assert!(
        file["live"]["configEtags"]["production"].is_string(),
        "{file}"
    );

    let (code, out, err) = setup.apply_saved(CANARY).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("still holds: applying exactly it"), "{out}");
    assert!(out.contains("Apply complete: 0 added, 1 changed"), "{out}");
    let (code, out, err) = setup
        .run(
            &["plan", "-f", &setup.manifest(), "--detailed-exitcode"],
            CANARY,
        )
        .await;
    assert_eq!(code, 0, "plans clean after: {out}{err}");
    assert_eq!(
        read_variables(&setup.sandbox, Some("api")).await["MODE"],
        "two"
    );
    setup.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_live_change_between_plan_and_apply_makes_apply_plan_exit_1_with_zero_mutations() {
    let setup = planned().await;
    set_variable(&setup.sandbox, Some("api"), "MODE", "edited-by-hand").await;
    reset_stats(&setup.sandbox).await;
    let (code, out, err) = setup.apply_saved(CANARY).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("live state changed on Railway since the plan was saved")
            && err.contains("environment production (its configEtag moved)"),
        "{err}"
    );
    assert!(err.contains("Nothing was written; plan again"), "{err}");
    let stats = stats(&setup.sandbox).await;
    assert_eq!(mutations_in(&stats), 0, "{stats}");
    assert_eq!(
        read_variables(&setup.sandbox, Some("api")).await["MODE"],
        "edited-by-hand"
    );
    setup.sandbox.shutdown().await;
}

#[tokio::test]
async fn an_edited_manifest_or_another_secret_makes_apply_plan_refuse_with_zero_mutations() {
    let setup = planned().await;
    reset_stats(&setup.sandbox).await;
    let (code, out, err) = setup.apply_saved("another-key").await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("a secret of the manifest resolves to another value"),
        "{err}"
    );
    assert!(!err.contains("another-key"), "{err}");

    setup.write(&shop("three", 2));
    let (code, out, err) = setup.apply_saved(CANARY).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("shop.yml changed since the plan was saved"),
        "{err}"
    );
    assert_eq!(mutations_in(&stats(&setup.sandbox).await), 0);
    setup.sandbox.shutdown().await;
}

#[tokio::test]
async fn a_file_that_is_not_a_saved_plan_is_refused_before_any_request() {
    let setup = planned().await;
    fs::write(setup.saved(), "{\"format\": \"something else\"}").expect("write");
    reset_stats(&setup.sandbox).await;
    let (code, out, err) = setup.apply_saved(CANARY).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("is not a saved plan of this version"), "{err}");
    assert_eq!(total(&stats(&setup.sandbox).await), 0, "no request at all");
    setup.sandbox.shutdown().await;
}

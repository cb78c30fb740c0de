//! Every example manifest validates, applies on a fresh sandbox, and then plans clean.

use crate::support;

use std::path::Path;

use railway_operator::sandbox::SANDBOX_WORKSPACE_ID;
use support::*;

#[tokio::test]
async fn every_example_applies_and_then_plans_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut examples: Vec<_> = std::fs::read_dir(root.join("manifests/examples"))
        .expect("examples exist")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 3, "{examples:?}");
    let vars = [
        ("RAILWAY_WORKSPACE_ID", SANDBOX_WORKSPACE_ID),
        ("APP_IMAGE_TAG", "1.2.3"),
        ("EXAMPLE_API_KEY", "example-key"),
    ];
    for example in examples {
        // Railway's default scoping (R7): settings reach one environment only by patch.
        let sandbox = sandbox().await;
        let file = example.to_string_lossy().to_string();
        let (code, out, err) = cli_env(&sandbox, &["validate", "-f", &file], root, &vars).await;
        assert_eq!(code, 0, "validate {file}\n{out}\n{err}");
        let (code, out, err) = cli_env(&sandbox, &["apply", "-f", &file], root, &vars).await;
        assert_eq!(code, 0, "apply {file}\n{out}\n{err}");
        let (code, out, err) = cli_env(
            &sandbox,
            &["plan", "-f", &file, "--detailed-exitcode"],
            root,
            &vars,
        )
        .await;
        assert_eq!(
            code, 0,
            "plan after apply {file} must be clean\n{out}\n{err}"
        );
        sandbox.shutdown().await;
    }
}

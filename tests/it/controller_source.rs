//! The controller's manifest sources: local files and directories (revisions, listing, debounced
//! change detection) and Git branches served from a local bare repository over `file://`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use railway_operator::controller::source::{
    Snapshot, Source, SourceError, SourceSpec, parse_duration,
};
use tempfile::TempDir;

const WAIT_LIMIT: Duration = Duration::from_secs(10);

async fn open_path(path: &Path) -> Source {
    Source::open(SourceSpec::Path(path.to_path_buf()))
        .await
        .expect("path source opens")
}

async fn changed_within(source: &mut Source, known: &str) -> Snapshot {
    tokio::time::timeout(WAIT_LIMIT, source.changed(known))
        .await
        .expect("a change is reported in time")
        .expect("the change reads fine")
}

// ---------------------------------------------------------------- files

#[tokio::test]
async fn a_single_files_revision_changes_with_its_content_and_not_otherwise() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("app.yml");
    std::fs::write(&file, "kind: Project\n").unwrap();
    let mut source = open_path(&file).await;

    let first = source.current(false).await.unwrap();
    assert!(first.revision.starts_with("sha256:"));
    assert_eq!(first.revision.len(), "sha256:".len() + 12);
    assert_eq!(first.files, vec![file.clone()]);
    assert_eq!(source.current(false).await.unwrap(), first);

    std::fs::write(&file, "kind: Project\n").unwrap();
    assert_eq!(
        source.current(false).await.unwrap().revision,
        first.revision
    );

    std::fs::write(&file, "kind: Project\nmetadata: {}\n").unwrap();
    assert_ne!(
        source.current(false).await.unwrap().revision,
        first.revision
    );
}

#[tokio::test]
async fn a_directory_lists_only_its_yml_and_yaml_files_sorted() {
    let dir = TempDir::new().unwrap();
    for name in ["b.yaml", "a.yml", "c.txt", ".hidden.yml", "d.yml.bak"] {
        std::fs::write(dir.path().join(name), "x: 1\n").unwrap();
    }
    std::fs::create_dir(dir.path().join("nested.yml")).unwrap();
    std::fs::write(dir.path().join("nested.yml").join("e.yml"), "x: 1\n").unwrap();

    let mut source = open_path(dir.path()).await;
    let snapshot = source.current(false).await.unwrap();
    assert_eq!(
        snapshot.files,
        vec![dir.path().join("a.yml"), dir.path().join("b.yaml")]
    );
    assert!(snapshot.files.iter().all(|file| file.is_absolute()));
}

#[tokio::test]
async fn renaming_a_manifest_changes_the_directorys_revision() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("a.yml"), "x: 1\n").unwrap();
    let mut source = open_path(dir.path()).await;
    let before = source.current(false).await.unwrap();
    std::fs::rename(dir.path().join("a.yml"), dir.path().join("b.yml")).unwrap();
    assert_ne!(
        source.current(false).await.unwrap().revision,
        before.revision
    );
}

#[tokio::test]
async fn changed_returns_after_an_edit() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("app.yml");
    std::fs::write(&file, "replicas: 1\n").unwrap();
    let mut source = open_path(dir.path()).await;
    let known = source.current(false).await.unwrap();

    let writer_file = file.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        std::fs::write(writer_file, "replicas: 2\n").unwrap();
    });
    let changed = changed_within(&mut source, &known.revision).await;
    assert_ne!(changed.revision, known.revision);
    assert_eq!(changed, source.current(false).await.unwrap());
}

#[tokio::test]
async fn a_burst_of_writes_is_reported_once_after_it_settles() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("app.yml");
    std::fs::write(&file, "step: 0\n").unwrap();
    let mut source = open_path(&file).await;
    let known = source.current(false).await.unwrap();

    let writer_file = file.clone();
    let writer = tokio::spawn(async move {
        for step in 1..=8 {
            std::fs::write(&writer_file, format!("step: {step}\n")).unwrap();
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
    });
    let reported = changed_within(&mut source, &known.revision).await;
    writer.await.unwrap();

    let settled = source.current(false).await.unwrap();
    assert_eq!(reported, settled, "only the settled content is reported");
    let again = tokio::time::timeout(
        Duration::from_millis(1500),
        source.changed(&settled.revision),
    )
    .await;
    assert!(again.is_err(), "no second report for the same burst");
}

#[tokio::test]
async fn changed_can_be_cancelled_and_called_again() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("app.yml");
    std::fs::write(&file, "a: 1\n").unwrap();
    let mut source = open_path(&file).await;
    let known = source.current(false).await.unwrap();

    tokio::select! {
        _ = source.changed(&known.revision) => panic!("nothing changed"),
        _ = tokio::time::sleep(Duration::from_millis(700)) => {}
    }
    std::fs::write(&file, "a: 2\n").unwrap();
    let changed = changed_within(&mut source, &known.revision).await;
    assert_ne!(changed.revision, known.revision);
}

#[tokio::test]
async fn a_missing_path_is_an_error() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("nope.yml");
    let error = Source::open(SourceSpec::Path(missing.clone()))
        .await
        .err()
        .expect("a missing path fails");
    assert!(
        matches!(error, SourceError::PathNotFound { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("nope.yml"), "{error}");
}

#[tokio::test]
async fn a_directory_without_manifests_is_an_error() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hi").unwrap();
    let error = Source::open(SourceSpec::Path(dir.path().to_path_buf()))
        .await
        .err()
        .expect("an empty directory fails");
    assert!(
        matches!(error, SourceError::NoManifests { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn describe_of_a_path_source_is_the_path() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("a.yml"), "x: 1\n").unwrap();
    let source = open_path(dir.path()).await;
    assert_eq!(source.describe(), dir.path().display().to_string());
}

// ---------------------------------------------------------------- git

/// A bare repository (the "remote") and a work clone that commits and pushes to it.
struct Remote {
    root: TempDir,
    work: PathBuf,
    bare: PathBuf,
}

impl Remote {
    fn new() -> Remote {
        let root = TempDir::new().unwrap();
        let bare = root.path().join("remote.git");
        let work = root.path().join("work");
        git(
            root.path(),
            &["init", "--quiet", "--bare", bare.to_str().unwrap()],
        );
        git(root.path(), &["init", "--quiet", work.to_str().unwrap()]);
        git(&work, &["config", "user.name", "Source Test"]);
        git(&work, &["config", "user.email", "source-test@example.com"]);
        git(&work, &["config", "commit.gpgsign", "false"]);
        git(&work, &["checkout", "--quiet", "-b", "main"]);
        git(&work, &["remote", "add", "origin", bare.to_str().unwrap()]);
        let remote = Remote { root, work, bare };
        remote.commit("manifests/app.yml", "replicas: 1\n");
        remote
    }

    fn url(&self) -> String {
        format!("file://{}", self.bare.display())
    }

    /// Commits `content` at `relative` on main, pushes, and returns the commit SHA.
    fn commit(&self, relative: &str, content: &str) -> String {
        let path = self.work.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        git(&self.work, &["add", "--all"]);
        git(&self.work, &["commit", "--quiet", "-m", relative]);
        git(&self.work, &["push", "--quiet", "origin", "main"]);
        git(&self.work, &["rev-parse", "HEAD"])
    }

    fn spec(&self, url: String, branch: &str, path: &str, interval: Duration) -> SourceSpec {
        SourceSpec::Git {
            url,
            branch: branch.to_string(),
            path: PathBuf::from(path),
            interval,
            checkout_dir: self.root.path().join("checkout"),
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

async fn open_git(remote: &Remote, interval: Duration) -> Source {
    Source::open(remote.spec(remote.url(), "main", "manifests", interval))
        .await
        .expect("git source opens")
}

#[tokio::test]
async fn open_clones_the_branch_and_reports_the_commit_sha() {
    let remote = Remote::new();
    let head = git(&remote.work, &["rev-parse", "HEAD"]);
    let mut source = open_git(&remote, Duration::from_secs(60)).await;

    let snapshot = source.current(false).await.unwrap();
    assert_eq!(snapshot.revision, head);
    assert_eq!(snapshot.revision.len(), 40);
    let checkout = remote.root.path().join("checkout");
    assert_eq!(snapshot.files, vec![checkout.join("manifests/app.yml")]);
    assert_eq!(
        std::fs::read_to_string(&snapshot.files[0]).unwrap(),
        "replicas: 1\n"
    );
}

#[tokio::test]
async fn a_pushed_commit_is_picked_up_by_a_forced_current() {
    let remote = Remote::new();
    let mut source = open_git(&remote, Duration::from_secs(3600)).await;
    let before = source.current(false).await.unwrap();

    let pushed = remote.commit("manifests/app.yml", "replicas: 2\n");
    assert_eq!(
        source.current(false).await.unwrap().revision,
        before.revision,
        "no fetch before the interval"
    );
    let after = source.current(true).await.unwrap();
    assert_eq!(after.revision, pushed);
    assert_eq!(
        std::fs::read_to_string(&after.files[0]).unwrap(),
        "replicas: 2\n"
    );
}

#[tokio::test]
async fn a_pushed_commit_is_picked_up_by_changed() {
    let remote = Remote::new();
    let mut source = open_git(&remote, Duration::from_millis(200)).await;
    let before = source.current(false).await.unwrap();

    let pushed = remote.commit("manifests/db.yaml", "kind: Project\n");
    let changed = changed_within(&mut source, &before.revision).await;
    assert_eq!(changed.revision, pushed);
    assert_eq!(changed.files.len(), 2);
}

#[tokio::test]
async fn an_existing_checkout_of_the_same_url_is_reused() {
    let remote = Remote::new();
    drop(open_git(&remote, Duration::from_secs(60)).await);
    let pushed = remote.commit("manifests/app.yml", "replicas: 3\n");
    let mut reopened = open_git(&remote, Duration::from_secs(60)).await;
    assert_eq!(reopened.current(false).await.unwrap().revision, pushed);
}

#[tokio::test]
async fn a_checkout_directory_holding_something_else_is_refused() {
    let remote = Remote::new();
    let checkout = remote.root.path().join("checkout");
    std::fs::create_dir_all(&checkout).unwrap();
    std::fs::write(checkout.join("precious.txt"), "keep me").unwrap();
    let error =
        Source::open(remote.spec(remote.url(), "main", "manifests", Duration::from_secs(60)))
            .await
            .err()
            .expect("an occupied directory fails");
    assert!(
        matches!(error, SourceError::CheckoutDirInUse { .. }),
        "{error:?}"
    );
    assert!(checkout.join("precious.txt").exists());
}

#[tokio::test]
async fn an_unknown_branch_is_a_clear_error() {
    let remote = Remote::new();
    let error = Source::open(remote.spec(
        remote.url(),
        "no-such-branch",
        "manifests",
        Duration::from_secs(60),
    ))
    .await
    .err()
    .expect("an unknown branch fails");
    assert!(
        matches!(error, SourceError::UnknownBranch { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("no-such-branch"), "{message}");
    assert!(message.contains(&remote.url()), "{message}");
}

#[tokio::test]
async fn a_missing_path_inside_the_repository_is_a_clear_error() {
    let remote = Remote::new();
    let error = Source::open(remote.spec(
        remote.url(),
        "main",
        "deploy/manifests",
        Duration::from_secs(60),
    ))
    .await
    .err()
    .expect("a missing path fails");
    assert!(
        matches!(error, SourceError::PathMissingInRepo { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("deploy/manifests"), "{error}");
}

#[tokio::test]
async fn describe_strips_user_and_password_from_the_url() {
    let remote = Remote::new();
    let url = format!("file://user:secret@localhost{}", remote.bare.display());
    let source = Source::open(remote.spec(url, "main", "manifests", Duration::from_secs(60)))
        .await
        .expect("a URL with credentials is accepted");
    let described = source.describe();
    assert_eq!(
        described,
        format!("file://localhost{}@main:manifests", remote.bare.display())
    );
    assert!(!described.contains("secret"));
}

#[tokio::test]
async fn an_unreachable_repository_fails_without_showing_credentials() {
    let remote = Remote::new();
    let missing = remote.root.path().join("absent.git");
    let url = format!("file://user:secret@localhost{}", missing.display());
    let error = Source::open(remote.spec(url, "main", "manifests", Duration::from_secs(60)))
        .await
        .err()
        .expect("an unreachable repository fails");
    assert!(matches!(error, SourceError::Remote { .. }), "{error:?}");
    let message = error.to_string();
    assert!(!message.contains("secret"), "{message}");
    assert!(message.contains("absent.git"), "{message}");
}

#[tokio::test]
async fn a_path_escaping_the_repository_is_rejected() {
    let remote = Remote::new();
    let error =
        Source::open(remote.spec(remote.url(), "main", "../outside", Duration::from_secs(60)))
            .await
            .err()
            .expect("an escaping path fails");
    assert!(
        matches!(error, SourceError::InvalidSpec { .. }),
        "{error:?}"
    );
}

// ---------------------------------------------------------------- durations

#[test]
fn parse_duration_accepts_every_unit() {
    assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
    assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
    assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
    assert_eq!(parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
    assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
    assert_eq!(parse_duration(" 60s "), Ok(Duration::from_secs(60)));
}

#[test]
fn parse_duration_rejects_bad_inputs_with_a_clear_message() {
    for bad in [
        "",
        "60",
        "s",
        "1.5h",
        "-5s",
        "10x",
        "5 m",
        "1w",
        "99999999999999999999s",
        "300000000000d",
    ] {
        let error = parse_duration(bad).expect_err(bad);
        assert!(error.to_string().contains("duration"), "{bad:?}: {error}");
    }
    assert!(
        parse_duration("10x")
            .unwrap_err()
            .to_string()
            .contains("unknown unit")
    );
    assert!(
        parse_duration("60")
            .unwrap_err()
            .to_string()
            .contains("missing unit")
    );
}

#[tokio::test]
async fn a_branch_deleted_upstream_is_a_clear_error_on_the_next_fetch() {
    let remote = Remote::new();
    let mut source = open_git(&remote, Duration::from_secs(60)).await;
    git(
        &remote.work,
        &["push", "--quiet", "origin", "--delete", "main"],
    );
    let error = source.current(true).await.expect_err("the branch is gone");
    assert!(
        matches!(error, SourceError::UnknownBranch { .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains('\n'), "{error}");
}

#[tokio::test]
async fn a_git_path_may_name_a_single_manifest_file() {
    let remote = Remote::new();
    let spec = remote.spec(
        remote.url(),
        "main",
        "manifests/app.yml",
        Duration::from_secs(60),
    );
    let mut source = Source::open(spec).await.expect("a file path opens");
    let snapshot = source.current(false).await.unwrap();
    let checkout = remote.root.path().join("checkout");
    assert_eq!(snapshot.files, vec![checkout.join("manifests/app.yml")]);
}

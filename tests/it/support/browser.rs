//! A real headless Chromium for tests: finds the binary and dumps a page's DOM after load.
//! Tests that use it skip (loudly) when no Chromium is installed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

const CANDIDATES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];
const TIMEOUT: Duration = Duration::from_secs(60);

/// `/usr/bin/chromium` first, then the usual names on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| CANDIDATES.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Loads `url` headless and returns the serialized DOM; the browser is killed after 60 s.
pub async fn dump_dom(chromium: &Path, url: &str) -> Result<String, String> {
    let output = headless(chromium, url, &["--dump-dom".to_string()]).await?;
    Ok(String::from_utf8_lossy(&output).into_owned())
}

/// Loads `url` headless in a 1280 px wide window and writes a PNG of it to `png`.
pub async fn screenshot(chromium: &Path, url: &str, png: &Path) -> Result<(), String> {
    let args = [
        format!("--screenshot={}", png.display()),
        "--window-size=1280,1600".to_string(),
        "--hide-scrollbars".to_string(),
    ];
    headless(chromium, url, &args).await.map(|_| ())
}

/// Runs Chromium headless on `url` with `extra` arguments; returns its stdout.
async fn headless(chromium: &Path, url: &str, extra: &[String]) -> Result<Vec<u8>, String> {
    let profile = tempfile::tempdir().map_err(|error| format!("no temp dir: {error}"))?;
    let child = tokio::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| format!("cannot start {}: {error}", chromium.display()))?;
    let output = tokio::time::timeout(TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| format!("{} did not finish within {TIMEOUT:?}", chromium.display()))?
        .map_err(|error| format!("{} failed: {error}", chromium.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} exited with {}: {}",
            chromium.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(output.stdout)
}

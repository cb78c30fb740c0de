//! Runs the `git` command line for one remote: a non-interactive environment, the optional
//! token passed through Git's environment config (never argv), a time limit, and stderr scrubbed
//! of credentials. It must not interpret what a command's failure means.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use super::super::redact::{scrub, strip_credentials};

/// The environment variable holding a token for private HTTPS repositories.
pub const TOKEN_ENV: &str = "RAILWAY_OPERATOR_GIT_TOKEN";

/// How a git invocation failed, before the caller says what that means.
#[derive(Debug)]
pub enum GitFailure {
    Spawn(std::io::Error),
    Exited { stderr: String },
    TimedOut(Duration),
}

/// Everything needed to talk to one remote; cheap to clone into a background task.
#[derive(Clone)]
pub struct GitRunner {
    url: String,
    token: Option<String>,
}

impl GitRunner {
    pub fn new(url: &str, token: Option<String>) -> GitRunner {
        GitRunner {
            url: url.to_string(),
            token: token.filter(|token| !token.is_empty()),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL as it may be shown.
    pub fn public_url(&self) -> String {
        strip_credentials(&self.url)
    }

    /// Runs `git args...` in `dir` and returns its trimmed stdout.
    pub async fn run(
        &self,
        dir: &Path,
        args: &[&str],
        limit: Duration,
    ) -> Result<String, GitFailure> {
        if !dir.is_dir() {
            return Err(GitFailure::Exited {
                stderr: format!("directory {} does not exist", dir.display()),
            });
        }
        let mut command = Command::new("git");
        command
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C")
            .env("LANGUAGE", "");
        if std::env::var_os("GIT_SSH_COMMAND").is_none() {
            command.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        }
        if let Some(header) = self.auth_header() {
            add_env_config(&mut command, "http.extraHeader", &header);
        }
        let output = match tokio::time::timeout(limit, command.output()).await {
            Ok(Ok(output)) => output,
            Ok(Err(error)) => return Err(GitFailure::Spawn(error)),
            Err(_) => return Err(GitFailure::TimedOut(limit)),
        };
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
        } else {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let mut cleaned = one_line(&self.scrub(&stderr));
            if cleaned.is_empty() {
                cleaned = format!("git exited with {}", output.status);
            }
            Err(GitFailure::Exited { stderr: cleaned })
        }
    }

    /// `text` without this runner's token (plain or encoded) or any URL credentials.
    pub fn scrub(&self, text: &str) -> String {
        match (&self.token, self.encoded_credentials()) {
            (Some(token), Some(encoded)) => scrub(text, &[encoded.as_str(), token.as_str()]),
            _ => scrub(text, &[]),
        }
    }

    fn auth_header(&self) -> Option<String> {
        self.encoded_credentials()
            .map(|encoded| format!("Authorization: Basic {encoded}"))
    }

    /// Only HTTPS remotes get the token: a plain-HTTP or SSH remote must never see it.
    fn encoded_credentials(&self) -> Option<String> {
        let token = self.token.as_ref()?;
        if !self.url.to_ascii_lowercase().starts_with("https://") {
            return None;
        }
        Some(base64_encode(format!("x-access-token:{token}").as_bytes()))
    }
}

/// Git's `GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n` are `-c` without putting the value in argv, where
/// any process listing could read it. Existing entries from the caller's environment are kept.
fn add_env_config(command: &mut Command, key: &str, value: &str) {
    let existing = std::env::var("GIT_CONFIG_COUNT")
        .ok()
        .and_then(|count| count.trim().parse::<usize>().ok())
        .unwrap_or(0);
    command
        .env("GIT_CONFIG_COUNT", (existing + 1).to_string())
        .env(format!("GIT_CONFIG_KEY_{existing}"), key)
        .env(format!("GIT_CONFIG_VALUE_{existing}"), value);
}

/// Git's multi-line stderr as one line, so a log record stays one line.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let triple = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let sextet = |shift: u32| char::from(ALPHABET[((triple >> shift) & 0x3f) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(
            base64_encode(b"x-access-token:abc"),
            "eC1hY2Nlc3MtdG9rZW46YWJj"
        );
    }

    #[test]
    fn the_token_is_sent_only_to_https_remotes_and_scrubbed_from_output() {
        let https = GitRunner::new("https://github.com/o/r.git", Some("tok123".into()));
        let header = https.auth_header().unwrap();
        assert!(header.starts_with("Authorization: Basic "));
        assert_eq!(
            https.scrub(&format!("sent {header} with tok123")),
            "sent Authorization: Basic *** with ***"
        );
        let plain = GitRunner::new("http://example.com/r.git", Some("tok123".into()));
        assert!(plain.auth_header().is_none());
    }

    #[tokio::test]
    async fn git_sees_the_header_through_its_environment_not_argv() {
        let runner = GitRunner::new("https://github.com/o/r.git", Some("tok123".into()));
        let dir = std::env::temp_dir();
        let seen = runner
            .run(
                &dir,
                &["config", "--get", "http.extraHeader"],
                Duration::from_secs(30),
            )
            .await
            .unwrap();
        assert_eq!(seen, runner.auth_header().unwrap());
    }
}

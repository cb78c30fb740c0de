//! A real PostgreSQL for one test: `initdb` into a temporary folder and `pg_ctl` on a free
//! loopback port (as the `postgres` user when the tests run as root), stopped when dropped.
//! `None` from [`Postgres::start`] means PostgreSQL is not installed: the caller says SKIPPED.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Postgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    /// Set when the tests run as root: the server runs as this user.
    run_as: Option<String>,
    /// `ssl = on` with the data folder's server.crt and server.key.
    ssl: bool,
}

/// A server certificate and its key, in PEM, for [`Postgres::start_with_tls`].
pub struct ServerTls<'a> {
    pub cert: &'a std::path::Path,
    pub key: &'a std::path::Path,
}

/// Where Debian puts the server binaries, else whatever `initdb` is on the PATH.
fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
        .collect();
    versions.sort();
    if let Some(newest) = versions.pop() {
        return Some(newest);
    }
    let found = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
    (!path.is_empty())
        .then(|| Path::new(&path).parent().map(Path::to_path_buf))
        .flatten()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Postgres {
    /// Creates and starts a fresh cluster; `None` (after printing SKIPPED) without PostgreSQL.
    pub fn start(test: &str) -> Option<Postgres> {
        Self::start_with(test, None)
    }

    /// Like [`Postgres::start`], with `ssl = on` and this certificate (copied into the data
    /// folder, owned by the server's user, mode 0600 as PostgreSQL demands).
    pub fn start_with_tls(test: &str, tls: ServerTls<'_>) -> Option<Postgres> {
        Self::start_with(test, Some(tls))
    }

    fn start_with(test: &str, tls: Option<ServerTls<'_>>) -> Option<Postgres> {
        let Some(bin) = server_bin() else {
            eprintln!(
                "SKIPPED {test}: PostgreSQL's initdb and pg_ctl are not installed (.ci/run installs Debian's postgresql)"
            );
            return None;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let run_as = is_root().then(|| "postgres".to_string());
        if run_as.is_some() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown runs");
            assert!(status.success(), "chown of the data folder failed");
        }
        let postgres = Postgres {
            bin,
            dir,
            port: free_port(),
            run_as,
            ssl: tls.is_some(),
        };
        let data = postgres.data();
        let initdb = postgres.server_command(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        assert!(initdb.status.success(), "initdb failed: {}", text(&initdb));
        if let Some(tls) = tls {
            postgres.install_certificate(&tls);
        }
        postgres.start_server();
        Some(postgres)
    }

    fn install_certificate(&self, tls: &ServerTls<'_>) {
        use std::os::unix::fs::PermissionsExt;
        let data = self.dir.path().join("data");
        for (from, name) in [(tls.cert, "server.crt"), (tls.key, "server.key")] {
            let to = data.join(name);
            std::fs::copy(from, &to).expect("copy the certificate");
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                .expect("chmod 0600");
            if let Some(user) = &self.run_as {
                let status = Command::new("chown")
                    .arg(format!("{user}:{user}"))
                    .arg(&to)
                    .status()
                    .expect("chown runs");
                assert!(status.success(), "chown of {name} failed");
            }
        }
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn server_command(&self, program: &str, args: &[&str]) -> Output {
        let program = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&program);
                c
            }
            None => Command::new(&program),
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("PostgreSQL's tools run")
    }

    /// Starts the server on its port (again, after [`Postgres::stop`]).
    pub fn start_server(&self) {
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50",
            self.port,
            self.dir.path().display()
        );
        if self.ssl {
            options.push_str(" -c ssl=on");
        }
        let log = self.dir.path().join("server.log").display().to_string();
        let started = self.server_command(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
        assert!(
            started.status.success(),
            "pg_ctl start failed: {}\n{}",
            text(&started),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Stops the server, ending every session.
    pub fn stop(&self) {
        let stopped =
            self.server_command("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
        assert!(
            stopped.status.success(),
            "pg_ctl stop failed: {}",
            text(&stopped)
        );
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs one statement as the superuser and returns the first column of every row as text.
    pub async fn query(&self, sql: &str) -> Vec<String> {
        let (client, connection) = tokio_postgres::connect(&self.url(), tokio_postgres::NoTls)
            .await
            .expect("admin connection");
        let task = tokio::spawn(connection);
        let rows = client.simple_query(sql).await.expect("admin query");
        drop(client);
        let _ = task.await;
        rows.into_iter()
            .filter_map(|message| match message {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
                _ => None,
            })
            .collect()
    }

    /// Ends the lock session of replica `instance` (`pg_terminate_backend`); how many ended.
    pub async fn terminate(&self, instance: &str) -> usize {
        let sql = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = 'railway-operator/{instance}'"
        );
        self.query(&sql).await.iter().filter(|v| *v == "t").count()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.server_command("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

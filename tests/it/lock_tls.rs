//! TLS to the lock database on a real PostgreSQL with `ssl = on` and a certificate made at test
//! time with the `openssl` command: `verify-full` connects with the right root and host name and
//! refuses, with a sentence saying what to change, a wrong host name or an unknown CA;
//! `verify-ca`, `require`, `prefer` and `disable` do what libpq's modes do.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use railway_operator::lease::LeaseStore;
use support::postgres::{Postgres, ServerTls};

/// A root, a server certificate for `localhost` signed by it, and an unrelated root.
struct Certificates {
    dir: tempfile::TempDir,
}

impl Certificates {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn make_root(dir: &Path, name: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.crt"),
            "-days",
            "2",
            "-subj",
            &format!("/CN={name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// `None` (after SKIPPED) when the `openssl` command is missing.
fn certificates(test: &str) -> Option<Certificates> {
    if Command::new("openssl").arg("version").output().is_err() {
        eprintln!("SKIPPED {test}: the openssl command is not installed (Debian's openssl)");
        return None;
    }
    let certificates = Certificates {
        dir: tempfile::tempdir().expect("tempdir"),
    };
    let dir = certificates.dir.path();
    make_root(dir, "root");
    make_root(dir, "stranger");
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write the extensions");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "root.crt",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
    Some(certificates)
}

/// Connects one lock session with `query` appended to the URL for `host`; the error's text.
async fn connect(postgres: &Postgres, host: &str, query: &str, id: &str) -> Result<(), String> {
    let url = format!(
        "postgres://postgres@{host}:{}/postgres?{query}",
        postgres.port()
    );
    let store = LeaseStore::new(&url, id, "tls").map_err(|e| e.to_string())?;
    let connected = store.connect().await.map_err(|e| e.to_string());
    if connected.is_ok() {
        let ssl = postgres
            .query(&format!(
                "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
                 WHERE a.application_name = 'railway-operator/{id}'"
            ))
            .await;
        eprintln!("{id}: connected, ssl = {ssl:?}");
        store.close();
        let expected = if query.contains("sslmode=disable") {
            "f"
        } else {
            "t"
        };
        assert_eq!(
            ssl,
            vec![expected.to_string()],
            "{id}: TLS as its sslmode says"
        );
    }
    connected
}

#[tokio::test]
async fn verify_full_connects_with_the_right_root_and_host_and_refuses_a_wrong_host_or_unknown_ca()
{
    let test = "verify_full_connects_with_the_right_root_and_host";
    let Some(certificates) = certificates(test) else {
        return;
    };
    let (cert, key) = (
        certificates.path("server.crt"),
        certificates.path("server.key"),
    );
    let Some(postgres) = Postgres::start_with_tls(
        test,
        ServerTls {
            cert: &cert,
            key: &key,
        },
    ) else {
        return;
    };
    let root = certificates.path("root.crt").display().to_string();
    let stranger = certificates.path("stranger.crt").display().to_string();

    let full = format!("sslmode=verify-full&sslrootcert={root}");
    connect(&postgres, "localhost", &full, "full")
        .await
        .expect("verify-full, right host");

    let wrong_host = connect(&postgres, "127.0.0.1", &full, "wrong-host").await;
    let error = wrong_host.expect_err("the certificate names localhost, not 127.0.0.1");
    eprintln!("wrong host: {error}");
    assert!(
        error.contains("is for localhost but the lock URL names 127.0.0.1"),
        "{error}"
    );
    assert!(error.contains("sslmode=verify-ca"), "{error}");

    let unknown = format!("sslmode=verify-full&sslrootcert={stranger}");
    let error = connect(&postgres, "localhost", &unknown, "unknown-ca")
        .await
        .expect_err("a root that did not sign the certificate");
    eprintln!("unknown CA: {error}");
    assert!(error.contains("not signed by a trusted root"), "{error}");
    assert!(error.contains("sslrootcert="), "{error}");

    let error = connect(
        &postgres,
        "localhost",
        "sslmode=verify-full",
        "built-in-roots",
    )
    .await
    .expect_err("the built-in roots do not hold a test root");
    assert!(error.contains("not signed by a trusted root"), "{error}");

    let ca = format!("sslmode=verify-ca&sslrootcert={root}");
    connect(&postgres, "127.0.0.1", &ca, "ca")
        .await
        .expect("verify-ca ignores the name");
    connect(&postgres, "127.0.0.1", "sslmode=require", "require")
        .await
        .expect("require");
    connect(&postgres, "127.0.0.1", "sslmode=prefer", "prefer")
        .await
        .expect("prefer");
    connect(&postgres, "127.0.0.1", "sslmode=disable", "disable")
        .await
        .expect("disable");
}

#[tokio::test]
async fn sslmode_require_against_a_server_without_tls_fails_and_prefer_falls_back_to_plain() {
    let Some(postgres) = Postgres::start("sslmode_require_against_a_server_without_tls") else {
        return;
    };
    let error = connect(&postgres, "127.0.0.1", "sslmode=require", "plain-require")
        .await
        .expect_err("the server speaks no TLS");
    eprintln!("require without TLS: {error}");
    assert!(error.contains("TLS"), "{error}");
    let url = format!("{}?sslmode=prefer", postgres.url());
    let store = LeaseStore::new(&url, "plain-prefer", "tls").expect("url");
    store.connect().await.expect("prefer falls back to plain");
}

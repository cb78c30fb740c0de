//! How the lock connection speaks TLS, with libpq's meaning of `sslmode` and `sslrootcert`:
//! `disable` never, `prefer` when the server offers it, `require` always (unverified, as libpq,
//! unless `sslrootcert` names a root), `verify-ca` with a certificate signed by a trusted root,
//! `verify-full` with that and the host's name on it. Reads the URL's TLS parameters and builds
//! the rustls connector; never connects and never sees the password.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use super::LeaseError;

/// libpq's `sslmode` values (`allow` counts as `prefer`: the operator never needs plain first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl TlsMode {
    fn parse(value: &str) -> Result<TlsMode, LeaseError> {
        match value {
            "disable" => Ok(TlsMode::Disable),
            "allow" | "prefer" => Ok(TlsMode::Prefer),
            "require" => Ok(TlsMode::Require),
            "verify-ca" => Ok(TlsMode::VerifyCa),
            "verify-full" => Ok(TlsMode::VerifyFull),
            other => Err(LeaseError::InvalidUrl(format!(
                "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
            ))),
        }
    }

    /// What the driver itself is told: it knows only whether TLS is off, tried or required.
    pub fn driver_mode(self) -> SslMode {
        match self {
            TlsMode::Disable => SslMode::Disable,
            TlsMode::Prefer => SslMode::Prefer,
            TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => SslMode::Require,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TlsMode::Disable => "disable",
            TlsMode::Prefer => "prefer",
            TlsMode::Require => "require",
            TlsMode::VerifyCa => "verify-ca",
            TlsMode::VerifyFull => "verify-full",
        }
    }
}

/// The lock URL's TLS parameters, taken out of the URL the driver parses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsParams {
    pub mode: TlsMode,
    /// `sslrootcert`: a PEM file of trusted roots, or `system` for the built-in roots.
    pub root_cert: Option<String>,
}

/// Splits `sslmode` and `sslrootcert` out of a lock URL (`postgres://…?…` or libpq's
/// `key=value` form): the rest goes to the driver, which knows neither `verify-*` nor roots.
///
/// # Errors
/// [`LeaseError::InvalidUrl`] for an `sslmode` libpq does not know.
pub fn split_url(url: &str) -> Result<(String, TlsParams), LeaseError> {
    let mut params = TlsParams {
        mode: TlsMode::Prefer,
        root_cert: None,
    };
    let mut take = |key: &str, value: &str| -> Result<bool, LeaseError> {
        match key {
            "sslmode" => params.mode = TlsMode::parse(&percent_decode(value))?,
            "sslrootcert" => params.root_cert = Some(percent_decode(value)),
            _ => return Ok(false),
        }
        Ok(true)
    };
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !take(key, value)? {
                kept.push(pair);
            }
        }
        match kept.is_empty() {
            true => base.to_string(),
            false => format!("{base}?{}", kept.join("&")),
        }
    } else {
        let mut kept = Vec::new();
        for word in url.split_whitespace() {
            let (key, value) = word.split_once('=').unwrap_or((word, ""));
            if !take(key.trim(), value.trim())? {
                kept.push(word);
            }
        }
        kept.join(" ")
    };
    Ok((rest, params))
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The rustls connector for these parameters; reads `sslrootcert` now, so a bad file fails at
/// start, not at the first connection.
///
/// # Errors
/// [`LeaseError::InvalidUrl`] when `sslrootcert` cannot be read or holds no certificate.
pub fn connector(params: &TlsParams) -> Result<MakeRustlsConnect, LeaseError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match (params.mode, &params.root_cert) {
        (TlsMode::Disable | TlsMode::Prefer, _) | (TlsMode::Require, None) => {
            Arc::new(Unverified(provider.clone()))
        }
        (TlsMode::Require | TlsMode::VerifyCa, root) => Arc::new(ChainOnly(webpki(
            roots(root.as_deref())?,
            provider.clone(),
        )?)),
        (TlsMode::VerifyFull, root) => webpki(roots(root.as_deref())?, provider.clone())?,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| LeaseError::InvalidUrl(format!("TLS set-up failed: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

fn roots(root_cert: Option<&str>) -> Result<RootCertStore, LeaseError> {
    let mut store = RootCertStore::empty();
    let path = match root_cert {
        None | Some("system") => {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            return Ok(store);
        }
        Some(path) => path,
    };
    let unreadable =
        |why: String| LeaseError::InvalidUrl(format!("sslrootcert={path} cannot be used: {why}"));
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| unreadable(e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| unreadable(e.to_string()))?;
    if certificates.is_empty() {
        return Err(unreadable("it holds no PEM certificate".to_string()));
    }
    let (added, _) = store.add_parsable_certificates(certificates);
    if added == 0 {
        return Err(unreadable("none of its certificates parses".to_string()));
    }
    Ok(store)
}

fn webpki(
    roots: RootCertStore,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, LeaseError> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| LeaseError::InvalidUrl(format!("TLS set-up failed: {e}")))
}

/// `verify-ca`: the chain must lead to a trusted root; the host name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict =
            self.0
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        match verdict {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require` without a root: encrypted, the certificate not checked (libpq's
/// meaning); the handshake's signatures are still verified.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A sentence for a failed TLS handshake, with what to change; `None` when the error is not a
/// certificate the operator refused.
pub fn explain(error: &tokio_postgres::Error, mode: TlsMode) -> Option<String> {
    let io = std::error::Error::source(error)?.downcast_ref::<std::io::Error>()?;
    let tls = io.get_ref()?.downcast_ref::<rustls::Error>()?;
    let rustls::Error::InvalidCertificate(problem) = tls else {
        return Some(format!("the TLS handshake failed: {tls}"));
    };
    let mode = mode.name();
    Some(match problem {
        CertificateError::NotValidForName => format!(
            "the server's certificate does not name the host in the lock URL (sslmode={mode} \
             checks it): connect by a name the certificate carries, or use sslmode=verify-ca"
        ),
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "the server's certificate is for {} but the lock URL names {} (sslmode={mode} checks \
             the host name): connect by a name the certificate carries, or use sslmode=verify-ca",
            presented
                .iter()
                .map(|n| bare_name(n))
                .collect::<Vec<_>>()
                .join(", "),
            expected.to_str()
        ),
        CertificateError::UnknownIssuer => format!(
            "the server's certificate is not signed by a trusted root (sslmode={mode}): give the \
             CA's certificate with sslrootcert=/path/to/root.crt in the lock URL"
        ),
        other => format!("the server's certificate was refused (sslmode={mode}): {other}"),
    })
}

/// `DnsName("db.example")` (rustls' way of listing a certificate's names) as `db.example`.
fn bare_name(presented: &str) -> &str {
    presented
        .split_once('(')
        .and_then(|(_, inner)| inner.strip_suffix(')'))
        .map_or(presented, |inner| inner.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_full_and_its_root_are_taken_out_of_the_url_the_driver_reads() {
        let (rest, params) = split_url(
            "postgres://u:p@db:5432/x?sslmode=verify-full&application_name=a&sslrootcert=%2Fetc%2Fca.crt",
        )
        .expect("valid");
        assert_eq!(rest, "postgres://u:p@db:5432/x?application_name=a");
        assert_eq!(params.mode, TlsMode::VerifyFull);
        assert_eq!(params.root_cert.as_deref(), Some("/etc/ca.crt"));
        assert_eq!(params.mode.driver_mode(), SslMode::Require);
    }

    #[test]
    fn the_key_value_form_and_the_default_mode_are_read_like_libpq() {
        let (rest, params) = split_url("host=db user=u sslmode=verify-ca dbname=x").expect("valid");
        assert_eq!(rest, "host=db user=u dbname=x");
        assert_eq!(params.mode, TlsMode::VerifyCa);
        let (rest, params) = split_url("postgres://u@db/x").expect("valid");
        assert_eq!(rest, "postgres://u@db/x");
        assert_eq!(params.mode, TlsMode::Prefer);
    }

    #[test]
    fn an_unknown_sslmode_is_refused_with_the_values_libpq_knows() {
        let error = split_url("postgres://u:hunter2@db/x?sslmode=strict")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("sslmode=strict"), "{error}");
        assert!(error.contains("verify-full"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn a_root_file_that_is_missing_or_empty_fails_at_start_naming_the_file() {
        let params = TlsParams {
            mode: TlsMode::VerifyFull,
            root_cert: Some("/nonexistent/root.crt".to_string()),
        };
        let error = connector(&params).err().map(|e| e.to_string());
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("sslrootcert=/nonexistent/root.crt")),
            "{error:?}"
        );
        let empty = tempfile::NamedTempFile::new().expect("temp file");
        let params = TlsParams {
            mode: TlsMode::VerifyCa,
            root_cert: Some(empty.path().display().to_string()),
        };
        let error = connector(&params).err().map(|e| e.to_string());
        assert!(
            error.as_deref().is_some_and(|e| e.contains("no PEM")),
            "{error:?}"
        );
    }

    #[test]
    fn verify_full_without_a_root_file_uses_the_built_in_roots() {
        let params = TlsParams {
            mode: TlsMode::VerifyFull,
            root_cert: None,
        };
        assert!(connector(&params).is_ok());
    }
}

//! Hostname and subdomain rules for `domains`: what Railway and DNS accept as a custom domain or
//! a pinned `*.up.railway.app` label. Pure checks on lowercase text; reports nothing itself.

/// The suffix of Railway's generated domains.
pub const RAILWAY_SUFFIX: &str = ".up.railway.app";
const MAX_HOSTNAME_CHARS: usize = 253;
const MAX_LABEL_CHARS: usize = 63;

/// Why a hostname or subdomain was rejected: what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub problem: &'static str,
    pub hint: &'static str,
}

const LABEL_HINT: &str =
    "each dot-separated label is 1 to 63 of a-z, 0-9 and `-`, not starting or ending with `-`";

/// Checks a custom domain (already lowercased).
pub fn check_hostname(host: &str) -> Result<(), Rejection> {
    let bare_hint = "write the bare hostname, e.g. `api.example.com`";
    if host.contains("://") {
        return Err(Rejection {
            problem: "must not include a scheme",
            hint: bare_hint,
        });
    }
    if host.contains('/') {
        return Err(Rejection {
            problem: "must not include a path",
            hint: bare_hint,
        });
    }
    if host.contains(':') {
        return Err(Rejection {
            problem: "must not include a port",
            hint: "write `custom: { domain: HOST, port: PORT }` to pick the port",
        });
    }
    if host.contains('*') {
        return Err(Rejection {
            problem: "must not be a wildcard",
            hint: "list each hostname as its own `custom:` domain",
        });
    }
    if host.ends_with(RAILWAY_SUFFIX) || host == &RAILWAY_SUFFIX[1..] {
        return Err(Rejection {
            problem: "is a Railway-generated domain, not a custom domain",
            hint: "write `railway: { subdomain: LABEL }` to pin a `*.up.railway.app` name",
        });
    }
    if host.chars().count() > MAX_HOSTNAME_CHARS {
        return Err(Rejection {
            problem: "is longer than 253 characters",
            hint: bare_hint,
        });
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return Err(Rejection {
            problem: "needs at least two labels",
            hint: "write a full hostname such as `example.com` or `api.example.com`",
        });
    }
    if !labels.iter().all(|label| is_label(label)) {
        return Err(Rejection {
            problem: "is not a valid hostname",
            hint: LABEL_HINT,
        });
    }
    Ok(())
}

/// Checks a pinned subdomain of `up.railway.app` (already lowercased).
pub fn check_subdomain(label: &str) -> Result<(), Rejection> {
    if is_label(label) {
        return Ok(());
    }
    if label.contains('.') {
        return Err(Rejection {
            problem: "must be a single label",
            hint: "write only the first label, e.g. `subdomain: my-api` for my-api.up.railway.app",
        });
    }
    Err(Rejection {
        problem: "is not a valid subdomain",
        hint: "a subdomain is 1 to 63 of a-z, 0-9 and `-`, not starting or ending with `-`",
    })
}

fn is_label(label: &str) -> bool {
    (1..=MAX_LABEL_CHARS).contains(&label.len())
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_hostnames_are_accepted() {
        for host in ["example.com", "api.blackroad.systems", "a-1.b2.io"] {
            assert_eq!(check_hostname(host), Ok(()), "{host}");
        }
    }

    #[test]
    fn malformed_hostnames_are_rejected() {
        for host in [
            "https://example.com",
            "example.com/path",
            "example.com:443",
            "*.example.com",
            "localhost",
            "-bad.example.com",
            "bad-.example.com",
            "under_score.example.com",
            "example.com.",
            "x.up.railway.app",
        ] {
            assert!(check_hostname(host).is_err(), "{host}");
        }
        let long = format!("{}.com", vec!["a".repeat(60); 5].join("."));
        assert!(check_hostname(&long).is_err());
        let long_label = format!("{}.com", "a".repeat(64));
        assert!(check_hostname(&long_label).is_err());
    }

    #[test]
    fn subdomains_are_one_label() {
        assert_eq!(check_subdomain("blackroad-api"), Ok(()));
        assert!(check_subdomain("a.b").is_err());
        assert!(check_subdomain("").is_err());
        assert!(check_subdomain("-x").is_err());
    }
}

//! Typed errors of the Railway client, classified the way a reconciler must act on them.
//! Messages carry Railway's own text and the operation name, never request variables (they can hold secrets).

use std::time::Duration;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// HTTP 429 (or a Railway throttle message); the request was not processed.
    #[error("{operation}: rate limited by Railway{}", retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        operation: &'static str,
        retry_after: Option<Duration>,
    },
    /// The token is missing, invalid, or lacks access (Railway answers both the same way).
    #[error("{operation}: not authorized: {message}")]
    Unauthorized {
        operation: &'static str,
        message: String,
    },
    #[error("{operation}: not found: {message}")]
    NotFound {
        operation: &'static str,
        message: String,
    },
    #[error("{operation}: already exists: {message}")]
    AlreadyExists {
        operation: &'static str,
        message: String,
    },
    /// Worth retrying: 5xx, non-JSON body, connection failure, timeout, "please try again".
    /// `maybe_applied` is true when the server may have processed the request before failing.
    #[error("{operation}: transient failure: {message}")]
    Transient {
        operation: &'static str,
        message: String,
        maybe_applied: bool,
    },
    /// Anything else Railway rejected: retrying would not help.
    #[error("{operation}: {message}")]
    Terminal {
        operation: &'static str,
        message: String,
    },
    /// R27: a variable that is not sealed came back without a value from a decrypted read: the
    /// token cannot decrypt this environment's variables. Never taken for "sealed" (which would
    /// hide drift) nor for "absent"; the snapshot stops.
    #[error(
        "{}: the token cannot decrypt this environment's variables (R27); use a token with access to them",
        undecryptable(.environment, .service.as_deref(), .variable)
    )]
    CannotDecrypt {
        environment: String,
        /// The service's name; `None` for a shared variable.
        service: Option<String>,
        variable: String,
    },
    /// The write was not sent: this replica no longer holds the project's lease (its lock
    /// connection is gone), so another replica may be writing.
    #[error("{operation}: not sent: {message}")]
    Fenced {
        operation: &'static str,
        message: String,
    },
}

/// `variable PORT of service api in environment production has no value although it is not sealed`.
fn undecryptable(environment: &str, service: Option<&str>, variable: &str) -> String {
    let scope = match service {
        Some(service) => format!("variable {variable} of service {service}"),
        None => format!("shared variable {variable}"),
    };
    format!("{scope} in environment {environment} has no value although it is not sealed")
}

impl Error {
    /// Whether sending the same request again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::RateLimited { .. } | Error::Transient { .. })
    }

    /// Whether the server may have carried out the request although the client saw a failure.
    pub fn maybe_applied(&self) -> bool {
        matches!(
            self,
            Error::Transient {
                maybe_applied: true,
                ..
            }
        )
    }

    pub fn operation(&self) -> &'static str {
        match self {
            Error::RateLimited { operation, .. }
            | Error::Unauthorized { operation, .. }
            | Error::NotFound { operation, .. }
            | Error::AlreadyExists { operation, .. }
            | Error::Transient { operation, .. }
            | Error::Terminal { operation, .. }
            | Error::Fenced { operation, .. } => operation,
            Error::CannotDecrypt { .. } => "ProjectSnapshot",
        }
    }
}

/// How long to wait after Railway's environment or project creation cooldown (R4, R36): its 30 s
/// window plus a second.
pub const CREATION_COOLDOWN_WAIT: Duration = Duration::from_secs(31);

/// Railway's creation-throttle texts (R4, R36); volume throttles say "too quickly" too, but a
/// volume's window is seconds, so they keep the ordinary rate-limit back-off.
fn is_creation_cooldown(lower: &str) -> bool {
    lower.contains("only one environment")
        || lower.contains("creating environments too quickly")
        || lower.contains("creating projects too quickly")
}

/// Classifies one GraphQL error message. Railway reuses INTERNAL_SERVER_ERROR for domain errors,
/// so the message decides; the code only settles authentication.
pub fn classify_graphql_error(operation: &'static str, message: &str, code: Option<&str>) -> Error {
    let lower = message.to_ascii_lowercase();
    let message = message.to_string();
    if code == Some("UNAUTHENTICATED")
        || code == Some("FORBIDDEN")
        || lower.contains("not authorized")
    {
        Error::Unauthorized { operation, message }
    } else if is_creation_cooldown(&lower) {
        // R4, R36: Railway allows one environment (and one project) per 30 s; waiting it out works.
        Error::RateLimited {
            operation,
            retry_after: Some(CREATION_COOLDOWN_WAIT),
        }
    } else if lower.contains("too quickly")
        || lower.contains("rate limit")
        || code == Some("RATE_LIMITED")
    {
        Error::RateLimited {
            operation,
            retry_after: None,
        }
    } else if lower.contains("not found") {
        Error::NotFound { operation, message }
    } else if lower.contains("already exists")
        || lower.contains("already in use")
        || lower.contains("already taken")
    {
        Error::AlreadyExists { operation, message }
    } else if lower.contains("cannot redeploy yet") {
        // R38: the previous deployment is still building; nothing was done, so resending is safe.
        Error::Transient {
            operation,
            message,
            maybe_applied: false,
        }
    } else if lower.contains("please try again")
        || lower.contains("problem processing request")
        || lower.contains("operation is already in progress")
    {
        Error::Transient {
            operation,
            message,
            maybe_applied: true,
        }
    } else {
        Error::Terminal { operation, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn railway_domain_errors_are_classified_by_message() {
        let dup = classify_graphql_error(
            "ServiceCreate",
            "A service named \"api\" already exists in this project",
            Some("INTERNAL_SERVER_ERROR"),
        );
        assert!(matches!(dup, Error::AlreadyExists { .. }));
        assert!(matches!(
            classify_graphql_error("X", "Project not found", None),
            Error::NotFound { .. }
        ));
        assert!(matches!(
            classify_graphql_error("X", "Not Authorized", Some("UNAUTHENTICATED")),
            Error::Unauthorized { .. }
        ));
        let again = classify_graphql_error(
            "X",
            "Failed to create service domain, please try again",
            None,
        );
        assert!(again.is_retryable() && again.maybe_applied());
        assert!(classify_graphql_error("X", "Problem processing request", None).is_retryable());
        assert!(matches!(
            classify_graphql_error("X", "creating projects too quickly", None),
            Error::RateLimited { .. }
        ));
        assert!(
            !classify_graphql_error("X", "Invalid project name", Some("BAD_USER_INPUT"))
                .is_retryable()
        );
    }

    #[test]
    fn r38_cannot_redeploy_yet_is_transient_and_safe_to_send_again() {
        let error = classify_graphql_error(
            "ServiceInstanceDeployV2",
            "Cannot redeploy yet, please wait for the original deployment to finish building",
            Some("INTERNAL_SERVER_ERROR"),
        );
        assert!(error.is_retryable() && !error.maybe_applied(), "{error:?}");
    }

    #[test]
    fn r4_railways_creation_cooldowns_wait_out_the_thirty_second_window() {
        for text in [
            "Whoa there pal! Only one environment can be created per user every 30s. Try again in a sec",
            "You are creating projects too quickly. This workspace allows 1 project per 30 seconds. Try again shortly.",
        ] {
            let error = classify_graphql_error("X", text, Some("INTERNAL_SERVER_ERROR"));
            assert!(
                matches!(error, Error::RateLimited { retry_after: Some(wait), .. } if wait == CREATION_COOLDOWN_WAIT),
                "{text}: {error:?}"
            );
        }
    }
}

//! Reading Railway's answers: an HTTP status, a `Retry-After` and a body become data or a
//! classified [`Error`], and whether the same request may be sent again. No I/O happens here.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use super::OpKind;
use crate::railway::error::{Error, Result, classify_graphql_error};

/// An answer that may hold data and errors side by side (GraphQL's partial results).
#[derive(Debug, Clone)]
pub struct PartialAnswer {
    pub data: Value,
    /// The `errors` array as sent (each with `message` and `path`); empty when there were none.
    pub errors: Vec<Value>,
}

/// Like [`parse_response`], except that errors beside non-null data are returned with it.
pub(crate) fn parse_partial(
    operation: &'static str,
    status: StatusCode,
    retry_after: Option<Duration>,
    text: &str,
) -> Result<PartialAnswer> {
    if status.is_success()
        && let Ok(json) = serde_json::from_str::<Value>(text)
        && let Some(data) = json.get("data").filter(|d| !d.is_null())
    {
        let errors = json
            .get("errors")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        return Ok(PartialAnswer {
            data: data.clone(),
            errors,
        });
    }
    parse_response::<Value>(operation, status, retry_after, text).map(|data| PartialAnswer {
        data,
        errors: Vec::new(),
    })
}

/// Whether an error allows sending the same request again for this kind of operation.
pub(super) fn may_resend(kind: OpKind, error: &Error) -> bool {
    match kind {
        OpKind::Read | OpKind::Idempotent => error.is_retryable(),
        OpKind::Create => error.is_retryable() && !error.maybe_applied(),
    }
}

pub(super) fn transport_error(operation: &'static str, error: &reqwest::Error) -> Error {
    // A refused connection never reached Railway; anything later may have been processed.
    let maybe_applied = !error.is_connect();
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "connection failed"
    };
    Error::Transient {
        operation,
        message: format!("{kind}: {}", without_url(error)),
        maybe_applied,
    }
}

/// reqwest's Display names the URL; keep messages short and free of query strings.
fn without_url(error: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    last.unwrap_or_else(|| "request failed".to_string())
}

/// Classifies an answer whose body is not JSON, by its status alone.
fn non_json_error(
    operation: &'static str,
    status: StatusCode,
    retry_after: Option<Duration>,
) -> Error {
    if status == StatusCode::FORBIDDEN {
        // Railway's edge answers unidentified bursts with an HTML 403 page; nothing was processed.
        Error::RateLimited {
            operation,
            retry_after,
        }
    } else if status.is_server_error() || status.is_success() {
        Error::Transient {
            operation,
            message: format!("HTTP {} with a non-JSON body", status.as_u16()),
            maybe_applied: true,
        }
    } else if status == StatusCode::UNAUTHORIZED {
        Error::Unauthorized {
            operation,
            message: format!("HTTP {}", status.as_u16()),
        }
    } else {
        Error::Terminal {
            operation,
            message: format!("HTTP {} with a non-JSON body", status.as_u16()),
        }
    }
}

/// Turns one HTTP answer into data or a classified error.
pub(crate) fn parse_response<T: serde::de::DeserializeOwned>(
    operation: &'static str,
    status: StatusCode,
    retry_after: Option<Duration>,
    text: &str,
) -> Result<T> {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(Error::RateLimited {
            operation,
            retry_after,
        });
    }
    let json: Option<Value> = serde_json::from_str(text).ok();
    let Some(json) = json else {
        return Err(non_json_error(operation, status, retry_after));
    };
    let first_error = json
        .get("errors")
        .and_then(Value::as_array)
        .and_then(|e| e.first());
    let first_message = first_error.map(|first| {
        first
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("unknown error")
    });
    // R39: the status decides before the body: a 5xx is transient whatever its errors say.
    if status.is_server_error() {
        return Err(Error::Transient {
            operation,
            message: match first_message {
                Some(message) => format!("HTTP {}: {message}", status.as_u16()),
                None => format!("HTTP {}", status.as_u16()),
            },
            maybe_applied: true,
        });
    }
    if let (Some(first), Some(message)) = (first_error, first_message) {
        let code = first.pointer("/extensions/code").and_then(Value::as_str);
        let mut error = classify_graphql_error(operation, message, code);
        if let Error::RateLimited {
            retry_after: slot, ..
        } = &mut error
            && retry_after.is_some()
        {
            // A creation cooldown's own wait (R4, R36) stands unless Railway names another.
            *slot = retry_after;
        }
        return Err(error);
    }
    match json.get("data") {
        Some(data) if !data.is_null() => {
            serde_json::from_value(data.clone()).map_err(|e| Error::Terminal {
                operation,
                message: format!("unexpected response shape: {e}"),
            })
        }
        _ => Err(Error::Terminal {
            operation,
            message: format!("HTTP {} without data or errors", status.as_u16()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Data = serde_json::Value;

    #[test]
    fn http_429_is_rate_limited_with_its_retry_after() {
        let error = parse_response::<Data>(
            "Op",
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(7)),
            "",
        )
        .expect_err("429 must fail");
        assert!(
            matches!(error, Error::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 7)
        );
        assert!(error.is_retryable());
    }

    #[test]
    fn an_html_502_is_transient_and_may_have_been_applied() {
        let error = parse_response::<Data>(
            "Op",
            StatusCode::BAD_GATEWAY,
            None,
            "<html>upstream connect error</html>",
        )
        .expect_err("502 must fail");
        assert!(error.is_retryable() && error.maybe_applied(), "{error:?}");
    }

    #[test]
    fn r39_a_5xx_with_a_json_errors_body_is_transient_whatever_the_message_says() {
        for (status, message) in [
            (StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable"),
            (StatusCode::INTERNAL_SERVER_ERROR, "Invalid project name"),
            (StatusCode::BAD_GATEWAY, "Not Authorized"),
        ] {
            let body = format!(r#"{{"errors":[{{"message":"{message}"}}]}}"#);
            let error = parse_response::<Data>("Op", status, None, &body).expect_err("5xx fails");
            assert!(
                matches!(error, Error::Transient { .. }),
                "{status} {message}: {error:?}"
            );
            assert!(error.to_string().contains(message), "{error}");
        }
    }

    #[test]
    fn r36_a_creation_cooldown_on_http_200_keeps_its_thirty_second_wait() {
        let body = r#"{"data":null,"errors":[{"message":"You are creating projects too quickly. This workspace allows 1 project per 30 seconds. Try again shortly.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#;
        let error = parse_response::<Data>("Op", StatusCode::OK, None, body).expect_err("fails");
        assert!(
            matches!(error, Error::RateLimited { retry_after: Some(wait), .. } if wait == crate::railway::error::CREATION_COOLDOWN_WAIT),
            "{error:?}"
        );
        let named =
            parse_response::<Data>("Op", StatusCode::OK, Some(Duration::from_secs(3)), body)
                .expect_err("fails");
        assert!(
            matches!(named, Error::RateLimited { retry_after: Some(wait), .. } if wait.as_secs() == 3),
            "a Retry-After Railway sends wins: {named:?}"
        );
    }

    #[test]
    fn an_html_403_from_the_edge_is_treated_as_a_rate_limit() {
        let error = parse_response::<Data>(
            "Op",
            StatusCode::FORBIDDEN,
            None,
            "<html>Access denied</html>",
        )
        .expect_err("403 must fail");
        assert!(matches!(error, Error::RateLimited { .. }));
    }

    #[test]
    fn graphql_errors_on_http_200_are_classified_by_message() {
        let body = r#"{"data":null,"errors":[{"message":"Not Authorized","extensions":{"code":"UNAUTHENTICATED"}}]}"#;
        let error =
            parse_response::<Data>("Op", StatusCode::OK, None, body).expect_err("must fail");
        assert!(matches!(error, Error::Unauthorized { .. }));
        assert!(!error.is_retryable());
        let body =
            r#"{"data":null,"errors":[{"message":"Problem processing request","traceId":"t"}]}"#;
        let error =
            parse_response::<Data>("Op", StatusCode::OK, None, body).expect_err("must fail");
        assert!(error.is_retryable());
    }

    #[test]
    fn data_is_decoded_when_there_are_no_errors() {
        let data = parse_response::<Data>("Op", StatusCode::OK, None, r#"{"data":{"x":1}}"#)
            .expect("data");
        assert_eq!(data["x"], 1);
    }

    #[test]
    fn create_operations_are_not_resent_after_a_failure_that_may_have_been_applied() {
        let lost = Error::Transient {
            operation: "ServiceCreate",
            message: "connection reset".into(),
            maybe_applied: true,
        };
        assert!(!may_resend(OpKind::Create, &lost));
        assert!(may_resend(OpKind::Idempotent, &lost));
        let refused = Error::Transient {
            operation: "ServiceCreate",
            message: "could not connect".into(),
            maybe_applied: false,
        };
        assert!(may_resend(OpKind::Create, &refused));
    }
}

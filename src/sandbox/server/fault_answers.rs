//! The canned answers of the sandbox's failure modes (rate limits and injected faults), shaped
//! like what Railway and its Cloudflare edge send. Deciding when to send them is not done here.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::sandbox::store::DomainError;

/// HTTP 429 asking the client to come back in `retry_after_secs` seconds.
pub(super) fn too_many_requests(retry_after_secs: u64) -> Response {
    let message = if retry_after_secs == 1 {
        "Too many requests. Try again in 1 second.".to_string()
    } else {
        format!("Too many requests. Try again in {retry_after_secs} seconds.")
    };
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, retry_after_secs.to_string())],
        Json(json!({ "errors": [{ "message": message }] })),
    )
        .into_response()
}

pub(super) fn internal_server_error_page() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>\
         <body><h1>500 Internal Server Error</h1></body></html>",
    )
        .into_response()
}

/// The page an edge proxy shows when the origin is unreachable: HTML, never JSON.
pub(super) fn bad_gateway_page() -> Response {
    let ray_id = format!("{:016x}", rand::random::<u64>());
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en-US\"><head><title>backboard.railway.com | 502: Bad gateway</title></head>\
         <body><div id=\"cf-error-details\"><h1>Bad gateway</h1><span>Error code 502</span>\
         <p>The web server reported a bad gateway error.</p>\
         <p>Cloudflare Ray ID: <strong>{ray_id}</strong></p></div></body></html>\n"
    );
    (
        StatusCode::BAD_GATEWAY,
        [
            (header::CONTENT_TYPE, "text/html; charset=UTF-8"),
            (header::SERVER, "cloudflare"),
        ],
        page,
    )
        .into_response()
}

pub(super) fn problem_processing_request() -> Response {
    let trace_id = format!("{:016x}", rand::random::<u64>());
    Json(json!({
        "data": null,
        "errors": [{ "message": "Problem processing request", "traceId": trace_id }],
    }))
    .into_response()
}

/// Railway's transient domain error, as a field error of the operation's first root field.
pub(super) fn try_again(root_field: Option<&String>) -> Response {
    business_error(&DomainError::ServiceDomainTryAgain.to_string(), root_field)
}

/// R38: Railway's answer while a service's first deployment is still building.
pub(super) fn redeploy_not_ready(root_field: Option<&String>) -> Response {
    business_error(
        "Cannot redeploy yet, please wait for the original deployment to finish building",
        root_field,
    )
}

/// R38: a concurrent change holds the resource. Railway's text ends `an operation is already in
/// progress`; what precedes it is a guess.
pub(super) fn operation_in_progress(root_field: Option<&String>) -> Response {
    business_error(
        "Cannot complete the request: an operation is already in progress",
        root_field,
    )
}

/// R39: the text Railway's Envoy edge sends when the origin does not answer.
pub(super) fn service_unavailable_text() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/plain")],
        "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
    )
        .into_response()
}

/// R39: a 503 whose body is a GraphQL-like error list.
pub(super) fn service_unavailable_json() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "errors": [{ "message": "Service Unavailable" }] })),
    )
        .into_response()
}

/// R39: the page an edge proxy shows when the origin is too slow.
pub(super) fn gateway_timeout_page() -> Response {
    cloudflare_page(
        StatusCode::GATEWAY_TIMEOUT,
        "504: Gateway time-out",
        "Gateway time-out",
        "Error code 504",
        "The web server reported a gateway time-out error.",
    )
}

/// R40: Cloudflare's answer to an unidentified client above its request rate. The wording of
/// the page beyond "Access denied" is a guess.
pub(super) fn access_denied_page() -> Response {
    cloudflare_page(
        StatusCode::FORBIDDEN,
        "Access denied",
        "Access denied",
        "Error code 1015",
        "You are being rate limited. The owner of this website (backboard.railway.com) has banned you temporarily from accessing this website.",
    )
}

fn cloudflare_page(
    status: StatusCode,
    title: &str,
    heading: &str,
    code: &str,
    text: &str,
) -> Response {
    let ray_id = format!("{:016x}", rand::random::<u64>());
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en-US\"><head><title>backboard.railway.com | {title}</title></head>\
         <body><div id=\"cf-error-details\"><h1>{heading}</h1><span>{code}</span>\
         <p>{text}</p><p>Cloudflare Ray ID: <strong>{ray_id}</strong></p></div></body></html>\n"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=UTF-8"),
            (header::SERVER, "cloudflare"),
        ],
        page,
    )
        .into_response()
}

/// HTTP 200 with one field error on the operation's first root field, code INTERNAL_SERVER_ERROR.
fn business_error(message: &str, root_field: Option<&String>) -> Response {
    Json(json!({
        "data": null,
        "errors": [{
            "message": message,
            "path": root_field.map(|field| vec![field.clone()]).unwrap_or_default(),
            "extensions": { "code": "INTERNAL_SERVER_ERROR" },
        }],
    }))
    .into_response()
}

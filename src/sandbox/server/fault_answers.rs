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
    Json(json!({
        "data": null,
        "errors": [{
            "message": DomainError::ServiceDomainTryAgain.to_string(),
            "path": root_field.map(|field| vec![field.clone()]).unwrap_or_default(),
            "extensions": { "code": "INTERNAL_SERVER_ERROR" },
        }],
    }))
    .into_response()
}

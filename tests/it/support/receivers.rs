//! Local HTTP receivers for notification tests: each records every request (method, path with
//! query, headers, body, arrival time) and can answer an error status to its first N requests.
//! One serves as a webhook, a Slack incoming webhook or a fake GitHub API alike.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use tokio::sync::Notify;

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The path with its query, e.g. `/hooks/abc?key=1`.
    pub path: String,
    /// Header names lowercased.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_lowercase()).map(String::as_str)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

struct Shared {
    requests: Mutex<Vec<Recorded>>,
    /// Requests still to be answered with `failure`.
    failures_left: Mutex<usize>,
    failure: StatusCode,
    arrived: Notify,
}

pub struct Receiver {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Answers 200 to everything.
    pub async fn start() -> Receiver {
        Receiver::answering(StatusCode::OK, 0).await
    }

    /// Answers 500 to the first `failures` requests, then 200.
    pub async fn failing_first(failures: usize) -> Receiver {
        Receiver::answering(StatusCode::INTERNAL_SERVER_ERROR, failures).await
    }

    /// Answers `status` to the first `count` requests, then 200.
    pub async fn answering(status: StatusCode, count: usize) -> Receiver {
        let shared = Arc::new(Shared {
            requests: Mutex::default(),
            failures_left: Mutex::new(count),
            failure: status,
            arrived: Notify::new(),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("a local port");
        let addr = listener.local_addr().expect("the local address");
        let router = Router::new()
            .fallback(record)
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("the receiver serves");
        });
        Receiver {
            addr,
            shared,
            server,
        }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().expect("not poisoned").clone()
    }

    /// The requests once at least `count` arrived; panics after `timeout`.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Recorded> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let arrived = self.shared.arrived.notified();
            let requests = self.requests();
            if requests.len() >= count {
                return requests;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "{} of {count} requests arrived in {timeout:?}",
                    requests.len()
                );
            }
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn record(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let recorded = Recorded {
        method: method.to_string(),
        path: uri
            .path_and_query()
            .map_or_else(|| uri.path().to_string(), ToString::to_string),
        headers: headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
        at: Instant::now(),
    };
    let status = {
        let mut left = shared.failures_left.lock().expect("not poisoned");
        if *left > 0 {
            *left -= 1;
            shared.failure
        } else {
            StatusCode::OK
        }
    };
    shared.requests.lock().expect("not poisoned").push(recorded);
    shared.arrived.notify_waiters();
    status
}

/// A local URL nothing listens on: connecting is refused.
pub async fn refused_url(path: &str) -> String {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("a local port");
    let addr = listener.local_addr().expect("the local address");
    drop(listener);
    format!("http://{addr}{path}")
}

//! The controller's HTTP face: binds the listener and runs the server task on the caller's
//! runtime. It only reads [`SharedStatus`] and pokes the reconcile loop; it never reconciles.

mod access;
mod metrics;
mod page;
mod routes;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::status::SharedStatus;
use super::trigger::ReconcileTrigger;

pub use access::{Denied, reconcile_allowed};
pub use metrics::{CONTENT_TYPE as METRICS_CONTENT_TYPE, MetricsError, render_metrics};
pub use page::render_page;

/// How long [`HttpServer::shutdown`] lets in-flight requests finish before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub listen: SocketAddr,
    /// Required by `POST /reconcile` when `listen` is not a loopback address.
    pub admin_token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A running status server; dropping it leaves the task running until the runtime stops.
pub struct HttpServer {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl HttpServer {
    /// Binds and serves on the caller's tokio runtime (spawned task). `reconcile_now` is
    /// pulled by `POST /reconcile`.
    pub async fn start(
        config: HttpConfig,
        status: SharedStatus,
        reconcile_now: Arc<ReconcileTrigger>,
    ) -> Result<HttpServer, HttpError> {
        let bind_error = |source| HttpError::Bind {
            addr: config.listen,
            source,
        };
        let listener = TcpListener::bind(config.listen).await.map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let router = routes::router(routes::AppState {
            status,
            reconcile_now,
            listen: addr,
            admin_token: config.admin_token,
        });
        let (shutdown, mut shutdown_signal) = watch::channel(false);
        let task = tokio::spawn(async move {
            let stopped = async move {
                let _ = shutdown_signal.wait_for(|stop| *stop).await;
            };
            if let Err(error) = axum::serve(listener, router)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::error!(%error, "status server stopped");
            }
        });
        tracing::info!(%addr, "status server listening");
        Ok(HttpServer {
            addr,
            shutdown,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A URL a local client can reach: wildcard listeners are addressed through loopback.
    pub fn url(&self) -> String {
        let host = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(host, self.addr.port()))
    }

    /// Stops accepting, lets in-flight requests finish (briefly) and waits for the task.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let abort = self.task.abort_handle();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

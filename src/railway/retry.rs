//! The retry policy of the Railway client: jittered exponential backoff, bounded in time; a
//! server's `Retry-After` is honoured up to a cap. One of the two users of the `backoff` crate
//! (unmaintained upstream); the other is `notify/deliver.rs`, so a swap touches those two files.

use std::future::Future;
use std::time::Duration;

use backoff::ExponentialBackoffBuilder;

use super::error::Error;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub initial_interval: Duration,
    pub max_interval: Duration,
    /// Give up once this much time has passed since the first attempt.
    pub max_elapsed: Duration,
    /// The longest `Retry-After` the client waits for; longer ones end the retries.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_interval: Duration::from_millis(250),
            max_interval: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(90),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all: the first failure is returned.
    pub fn none() -> Self {
        RetryPolicy {
            max_elapsed: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

    /// Runs `attempt` until it succeeds, fails with an error `may_retry` rejects, or time runs out.
    pub async fn run<T, F, Fut>(
        &self,
        operation: &'static str,
        may_retry: impl Fn(&Error) -> bool,
        mut attempt: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let schedule = ExponentialBackoffBuilder::new()
            .with_initial_interval(self.initial_interval)
            .with_max_interval(self.max_interval)
            .with_randomization_factor(0.5)
            .with_multiplier(2.0)
            .with_max_elapsed_time(Some(self.max_elapsed))
            .build();
        let max_retry_after = self.max_retry_after;
        backoff::future::retry_notify(
            schedule,
            || {
                let fut = attempt();
                let may_retry = &may_retry;
                async move {
                    fut.await.map_err(|error| {
                        if !may_retry(&error) {
                            return backoff::Error::permanent(error);
                        }
                        match &error {
                            Error::RateLimited {
                                retry_after: Some(wait),
                                ..
                            } if *wait > max_retry_after => backoff::Error::permanent(error),
                            Error::RateLimited {
                                retry_after: Some(wait),
                                ..
                            } => {
                                let wait = *wait;
                                backoff::Error::retry_after(error, wait)
                            }
                            _ => backoff::Error::transient(error),
                        }
                    })
                }
            },
            |error: Error, wait: Duration| {
                let retry_in_ms = wait.as_millis() as u64;
                if matches!(error, Error::RateLimited { .. })
                    && super::throttle::is_known(operation)
                {
                    // R4, R24, R36: a creation window Railway always lets pass; waiting is the plan.
                    tracing::info!(operation, retry_in_ms, "waiting out Railway's creation window for {operation} before sending it again");
                } else {
                    tracing::warn!(operation, error = %error, retry_in_ms, "retrying Railway request");
                }
            },
        )
        .await
    }
}

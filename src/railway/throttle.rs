//! Railway's known creation throttles (R4, R24, R36), paced ahead of time: a create of a
//! throttled kind waits out the window since this client's previous one, saying once at INFO
//! why, instead of being refused and retried. Only the windows; the client decides when to call.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// R24: Railway refuses volume creates in quick succession ("Whoa there pal! You are creating
/// volumes too quickly"); the window is not documented: a few seconds (guess: 2 s, plus margin
/// for the time the previous answer took to arrive).
pub const VOLUME_CREATE_SPACING: Duration = Duration::from_millis(2_200);

/// The spacing a create operation needs and the rule that asks for it. Environment and project
/// creates (R4, R36: one per 30 s) are not paced ahead: a run rarely makes two, and the one
/// refusal is waited out quietly (`is_known`).
fn spacing(operation: &str) -> Option<(Duration, &'static str)> {
    match operation {
        "VolumeCreate" => Some((
            VOLUME_CREATE_SPACING,
            "Railway refuses volume creates in quick succession (R24)",
        )),
        _ => None,
    }
}

/// Whether a refusal of `operation` as too quick is one of Railway's known creation throttles,
/// which a wait always clears: R4 (environments), R24 (volumes), R36 (projects).
pub fn is_known(operation: &str) -> bool {
    matches!(
        operation,
        "EnvironmentCreate" | "ProjectCreate" | "VolumeCreate"
    )
}

/// When each throttled kind last finished, and which kinds were explained already.
#[derive(Debug, Default)]
pub struct Throttles {
    last: Mutex<HashMap<&'static str, Instant>>,
    told: Mutex<Vec<&'static str>>,
}

impl Throttles {
    /// Waits until `operation` may go.
    pub async fn wait(&self, operation: &'static str) {
        let Some((gap, why)) = spacing(operation) else {
            return;
        };
        let until = self
            .last
            .lock()
            .ok()
            .and_then(|last| last.get(operation).map(|at| *at + gap));
        let Some(until) = until.filter(|until| *until > Instant::now()) else {
            return;
        };
        let first = self
            .told
            .lock()
            .map(|mut told| {
                let first = !told.contains(&operation);
                if first {
                    told.push(operation);
                }
                first
            })
            .unwrap_or(false);
        let wait_ms = (until - Instant::now()).as_millis() as u64;
        if first {
            tracing::info!(
                operation,
                wait_ms,
                "spacing {operation} requests {} s apart: {why}",
                gap.as_secs_f64()
            );
        } else {
            tracing::debug!(operation, wait_ms, "spacing {operation}");
        }
        tokio::time::sleep_until(until).await;
    }

    /// `operation` just finished (whatever its outcome): its window starts now.
    pub fn finished(&self, operation: &'static str) {
        if spacing(operation).is_some()
            && let Ok(mut last) = self.last.lock()
        {
            last.insert(operation, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_second_volume_create_waits_out_the_window_and_other_operations_never_wait() {
        let throttles = Throttles::default();
        let start = Instant::now();
        throttles.wait("VolumeCreate").await;
        assert_eq!(Instant::now(), start);
        throttles.finished("VolumeCreate");
        throttles.wait("ServiceCreate").await;
        assert_eq!(Instant::now(), start);
        throttles.wait("VolumeCreate").await;
        assert_eq!(Instant::now() - start, VOLUME_CREATE_SPACING);
    }
}

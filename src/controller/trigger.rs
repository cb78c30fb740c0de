//! How `POST /reconcile` asks the loop for a pass of every project now, and whether that one
//! pass may ignore change windows (`?override=window`). Shared by the HTTP layer and the loop.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct ReconcileTrigger {
    now: Notify,
    override_windows: AtomicBool,
}

impl ReconcileTrigger {
    /// Asks for a pass of every project now; with `override_windows`, each project's next pass
    /// writes even inside a change window.
    pub fn request(&self, override_windows: bool) {
        if override_windows {
            self.override_windows.store(true, Ordering::SeqCst);
        }
        self.now.notify_one();
    }

    /// Resolves at the next request (at once when one came while nobody waited).
    pub async fn requested(&self) {
        self.now.notified().await;
    }

    /// Whether a request since the last call asked to ignore windows; consumes it, so one
    /// override gives one pass per project.
    pub fn take_override(&self) -> bool {
        self.override_windows.swap(false, Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_override_is_given_to_the_one_wake_up_that_follows_it() {
        let trigger = ReconcileTrigger::default();
        trigger.request(true);
        trigger.requested().await;
        assert!(trigger.take_override());
        assert!(!trigger.take_override());
        trigger.request(false);
        trigger.requested().await;
        assert!(!trigger.take_override());
    }
}

//! Per-target delivery queues: one worker task per (project, target), so a target's deliveries
//! go out in publish order and a slow target holds up no other; each queue is bounded, and a
//! count of unfinished jobs lets `flush` wait for them. Knows nothing about HTTP or events.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};

/// Jobs one target may have waiting; past this, new ones are dropped (and reported).
pub const QUEUE_LEN: usize = 64;

/// (project, target name).
pub type Key = (String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueueError {
    #[error("not delivered: no async runtime is running")]
    NoRuntime,
    #[error("not delivered: {QUEUE_LEN} deliveries to this target are already waiting")]
    Full,
}

/// Jobs queued or being handled, and a wake-up for whoever waits for none.
#[derive(Default)]
struct Pending {
    count: AtomicUsize,
    idle: Notify,
}

impl Pending {
    fn done(&self) {
        if self.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.idle.notify_waiters();
        }
    }
}

/// Marks one job finished when dropped, so a job whose handler panics still counts as done.
struct Finished(Arc<Pending>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.done();
    }
}

pub struct Queues<J> {
    senders: Mutex<BTreeMap<Key, mpsc::Sender<J>>>,
    pending: Arc<Pending>,
}

impl<J> Default for Queues<J> {
    fn default() -> Self {
        Queues {
            senders: Mutex::default(),
            pending: Arc::default(),
        }
    }
}

impl<J: Send + 'static> Queues<J> {
    /// Queues `job` for `key`'s worker; when `key` has none, starts one that runs the handler
    /// `start` returns on each of its jobs, one after the other. Never waits.
    pub fn push<H, F>(&self, key: &Key, job: J, start: impl FnOnce() -> H) -> Result<(), QueueError>
    where
        H: FnMut(J) -> F + Send + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| QueueError::NoRuntime)?;
        let mut senders = self.senders.lock().unwrap_or_else(PoisonError::into_inner);
        self.pending.count.fetch_add(1, Ordering::AcqRel);
        let job = match senders.get(key) {
            None => job,
            Some(sender) => match sender.try_send(job) {
                Ok(()) => return Ok(()),
                Err(mpsc::error::TrySendError::Full(_)) => {
                    self.pending.done();
                    return Err(QueueError::Full);
                }
                // The worker is gone (its runtime ended): start a new one.
                Err(mpsc::error::TrySendError::Closed(job)) => job,
            },
        };
        let (sender, receiver) = mpsc::channel(QUEUE_LEN);
        if sender.try_send(job).is_err() {
            self.pending.done();
            return Err(QueueError::Full);
        }
        runtime.spawn(work(receiver, start(), Arc::clone(&self.pending)));
        senders.insert(key.clone(), sender);
        Ok(())
    }

    /// Stops the workers of `project`'s targets not in `keep` once they have drained their
    /// queues.
    pub fn retain(&self, project: &str, keep: &BTreeSet<String>) {
        self.senders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(owner, target), _| owner != project || keep.contains(target));
    }

    /// Waits until every job queued so far has been handled, or `timeout` passed; true when
    /// none is left.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let drained = async {
            loop {
                let idle = self.pending.idle.notified();
                tokio::pin!(idle);
                // Registered before the check, so a job finishing in between still wakes us.
                idle.as_mut().enable();
                if self.pending.count.load(Ordering::Acquire) == 0 {
                    return;
                }
                idle.await;
            }
        };
        tokio::time::timeout(timeout, drained).await.is_ok()
    }
}

async fn work<J, H, F>(mut receiver: mpsc::Receiver<J>, mut handle: H, pending: Arc<Pending>)
where
    H: FnMut(J) -> F,
    F: Future<Output = ()>,
{
    while let Some(job) = receiver.recv().await {
        let _finished = Finished(Arc::clone(&pending));
        handle(job).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(target: &str) -> Key {
        ("shop".to_string(), target.to_string())
    }

    #[tokio::test]
    async fn one_targets_jobs_run_in_order_and_flush_waits_for_them() {
        let queues = Queues::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        for job in 0..5 {
            let seen = Arc::clone(&seen);
            let pushed = queues.push(&key("a"), job, move || {
                move |job: u32| {
                    let seen = Arc::clone(&seen);
                    async move {
                        tokio::time::sleep(Duration::from_millis(u64::from(5 - job))).await;
                        seen.lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(job);
                    }
                }
            });
            assert_eq!(pushed, Ok(()));
        }
        assert!(queues.flush(Duration::from_secs(5)).await);
        assert_eq!(
            *seen.lock().unwrap_or_else(PoisonError::into_inner),
            [0, 1, 2, 3, 4]
        );
    }

    #[tokio::test]
    async fn a_full_queue_refuses_a_job_without_waiting() {
        let queues = Queues::default();
        let gate = Arc::new(Notify::new());
        let mut refused = 0;
        for job in 0..QUEUE_LEN + 3 {
            let gate = Arc::clone(&gate);
            let pushed = queues.push(&key("slow"), job, move || {
                move |_job: usize| {
                    let gate = Arc::clone(&gate);
                    async move { gate.notified().await }
                }
            });
            refused += usize::from(pushed == Err(QueueError::Full));
        }
        // The worker holds one job, the channel the next QUEUE_LEN.
        assert!((2..=3).contains(&refused), "{refused}");
        assert!(!queues.flush(Duration::from_millis(50)).await);
    }

    #[test]
    fn without_a_runtime_a_job_is_refused_not_panicked_on() {
        let queues: Queues<u32> = Queues::default();
        let pushed = queues.push(&key("a"), 1, || |_job: u32| async {});
        assert_eq!(pushed, Err(QueueError::NoRuntime));
    }
}

//! The sandbox's Railway-like rate limits: a per-second and a per-hour fixed window, and what
//! the `X-RateLimit-*` and `Retry-After` headers say about them. It must not build responses.

use std::time::{Duration, Instant};

use axum::http::HeaderMap;

const SECOND: Duration = Duration::from_secs(1);
const HOUR: Duration = Duration::from_secs(3600);

/// R40: a client identifies itself with a non-empty `source` query parameter on the URL (as
/// Railway's Terraform provider does, `?source=...`) or a non-empty `x-source` header (as
/// Railway's CLI does). Anything else counts as unidentified.
pub(super) fn is_identified(headers: &HeaderMap, query: Option<&str>) -> bool {
    let by_header = headers
        .get("x-source")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| !value.trim().is_empty());
    let by_query = query.is_some_and(|query| {
        query.split('&').any(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            key == "source" && !value.is_empty()
        })
    });
    by_header || by_query
}

/// One fixed window: a budget of `limit` requests per `length`, starting at its first request.
#[derive(Debug)]
struct Window {
    limit: u32,
    length: Duration,
    started: Instant,
    count: u32,
}

impl Window {
    fn new(limit: u32, length: Duration, now: Instant) -> Self {
        Self {
            limit,
            length,
            started: now,
            count: 0,
        }
    }

    fn roll(&mut self, now: Instant) {
        if now.duration_since(self.started) >= self.length {
            self.started = now;
            self.count = 0;
        }
    }

    fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.count)
    }

    /// Whole seconds until the window ends, at least 1 so that a client always waits.
    fn seconds_left(&self, now: Instant) -> u64 {
        let left = self.length.saturating_sub(now.duration_since(self.started));
        left.as_secs_f64().ceil().max(1.0) as u64
    }

    fn budget(&self, now: Instant) -> Budget {
        Budget {
            limit: self.limit,
            remaining: self.remaining(),
            reset_secs: self.seconds_left(now),
        }
    }
}

/// What the `X-RateLimit-*` headers report: the tighter window's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Budget {
    pub(super) limit: u32,
    pub(super) remaining: u32,
    pub(super) reset_secs: u64,
}

/// The verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Admission {
    /// `None`: admitted; `Some(seconds)`: refused, to be retried after that many seconds.
    pub(super) refused_for: Option<u64>,
    /// `None` when no limit is configured.
    pub(super) budget: Option<Budget>,
}

/// Both windows; either may be absent.
#[derive(Debug)]
pub(super) struct RateLimits {
    per_second: Option<Window>,
    per_hour: Option<Window>,
}

impl RateLimits {
    pub(super) fn new(per_second: Option<u32>, per_hour: Option<u32>) -> Self {
        Self::new_at(per_second, per_hour, Instant::now())
    }

    fn new_at(per_second: Option<u32>, per_hour: Option<u32>, now: Instant) -> Self {
        Self {
            per_second: per_second.map(|limit| Window::new(limit, SECOND, now)),
            per_hour: per_hour.map(|limit| Window::new(limit, HOUR, now)),
        }
    }

    /// Counts a request. Every request counts in the per-second window (a client hammering a
    /// closed window stays locked out); only those it lets through count in the hourly one.
    pub(super) fn admit(&mut self) -> Admission {
        self.admit_at(Instant::now())
    }

    fn admit_at(&mut self, now: Instant) -> Admission {
        let mut refused_for = None;
        if let Some(second) = &mut self.per_second {
            second.roll(now);
            second.count = second.count.saturating_add(1);
            if second.count > second.limit {
                refused_for = Some(1);
            }
        }
        if let Some(hour) = &mut self.per_hour {
            hour.roll(now);
            if refused_for.is_none() {
                if hour.count >= hour.limit {
                    refused_for = Some(hour.seconds_left(now));
                } else {
                    hour.count += 1;
                }
            }
        }
        let budget = [&self.per_second, &self.per_hour]
            .into_iter()
            .flatten()
            .map(|window| window.budget(now))
            .min_by_key(|budget| (budget.remaining, std::cmp::Reverse(budget.reset_secs)));
        Admission {
            refused_for,
            budget,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_query_parameter_or_an_x_source_header_identifies_the_client() {
        let none = HeaderMap::new();
        assert!(is_identified(&none, Some("source=railway-operator")));
        assert!(is_identified(&none, Some("a=1&source=tf")));
        assert!(!is_identified(&none, Some("source=")));
        assert!(!is_identified(&none, Some("resource=x")));
        assert!(!is_identified(&none, None));
        let mut headers = HeaderMap::new();
        headers.insert("x-source", "railway-cli".parse().unwrap());
        assert!(is_identified(&headers, None));
    }

    #[test]
    fn no_limit_admits_everything_and_reports_no_budget() {
        let mut limits = RateLimits::new(None, None);
        for _ in 0..100 {
            assert_eq!(
                limits.admit(),
                Admission {
                    refused_for: None,
                    budget: None
                }
            );
        }
    }

    #[test]
    fn the_per_second_limit_refuses_the_excess_for_one_second() {
        let now = Instant::now();
        let mut limits = RateLimits::new_at(Some(2), None, now);
        assert_eq!(limits.admit_at(now).refused_for, None);
        assert_eq!(limits.admit_at(now).refused_for, None);
        let third = limits.admit_at(now);
        assert_eq!(third.refused_for, Some(1));
        assert_eq!(third.budget.map(|b| (b.limit, b.remaining)), Some((2, 0)));
        assert_eq!(limits.admit_at(now + SECOND).refused_for, None);
    }

    #[test]
    fn the_hourly_limit_refuses_until_the_hour_ends_and_reports_itself_when_tighter() {
        let start = Instant::now();
        let mut limits = RateLimits::new_at(Some(10), Some(3), start);
        let first = limits.admit_at(start);
        assert_eq!(
            first.budget,
            Some(Budget {
                limit: 3,
                remaining: 2,
                reset_secs: 3600
            })
        );
        limits.admit_at(start + SECOND * 2);
        limits.admit_at(start + SECOND * 4);
        let refused = limits.admit_at(start + SECOND * 6);
        assert_eq!(refused.refused_for, Some(3594));
        assert_eq!(refused.budget.map(|b| b.remaining), Some(0));
        assert_eq!(limits.admit_at(start + HOUR).refused_for, None);
    }

    #[test]
    fn requests_refused_per_second_do_not_use_up_the_hour() {
        let now = Instant::now();
        let mut limits = RateLimits::new_at(Some(1), Some(5), now);
        for _ in 0..10 {
            limits.admit_at(now);
        }
        let next = limits.admit_at(now + SECOND);
        assert_eq!(next.refused_for, None);
        assert_eq!(next.budget.map(|b| b.limit), Some(1));
        assert_eq!(limits.per_hour.as_ref().map(Window::remaining), Some(3));
    }
}

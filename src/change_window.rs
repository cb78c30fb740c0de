//! Change windows (`policy.windows`): whether writes are allowed at an instant, which window
//! decides, and when that answer changes. Pure: `now` is always passed in. Deny wins over allow;
//! once any allow window is declared, writes happen only while one is open.

use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::manifest::desired::{ChangeWindow, WindowMode};

/// Openings chained while looking for the end of overlapping ones: a window open all the time
/// (say every second for 2 s) has no end, and the one found after this many is a lower bound.
const MAX_CHAINED_OPENINGS: usize = 512;

/// Why windows allow or hold writes at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowReason {
    /// No window is declared.
    NoWindows,
    /// No deny window is open, and no allow window is declared.
    NoDenyOpen,
    /// An allow window is open, and no deny window is.
    InAllowWindow,
    /// A deny window is open.
    InDenyWindow,
    /// Allow windows are declared, and none is open.
    OutsideAllowWindows,
    /// A window could not be read (the loader validates them, so this is a bug): writes are
    /// held rather than guessed.
    Unreadable,
}

/// The windows' answer at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowState {
    pub writes_allowed: bool,
    pub reason: WindowReason,
    /// The window that decides: the open deny window ending last, the open allow window, or the
    /// window whose next opening ends this state. `None` without windows.
    pub window: Option<ChangeWindow>,
    /// When this state ends, as far as the windows tell: the end of the deny (or allow)
    /// window, or the next opening. `None` when nothing ends it.
    pub until: Option<DateTime<Utc>>,
}

impl WindowState {
    pub fn held(&self) -> bool {
        !self.writes_allowed
    }

    /// A sentence for conditions and the CLI, e.g. `writes held by deny window "0 22 * * 5"
    /// (2d12h, Europe/Berlin) until 2026-12-07T09:00:00Z`.
    pub fn describe(&self) -> String {
        let window = self
            .window
            .as_ref()
            .map_or_else(|| "no window".to_string(), ChangeWindow::label);
        let until = self.until.map(stamp);
        match (self.reason, until) {
            (WindowReason::NoWindows, _) => "no change window is declared".to_string(),
            (WindowReason::InDenyWindow, Some(end)) => {
                format!("writes held by {window} until {end}")
            }
            (WindowReason::InDenyWindow, None) => format!("writes held by {window}"),
            (WindowReason::OutsideAllowWindows, Some(next)) => {
                format!("writes held outside allow windows; {window} opens next at {next}")
            }
            (WindowReason::OutsideAllowWindows, None) => {
                "writes held outside allow windows; none opens again".to_string()
            }
            (WindowReason::InAllowWindow, Some(end)) => {
                format!("writes allowed by {window} until {end}")
            }
            (WindowReason::InAllowWindow, None) => format!("writes allowed by {window}"),
            (WindowReason::NoDenyOpen, Some(next)) => {
                format!("writes allowed; {window} opens next at {next}")
            }
            (WindowReason::NoDenyOpen, None) => "writes allowed; no deny window opens".to_string(),
            (WindowReason::Unreadable, _) => format!("writes held: {window} cannot be read"),
        }
    }
}

/// `2026-12-07T09:00:00Z`.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What the windows say about writes at `now`.
pub fn state_at(windows: &[ChangeWindow], now: DateTime<Utc>) -> WindowState {
    let mut compiled = Vec::with_capacity(windows.len());
    for window in windows {
        match Compiled::new(window) {
            Some(c) => compiled.push(c),
            None => return state(false, WindowReason::Unreadable, Some(window), None),
        }
    }
    if compiled.is_empty() {
        return state(true, WindowReason::NoWindows, None, None);
    }
    let (deny, allow): (Vec<&Compiled>, Vec<&Compiled>) = compiled
        .iter()
        .partition(|c| c.window.mode == WindowMode::Deny);
    let open_deny = latest_end(&deny, now);
    if let Some((window, end)) = open_deny {
        return state(false, WindowReason::InDenyWindow, Some(window), Some(end));
    }
    let next_deny = earliest_opening(&deny, now);
    if allow.is_empty() {
        let (window, next) = next_deny.unzip();
        return state(true, WindowReason::NoDenyOpen, window, next);
    }
    match latest_end(&allow, now) {
        Some((window, end)) => {
            // The first of: this allow window closing, a deny window opening.
            let until = next_deny.map_or(end, |(_, opens)| opens.min(end));
            state(true, WindowReason::InAllowWindow, Some(window), Some(until))
        }
        None => {
            let (window, next) = earliest_opening(&allow, now).unzip();
            state(false, WindowReason::OutsideAllowWindows, window, next)
        }
    }
}

fn state(
    writes_allowed: bool,
    reason: WindowReason,
    window: Option<&ChangeWindow>,
    until: Option<DateTime<Utc>>,
) -> WindowState {
    WindowState {
        writes_allowed,
        reason,
        window: window.cloned(),
        until,
    }
}

/// Among the windows open at `now`, the one that stays open longest, and its end.
fn latest_end<'w>(
    windows: &[&Compiled<'w>],
    now: DateTime<Utc>,
) -> Option<(&'w ChangeWindow, DateTime<Utc>)> {
    windows
        .iter()
        .filter_map(|c| Some((c.window, c.open_until(now)?)))
        .max_by_key(|(_, end)| *end)
}

/// Among the windows, the one opening first after `now`, and when.
fn earliest_opening<'w>(
    windows: &[&Compiled<'w>],
    now: DateTime<Utc>,
) -> Option<(&'w ChangeWindow, DateTime<Utc>)> {
    windows
        .iter()
        .filter_map(|c| Some((c.window, c.next_fire_after(now)?)))
        .min_by_key(|(_, opens)| *opens)
}

/// A window with its schedule parsed.
struct Compiled<'w> {
    window: &'w ChangeWindow,
    cron: Cron,
    timezone: Tz,
    length: chrono::Duration,
}

impl<'w> Compiled<'w> {
    fn new(window: &'w ChangeWindow) -> Option<Self> {
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build()
            .parse(window.schedule.trim())
            .ok()?;
        let timezone = match window.timezone.as_deref().map(str::trim) {
            None | Some("") => Tz::UTC,
            Some(name) => Tz::from_str(name).ok()?,
        };
        let length = chrono::Duration::try_seconds(i64::try_from(window.duration_seconds).ok()?)?;
        Some(Compiled {
            window,
            cron,
            timezone,
            length,
        })
    }

    /// The latest opening at or before `at`.
    fn fire_at_or_before(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_previous_occurrence(&at.with_timezone(&self.timezone), true)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    fn next_fire_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&at.with_timezone(&self.timezone), false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// When the window, if open at `now`, closes: openings that start before (or as) the
    /// current one ends extend it.
    fn open_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let opened = self.fire_at_or_before(now)?;
        let mut end = opened.checked_add_signed(self.length)?;
        if end <= now {
            return None;
        }
        let mut cursor = opened;
        for _ in 0..MAX_CHAINED_OPENINGS {
            match self.next_fire_after(cursor) {
                Some(next) if next <= end => {
                    cursor = next;
                    end = end.max(next.checked_add_signed(self.length)?);
                }
                _ => break,
            }
        }
        Some(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn window(
        schedule: &str,
        hours: u64,
        timezone: Option<&str>,
        mode: WindowMode,
    ) -> ChangeWindow {
        seconds_window(schedule, hours * 3600, timezone, mode)
    }

    fn seconds_window(
        schedule: &str,
        seconds: u64,
        timezone: Option<&str>,
        mode: WindowMode,
    ) -> ChangeWindow {
        ChangeWindow {
            schedule: schedule.into(),
            timezone: timezone.map(str::to_string),
            duration_seconds: seconds,
            mode,
        }
    }

    fn utc(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
            .single()
            .unwrap()
    }

    fn weekend_freeze() -> ChangeWindow {
        window("0 22 * * 5", 60, Some("Europe/Berlin"), WindowMode::Deny)
    }

    #[test]
    fn without_windows_writes_are_always_allowed_and_nothing_ends_it() {
        let state = state_at(&[], utc(12, 5, 12, 0));
        assert!(state.writes_allowed);
        assert_eq!(state.reason, WindowReason::NoWindows);
        assert_eq!(state.until, None);
    }

    #[test]
    fn a_weekend_freeze_holds_writes_from_friday_night_berlin_time_for_sixty_hours() {
        let windows = [weekend_freeze()];
        // Friday 2026-12-04 22:00 in Berlin (UTC+1) is 21:00 UTC; 60 h later is Monday 09:00 UTC.
        let saturday = state_at(&windows, utc(12, 5, 12, 0));
        assert!(saturday.held());
        assert_eq!(saturday.reason, WindowReason::InDenyWindow);
        assert_eq!(saturday.until, Some(utc(12, 7, 9, 0)));
        assert_eq!(
            saturday.describe(),
            "writes held by deny window \"0 22 * * 5\" (2d12h, Europe/Berlin) until 2026-12-07T09:00:00Z"
        );
        let friday_before = state_at(&windows, utc(12, 4, 20, 59));
        assert!(friday_before.writes_allowed);
        assert_eq!(friday_before.reason, WindowReason::NoDenyOpen);
        assert_eq!(friday_before.until, Some(utc(12, 4, 21, 0)));
    }

    #[test]
    fn a_window_is_open_at_its_first_instant_and_closed_at_its_end() {
        let windows = [weekend_freeze()];
        assert!(state_at(&windows, utc(12, 4, 21, 0)).held());
        assert!(state_at(&windows, utc(12, 7, 9, 0)).writes_allowed);
        assert!(state_at(&windows, utc(12, 7, 9, 0) - chrono::Duration::seconds(1)).held());
    }

    #[test]
    fn outside_every_allow_window_writes_wait_for_the_next_opening() {
        let windows = [window("0 9 * * 1-5", 8, None, WindowMode::Allow)];
        // Monday 2026-12-07.
        let early = state_at(&windows, utc(12, 7, 8, 0));
        assert!(early.held());
        assert_eq!(early.reason, WindowReason::OutsideAllowWindows);
        assert_eq!(early.until, Some(utc(12, 7, 9, 0)));
        let office = state_at(&windows, utc(12, 7, 10, 0));
        assert!(office.writes_allowed);
        assert_eq!(office.reason, WindowReason::InAllowWindow);
        assert_eq!(office.until, Some(utc(12, 7, 17, 0)));
        let saturday = state_at(&windows, utc(12, 12, 10, 0));
        assert!(saturday.held());
        assert_eq!(saturday.until, Some(utc(12, 14, 9, 0)));
    }

    #[test]
    fn deny_wins_over_an_open_allow_window() {
        let windows = [
            window("0 9 * * 1-5", 8, None, WindowMode::Allow),
            window("0 12 * * *", 1, None, WindowMode::Deny),
        ];
        let lunch = state_at(&windows, utc(12, 7, 12, 30));
        assert!(lunch.held());
        assert_eq!(lunch.reason, WindowReason::InDenyWindow);
        assert_eq!(lunch.until, Some(utc(12, 7, 13, 0)));
        // An allowed state ends when the deny window opens, before the allow window closes.
        let morning = state_at(&windows, utc(12, 7, 10, 0));
        assert!(morning.writes_allowed);
        assert_eq!(morning.until, Some(utc(12, 7, 12, 0)));
    }

    #[test]
    fn of_two_open_deny_windows_the_one_ending_last_decides() {
        let windows = [
            window("0 10 * * *", 1, None, WindowMode::Deny),
            window("30 10 * * *", 2, None, WindowMode::Deny),
        ];
        let state = state_at(&windows, utc(12, 7, 10, 45));
        assert_eq!(state.until, Some(utc(12, 7, 12, 30)));
        assert_eq!(state.window.map(|w| w.schedule), Some("30 10 * * *".into()));
    }

    #[test]
    fn a_window_is_read_in_its_time_zone_across_a_daylight_saving_change() {
        // 02:30 in New York does not exist on 2026-03-08 (clocks jump from 02:00 to 03:00):
        // the opening is the first real instant after the gap, 03:00 EDT = 07:00 UTC.
        let windows = [window(
            "30 2 * * *",
            1,
            Some("America/New_York"),
            WindowMode::Deny,
        )];
        let state = state_at(&windows, utc(3, 8, 7, 15));
        assert!(state.held(), "{state:?}");
        assert_eq!(state.until, Some(utc(3, 8, 8, 0)));
        // Before the change 09:00 Berlin is 08:00 UTC; after it (2026-03-29) 07:00 UTC.
        let berlin = [window(
            "0 9 * * *",
            1,
            Some("Europe/Berlin"),
            WindowMode::Deny,
        )];
        assert!(state_at(&berlin, utc(3, 28, 8, 30)).held());
        assert!(state_at(&berlin, utc(3, 30, 8, 30)).writes_allowed);
        assert_eq!(
            state_at(&berlin, utc(3, 30, 7, 30)).until,
            Some(utc(3, 30, 8, 0))
        );
    }

    #[test]
    fn a_six_field_schedule_opens_at_its_second() {
        let windows = [seconds_window("15 0 12 * * *", 2, None, WindowMode::Deny)];
        let at = |s: u32| {
            Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, s)
                .single()
                .unwrap()
        };
        assert!(state_at(&windows, at(14)).writes_allowed);
        let open = state_at(&windows, at(16));
        assert!(open.held());
        assert_eq!(open.until, Some(at(17)));
        assert!(state_at(&windows, at(17)).writes_allowed);
        // `run` asks with the clock's milliseconds.
        let mid_second = at(15) + chrono::Duration::milliseconds(500);
        assert_eq!(state_at(&windows, mid_second).until, Some(at(17)));
    }

    #[test]
    fn overlapping_openings_of_one_window_chain_into_one_span() {
        // Every minute for 90 s: open all the time; the end found is a lower bound.
        let windows = [seconds_window("* * * * *", 90, None, WindowMode::Deny)];
        let state = state_at(&windows, utc(12, 7, 10, 0));
        assert!(state.held());
        assert!(state.until.is_some_and(|end| end > utc(12, 7, 10, 2)));
    }

    #[test]
    fn an_unreadable_window_holds_writes_instead_of_guessing() {
        let windows = [window("not a cron", 1, None, WindowMode::Allow)];
        let state = state_at(&windows, utc(12, 7, 10, 0));
        assert!(state.held());
        assert_eq!(state.reason, WindowReason::Unreadable);
    }
}

//! The page's recent-events timeline (the notifications' event stream, newest first) and each
//! notification target's delivery state. Renders only; every value is escaped, and nothing
//! here ever sees a target's URL or secret.

use std::fmt::Write as _;

use super::html::{badge, escape, or_dash, table};
use crate::notify::{TargetStatus, TimelineEntry};

pub fn timeline(out: &mut String, entries: &[TimelineEntry]) {
    let _ = writeln!(out, "<section class=\"timeline\"><h2>Recent events</h2>");
    if entries.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"muted\">No state changes yet.</p></section>"
        );
        return;
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|entry| {
            let class = if entry.kind.is_problem() {
                "bad"
            } else {
                "good"
            };
            let scope = match (&entry.environment, &entry.service) {
                (Some(environment), Some(service)) => format!("{service}[{environment}]"),
                (Some(environment), None) => environment.clone(),
                _ => String::new(),
            };
            vec![
                escape(&entry.at),
                badge(class, entry.kind.name()),
                escape(&entry.project),
                or_dash(Some(&scope)),
                escape(&entry.message),
            ]
        })
        .collect();
    table(out, &["At", "Event", "Project", "Where", "What"], &rows);
    let _ = writeln!(out, "</section>");
}

pub fn deliveries(out: &mut String, targets: &[TargetStatus]) {
    if targets.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section class=\"notifications\"><h2>Notifications</h2>"
    );
    let rows: Vec<Vec<String>> = targets
        .iter()
        .map(|target| {
            let class = match target.state.as_str() {
                "delivered" => "good",
                "failing" => "bad",
                "retrying" => "warn",
                _ => "neutral",
            };
            vec![
                escape(&target.project),
                escape(&target.target),
                escape(&target.kind),
                badge(class, &target.state),
                format!("{} delivered, {} failed", target.delivered, target.failed),
                or_dash(target.last_delivery_at.as_deref()),
                or_dash(target.last_error.as_deref()),
            ]
        })
        .collect();
    table(
        out,
        &[
            "Project",
            "Target",
            "Kind",
            "State",
            "Deliveries",
            "Last delivery",
            "Last error",
        ],
        &rows,
    );
    let _ = writeln!(out, "</section>");
}

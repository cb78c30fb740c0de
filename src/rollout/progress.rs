//! How `apply --wait` shows rollouts: on a terminal, one line per service redrawn in place
//! with a running clock; elsewhere (CI logs, pipes), one line per phase change. Text only;
//! never decides anything about a rollout.

use std::io::Write;
use std::time::Instant;

use super::follow::{Phase, Progress};

pub struct ProgressPrinter {
    terminal: bool,
    started: Instant,
    /// Lines drawn last time, redrawn over on a terminal.
    drawn: usize,
    /// (phase, deployment) last printed per target, for transition lines.
    printed: Vec<Option<(Phase, Option<String>)>>,
}

impl ProgressPrinter {
    pub fn new(terminal: bool) -> Self {
        ProgressPrinter {
            terminal,
            started: Instant::now(),
            drawn: 0,
            printed: Vec::new(),
        }
    }

    /// Shows `progress`; write errors (a closed pipe) are ignored, the wait goes on.
    pub fn update(&mut self, out: &mut dyn Write, progress: &[Progress]) {
        if self.terminal {
            self.redraw(out, progress);
        } else {
            self.transitions(out, progress);
        }
        let _ = out.flush();
    }

    fn redraw(&mut self, out: &mut dyn Write, progress: &[Progress]) {
        if self.drawn > 0 {
            // Cursor up over the block drawn last time; each line is cleared before it is drawn.
            let _ = write!(out, "\x1b[{}A", self.drawn);
        }
        let now_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        for p in progress {
            let clock = if p.settled { p.elapsed_ms } else { now_ms };
            let _ = writeln!(out, "\x1b[2K{}", line(p, clock));
        }
        self.drawn = progress.len();
    }

    fn transitions(&mut self, out: &mut dyn Write, progress: &[Progress]) {
        self.printed.resize(progress.len(), None);
        for (p, printed) in progress.iter().zip(self.printed.iter_mut()) {
            let now = Some((p.phase, p.deployment_id.clone()));
            if *printed != now {
                let _ = writeln!(out, "{}", line(p, p.elapsed_ms));
                *printed = now;
            }
        }
    }
}

/// `  api[production]  building  12.3s  deployment 1a2b3c4d (BUILDING)`
pub fn line(progress: &Progress, elapsed_ms: u64) -> String {
    let mark = match progress.phase {
        Phase::Healthy => "✓",
        _ if progress.settled => "✗",
        _ => "…",
    };
    let deployment = match (&progress.deployment_id, &progress.status) {
        (Some(id), Some(status)) => format!("  deployment {id} ({status})"),
        _ => String::new(),
    };
    format!(
        "  {mark} {:<28} {:<13} {:>6.1}s{deployment}",
        progress.address(),
        progress.phase.name(),
        elapsed_ms as f64 / 1000.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(phase: Phase, settled: bool, elapsed_ms: u64) -> Progress {
        Progress {
            service: "api".into(),
            environment: "production".into(),
            deployment_id: Some("d-1".into()),
            status: Some("BUILDING".into()),
            phase,
            elapsed_ms,
            settled,
        }
    }

    #[test]
    fn without_a_terminal_each_phase_is_printed_once() {
        let mut printer = ProgressPrinter::new(false);
        let mut out = Vec::new();
        printer.update(&mut out, &[at(Phase::Building, false, 100)]);
        printer.update(&mut out, &[at(Phase::Building, false, 100)]);
        printer.update(&mut out, &[at(Phase::Healthy, true, 900)]);
        let text = String::from_utf8(out).unwrap_or_default();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.contains("building") && text.contains("healthy"));
        assert!(!text.contains('\x1b'), "no escape codes in a log: {text:?}");
    }

    #[test]
    fn on_a_terminal_the_block_is_redrawn_in_place() {
        let mut printer = ProgressPrinter::new(true);
        let mut out = Vec::new();
        let two = [at(Phase::Queued, false, 0), at(Phase::Building, false, 0)];
        printer.update(&mut out, &two);
        printer.update(&mut out, &two);
        let text = String::from_utf8(out).unwrap_or_default();
        assert!(
            text.contains("\x1b[2A"),
            "moves up over two lines: {text:?}"
        );
        assert_eq!(text.matches("\x1b[2K").count(), 4);
    }
}

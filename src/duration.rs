//! Human durations such as `90s`, `1h30m` or `30d` (flags, retention periods): integers with a unit
//! (`ms`, `s`, `m`, `h`, `d`), optionally chained. Parsing and printing only; it must not decide
//! what a duration is for.

use std::time::Duration;

/// Why a text is not a duration; the text is quoted as written (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("empty duration: expected e.g. 500ms, 90s, 5m, 1h or 30d")]
    Empty,
    #[error("invalid duration {text:?}: expected a whole number before each unit, e.g. 90s")]
    NoNumber { text: String },
    #[error("invalid duration {text:?}: {digits} is too large")]
    NumberTooLarge { text: String, digits: String },
    #[error("invalid duration {text:?}: missing unit (ms, s, m, h or d)")]
    MissingUnit { text: String },
    #[error("invalid duration {text:?}: unknown unit {unit:?} (use ms, s, m, h or d)")]
    UnknownUnit { text: String, unit: String },
    #[error("invalid duration {text:?}: too large")]
    TooLarge { text: String },
}

/// The shortest chain `parse_duration` reads back to `duration` (whole seconds; below a
/// second, milliseconds): `10m`, `1h30m`, `90s` prints as `1m30s`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds == 0 {
        return format!("{}ms", duration.as_millis());
    }
    let parts = [
        (seconds / 86_400, "d"),
        (seconds / 3_600 % 24, "h"),
        (seconds / 60 % 60, "m"),
        (seconds % 60, "s"),
    ];
    parts
        .iter()
        .filter(|(amount, _)| *amount > 0)
        .map(|(amount, unit)| format!("{amount}{unit}"))
        .collect()
}

/// Parses "500ms", "90s", "5m", "1h", "30d" or a chain such as "1h30m".
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(DurationError::Empty);
    }
    let text = || trimmed.to_string();
    let mut total = Duration::ZERO;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits_end == 0 {
            return Err(DurationError::NoNumber { text: text() });
        }
        let (digits, after_digits) = rest.split_at(digits_end);
        let unit_end = after_digits
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after_digits.len());
        let (unit, next) = after_digits.split_at(unit_end);
        let amount: u64 = digits.parse().map_err(|_| DurationError::NumberTooLarge {
            text: text(),
            digits: digits.to_string(),
        })?;
        let millis_per_unit = millis_per_unit(unit).ok_or_else(|| {
            if unit.is_empty() {
                DurationError::MissingUnit { text: text() }
            } else {
                DurationError::UnknownUnit {
                    text: text(),
                    unit: unit.to_string(),
                }
            }
        })?;
        let part = amount
            .checked_mul(millis_per_unit)
            .map(Duration::from_millis)
            .ok_or_else(|| DurationError::TooLarge { text: text() })?;
        total = total
            .checked_add(part)
            .ok_or_else(|| DurationError::TooLarge { text: text() })?;
        rest = next;
    }
    Ok(total)
}

fn millis_per_unit(unit: &str) -> Option<u64> {
    match unit {
        "ms" => Some(1),
        "s" => Some(1_000),
        "m" => Some(60_000),
        "h" => Some(3_600_000),
        "d" => Some(86_400_000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_duration_parses_back_to_itself() {
        for text in ["10m", "1h30m", "1m30s", "2d3h", "500ms", "45s"] {
            let parsed = parse_duration(text).unwrap_or_default();
            assert_eq!(format_duration(parsed), text);
        }
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
    }
}

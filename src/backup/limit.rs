//! Railway's 50 % limit on manual backups (R25), and every operator-run backup is a manual one:
//! when a volume is too full for them, the sentence status, metrics and plan show, and how
//! Railway's refusal is recognised. Pure; it never calls Railway.

/// R25: Railway refuses a manual backup once the data exceeds this share of the volume.
pub const MANUAL_BACKUP_LIMIT_PERCENT: f64 = 50.0;

/// What to do about the limit, in every message that mentions it.
pub const ADVICE: &str = "grow the volume or use native schedules (backups.schedules)";

/// R25: from 50 % usage the operator's backups fail (above it) or are about to (at it).
pub fn at_risk(usage_percent: f64) -> bool {
    usage_percent >= MANUAL_BACKUP_LIMIT_PERCENT
}

/// The warning for a volume with `backups.cron` at `usage_percent`, for people.
pub fn warning(volume: &str, service: &str, environment: &str, usage_percent: f64) -> String {
    format!(
        "volume {volume} of {service} in {environment} is {usage_percent:.0}% full: Railway refuses \
         manual backups of a volume more than 50% full, and backups.cron backups are manual; {ADVICE}"
    )
}

/// Whether Railway's `message` refuses a backup for the 50 % limit. Railway's text is unknown
/// (R25), so this matches the sandbox's guess and likely wordings alike: a mention of 50 % or
/// half, together with fullness, space or size.
pub fn is_refusal(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    let share = lower.contains("50%") || lower.contains("50 %") || lower.contains("half");
    let space = ["full", "space", "size", "usage"]
        .iter()
        .any(|word| lower.contains(word));
    share && space
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_starts_at_half_full() {
        assert!(!at_risk(49.9));
        assert!(at_risk(50.0));
        assert!(at_risk(85.0));
    }

    #[test]
    fn the_sandboxs_refusal_and_other_wordings_of_the_limit_are_recognised() {
        for message in [
            "VolumeInstanceBackupCreate: Cannot create a manual backup: the volume is more than 50% full. Backups need free space of at least the data size",
            "Volume usage exceeds 50 % of its size",
            "Backups require at least half of the volume to be free space",
        ] {
            assert!(is_refusal(message), "{message}");
        }
        for message in [
            "Not Authorized",
            "Problem processing request",
            "volume not found",
        ] {
            assert!(!is_refusal(message), "{message}");
        }
    }

    #[test]
    fn the_warning_names_the_volume_and_says_what_to_do() {
        let text = warning("db-data", "db", "production", 60.4);
        assert!(
            text.starts_with("volume db-data of db in production is 60% full"),
            "{text}"
        );
        assert!(
            text.ends_with("grow the volume or use native schedules (backups.schedules)"),
            "{text}"
        );
    }
}

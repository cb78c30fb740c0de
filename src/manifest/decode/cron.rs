//! Cron expression syntax as the manifest accepts it (5 fields, or 6 with seconds first), shared by
//! `deploy.cronSchedule` and `volume.backups.cron`. Syntax only: what a schedule runs is not its concern.

use croner::parser::{CronParser, Seconds, Year};

/// Why `expression` is not a cron expression this manifest accepts, in croner's words.
pub fn cron_problem(expression: &str) -> Option<String> {
    CronParser::builder()
        .seconds(Seconds::Optional)
        .year(Year::Disallowed)
        .build()
        .parse(expression)
        .err()
        .map(|error| error.to_string())
}

pub const CRON_HINT: &str = "use 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, e.g. \"*/5 * * * *\"";

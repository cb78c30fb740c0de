//! Markdown building blocks for report documents: tables with escaped cells, headings and
//! value formatting. Knows nothing of services or Railway.

use serde::Serialize;

/// A table cell: pipes escaped, newlines flattened, empty shown as `-`.
pub fn cell(text: &str) -> String {
    if text.is_empty() {
        return "-".into();
    }
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Inline code, or `-` when there is no value.
pub fn code(text: Option<&str>) -> String {
    match text {
        Some(t) if !t.is_empty() => format!("`{}`", t.replace('`', "'")),
        _ => "-".into(),
    }
}

/// A Markdown table; every cell goes through [`cell`].
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    out.push_str(&format!(
        "|{}\n",
        header.iter().map(|_| " --- |").collect::<String>()
    ));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// An optional value as text, `-` when absent.
pub fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// A number without a trailing `.0` when it is whole.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// A duration in seconds as the largest whole unit: `30 days`, `12 hours`, `90 seconds`.
pub fn whole_duration(seconds: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    for (size, unit) in UNITS {
        if seconds >= size && seconds.is_multiple_of(size) {
            let count = seconds / size;
            return format!("{count} {unit}{}", if count == 1 { "" } else { "s" });
        }
    }
    "0 seconds".into()
}

/// An enum spelled as Railway spells it (`ON_FAILURE`).
pub fn upstream_name<T: Serialize>(value: Option<T>) -> Option<String> {
    let value = serde_json::to_value(value?).ok()?;
    value.as_str().map(str::to_string)
}

/// `base` and `path` with exactly one slash between them.
pub(crate) fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_in_cells_are_escaped_and_empty_cells_show_a_dash() {
        assert_eq!(cell("a|b"), "a\\|b");
        assert_eq!(cell(""), "-");
        let t = table(&["A", "B"], &[vec!["x|y".into(), String::new()]]);
        assert_eq!(t, "| A | B |\n| --- | --- |\n| x\\|y | - |\n");
    }

    #[test]
    fn durations_read_in_their_largest_whole_unit() {
        assert_eq!(whole_duration(30 * 86_400), "30 days");
        assert_eq!(whole_duration(3_600), "1 hour");
        assert_eq!(whole_duration(90), "90 seconds");
    }

    #[test]
    fn whole_numbers_print_without_a_fraction() {
        assert_eq!(number(2.0), "2");
        assert_eq!(number(0.5), "0.5");
    }
}

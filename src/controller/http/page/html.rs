//! Small HTML building blocks for the status page. Every string that reaches the page goes
//! through [`escape`]; nothing here reads the status.

use std::fmt::Write as _;

/// Escapes text for both element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Escaped text, or a dash when there is nothing to show.
pub fn or_dash(text: Option<&str>) -> String {
    match text {
        Some(text) if !text.is_empty() => escape(text),
        _ => "&mdash;".to_string(),
    }
}

/// A coloured label; `class` is one of the fixed names in [`STYLE`], never user input.
pub fn badge(class: &str, label: &str) -> String {
    format!(
        "<span class=\"badge {}\">{}</span>",
        escape(class),
        escape(label)
    )
}

/// A table whose cells are already HTML.
pub fn table(out: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let _ = write!(out, "<table><thead><tr>");
    for header in headers {
        let _ = write!(out, "<th>{}</th>", escape(header));
    }
    let _ = writeln!(out, "</tr></thead><tbody>");
    for row in rows {
        let _ = write!(out, "<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        let _ = writeln!(out, "</tr>");
    }
    let _ = writeln!(out, "</tbody></table>");
}

pub const STYLE: &str = "\
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem;color:#1f2328;background:#fff}\
header{border-bottom:2px solid #d0d7de;margin-bottom:1rem}\
h1{margin:.2rem 0}h2{margin-top:2rem;border-bottom:1px solid #d0d7de}\
table{border-collapse:collapse;margin:.5rem 0;width:100%}\
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}\
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}\
code,.details{font-family:ui-monospace,monospace;font-size:.9em}\
.details{white-space:pre-wrap;margin:.2rem 0 .6rem 1rem;padding:0;list-style:none}\
.error{background:#ffebe9;border:1px solid #cf222e;padding:.5rem;white-space:pre-wrap}\
.muted{color:#656d76}\
.badge{display:inline-block;border-radius:1rem;padding:0 .6rem;font-size:.85em;font-weight:600;color:#fff;background:#6e7781}\
.good{background:#1a7f37}.warn{background:#9a6700}.bad{background:#cf222e}.info{background:#0969da}.neutral{background:#6e7781}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn missing_and_empty_values_show_a_dash() {
        assert_eq!(or_dash(None), "&mdash;");
        assert_eq!(or_dash(Some("")), "&mdash;");
        assert_eq!(or_dash(Some("<x>")), "&lt;x&gt;");
    }
}

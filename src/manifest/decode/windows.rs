//! Decodes `spec.policy.windows`, the change windows: cron syntax, IANA time zones, a duration of
//! at least one second and an explicit `mode`. When a window is open is `change_window`'s concern.

use super::super::desired::{ChangeWindow, WindowMode};
use super::super::yaml_tree::{Node, Value};
use super::backups::{decode_timezone, required_schedule};
use super::reader::{Fields, Reader};

const WINDOW_FIELDS: &[&str] = &["schedule", "duration", "timezone", "mode"];
const MODES: &[(&str, WindowMode)] = &[("deny", WindowMode::Deny), ("allow", WindowMode::Allow)];
const MODE_HINT: &str = "write `mode: deny` to hold writes while the window is open, or `mode: allow` to write only inside allow windows";
const DURATION_HINT: &str =
    "write how long each opening lasts, at least one second, e.g. `60h`, `8h` or `1h30m`";

/// Reads `policy.windows`; absent means none.
pub fn decode_windows(reader: &mut Reader, policy: &Fields) -> Vec<ChangeWindow> {
    let Some(node) = policy.get("windows") else {
        return Vec::new();
    };
    let path = policy.field_path("windows");
    let Value::Sequence(items) = &node.value else {
        reader.sink.error_with_hint(
            node.at,
            format!("expected a list for `{path}`, found {}", node.kind_name()),
            "write `windows: [ { schedule: \"0 22 * * 5\", duration: 60h, mode: deny } ]`",
        );
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| decode_window(reader, item, &format!("{path}[{index}]")))
        .collect()
}

/// One item; every field is checked even when an earlier one is invalid.
fn decode_window(reader: &mut Reader, item: &Node, path: &str) -> Option<ChangeWindow> {
    let fields = reader.fields(item, path, WINDOW_FIELDS, &[])?;
    let schedule = required_schedule(reader, &fields);
    let timezone = decode_timezone(reader, &fields);
    let duration = decode_duration(reader, &fields);
    let mode = decode_mode(reader, &fields);
    Some(ChangeWindow {
        schedule: schedule?.value,
        timezone: timezone.ok()?,
        duration_seconds: duration?,
        mode: mode?,
    })
}

fn decode_duration(reader: &mut Reader, fields: &Fields) -> Option<u64> {
    let Some(node) = fields.get("duration") else {
        reader.sink.error_with_hint(
            fields.at,
            format!("missing required field `duration` in {}", fields.path),
            DURATION_HINT,
        );
        return None;
    };
    let path = fields.field_path("duration");
    let written = reader.string(node, &path)?;
    let problem = match crate::duration::parse_duration(&written.value) {
        Ok(length) if length.as_secs() >= 1 && length.subsec_nanos() == 0 => {
            return Some(length.as_secs());
        }
        Ok(length) if length.is_zero() => "a window of zero length never opens".to_string(),
        Ok(length) if length.as_secs() == 0 => "it must be at least 1s".to_string(),
        Ok(_) => "it must be whole seconds".to_string(),
        // The parser quotes its input: only shown when nothing was expanded.
        Err(reason) if node.scalar_text() == Some(written.value.as_str()) => reason.to_string(),
        Err(_) => "not a duration".to_string(),
    };
    reader.sink.error_with_hint(
        written.at,
        format!("invalid duration in `{path}`: {problem}"),
        DURATION_HINT,
    );
    None
}

/// `mode` is required: guessing wrong either freezes a project or lets it write in a freeze.
fn decode_mode(reader: &mut Reader, fields: &Fields) -> Option<WindowMode> {
    if fields.get("mode").is_none() {
        reader.sink.error_with_hint(
            fields.at,
            format!("missing required field `mode` in {}", fields.path),
            MODE_HINT,
        );
        return None;
    }
    reader.opt_enum(fields, "mode", MODES).map(|m| m.value)
}

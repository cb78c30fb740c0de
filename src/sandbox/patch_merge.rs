//! JSON merging for EnvironmentConfig patches (R13): a patch onto stored config (null deletes),
//! a patch onto a staged patch (null kept as an instruction), and the change count of a staged
//! patch (R17). Pure functions over `serde_json::Value`; no store, no Railway records.

use serde_json::{Map, Value};

/// R13: objects merge key by key, omitted keys stay, a scalar or a list replaces whole, and
/// `null` removes the key (clears a setting or deletes a map entry).
pub(crate) fn merge_into(target: &mut Value, patch: &Value) {
    let Value::Object(entries) = patch else {
        *target = strip_nulls(patch);
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(slots) = target else {
        return;
    };
    for (key, value) in entries {
        match value {
            Value::Null => {
                slots.remove(key);
            }
            Value::Object(_) => merge_into(
                slots
                    .entry(key.clone())
                    .or_insert(Value::Object(Map::new())),
                value,
            ),
            other => {
                slots.insert(key.clone(), other.clone());
            }
        }
    }
}

/// R17 `merge: true`: the newer patch wins key by key, keeping its nulls (they are deletions
/// still to be applied at commit).
pub(crate) fn merge_patches(base: &mut Value, newer: &Value) {
    match (base, newer) {
        (Value::Object(slots), Value::Object(entries)) => {
            for (key, value) in entries {
                match slots.get_mut(key) {
                    Some(slot) if slot.is_object() && value.is_object() => {
                        merge_patches(slot, value)
                    }
                    _ => {
                        slots.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, newer) => *base = newer.clone(),
    }
}

/// The value without any null member, at every depth (R14: nulls next to `isCreated`).
pub(crate) fn strip_nulls(value: &Value) -> Value {
    match value {
        Value::Object(entries) => Value::Object(
            entries
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), strip_nulls(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// How many changes a patch holds: one per leaf (a scalar, a list, a null or an empty object).
/// Guess: Railway's exact counting for `unmergedChangesCount` is not documented.
pub(crate) fn count_changes(patch: &Value) -> i32 {
    match patch {
        Value::Object(entries) => entries.values().map(leaves).sum(),
        _ => 0,
    }
}

fn leaves(value: &Value) -> i32 {
    match value {
        Value::Object(entries) if !entries.is_empty() => entries.values().map(leaves).sum(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_patch_merges_objects_replaces_lists_and_deletes_on_null() {
        let mut stored = json!({"a": {"x": 1, "y": 2}, "l": [1, 2, 3], "v": {"K": {"value": "1"}}});
        merge_into(
            &mut stored,
            &json!({"a": {"y": null, "z": 3}, "l": [9], "v": {"K": null}}),
        );
        assert_eq!(stored, json!({"a": {"x": 1, "z": 3}, "l": [9], "v": {}}));
    }

    #[test]
    fn merging_patches_keeps_the_newer_nulls() {
        let mut staged = json!({"services": {"s": {"variables": {"A": {"value": "1"}}}}});
        merge_patches(
            &mut staged,
            &json!({"services": {"s": {"variables": {"B": null}}}}),
        );
        assert_eq!(
            staged,
            json!({"services": {"s": {"variables": {"A": {"value": "1"}, "B": null}}}})
        );
        assert_eq!(count_changes(&staged), 2);
        assert_eq!(count_changes(&json!({})), 0);
    }
}

//! Railway's IaC change sets (the `input` of `environmentApplyChangeSet` and
//! `environmentPreviewChangeSet`): parsing one, and turning its graph nodes (`service.api`,
//! `volume.data`) into `EnvironmentConfig` entries. Pure data: no store, no ids, no rules.
//!
//! The wire format is the one Railway's CLI 5.71.0 sends (its `iac/change_set.rs`): a version,
//! `changes` in order, each with a `kind`, an `address` and, by kind, `resource`, `field` +
//! `after`, or `variable` + `after`.

use serde_json::{Map, Value, json};

/// The kinds of change the sandbox applies. Any other kind is refused, naming it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    /// A new service, database, volume or other node; `resource` is the whole desired node.
    Create {
        address: String,
        resource: Value,
    },
    /// One top-level field of an existing node, replaced by `after` (`before` for clears).
    Update {
        address: String,
        field: String,
        before: Value,
        after: Value,
    },
    SetVariable {
        address: String,
        name: String,
        after: Value,
    },
    DeleteVariable {
        address: String,
        name: String,
    },
    Delete {
        address: String,
    },
}

impl Change {
    pub(crate) fn address(&self) -> &str {
        match self {
            Change::Create { address, .. }
            | Change::Update { address, .. }
            | Change::SetVariable { address, .. }
            | Change::DeleteVariable { address, .. }
            | Change::Delete { address } => address,
        }
    }
}

/// A change as sent, with the text the apply result echoes back.
#[derive(Debug, Clone)]
pub(crate) struct ParsedChange {
    pub change: Change,
    pub kind: String,
    pub path: Option<String>,
    pub summary: Option<String>,
}

/// Parses `input.changes`; the error names the change (by position) and what is wrong with it.
pub(crate) fn parse(input: &Value) -> Result<Vec<ParsedChange>, String> {
    let changes = input
        .get("changes")
        .and_then(Value::as_array)
        .ok_or("the change set has no changes list")?;
    changes
        .iter()
        .enumerate()
        .map(|(index, raw)| parse_one(raw).map_err(|why| format!("changes[{index}]: {why}")))
        .collect()
}

fn parse_one(raw: &Value) -> Result<ParsedChange, String> {
    let text = |key: &str| raw.get(key).and_then(Value::as_str).map(str::to_string);
    let kind = text("kind").ok_or("no kind")?;
    let address = text("address").ok_or("no address")?;
    let change = match kind.as_str() {
        "resource.create" => Change::Create {
            address,
            resource: raw.get("resource").cloned().ok_or("no resource")?,
        },
        "resource.update" => Change::Update {
            address,
            field: text("field").ok_or("no field")?,
            before: raw.get("before").cloned().unwrap_or(Value::Null),
            after: raw.get("after").cloned().unwrap_or(Value::Null),
        },
        "variable.set" => Change::SetVariable {
            address,
            name: text("variable").ok_or("no variable")?,
            after: raw.get("after").cloned().ok_or("no after")?,
        },
        "variable.delete" => Change::DeleteVariable {
            address,
            name: text("variable").ok_or("no variable")?,
        },
        "resource.delete" => Change::Delete { address },
        other => return Err(format!("the change kind {other:?} is not emulated")),
    };
    Ok(ParsedChange {
        change,
        kind,
        path: text("path"),
        summary: text("summary"),
    })
}

/// `service.api` → (`service`, `api`); a name may itself hold dots.
pub(crate) fn split_address(address: &str) -> Option<(&str, &str)> {
    address.split_once('.').filter(|(_, name)| !name.is_empty())
}

/// Whether the node is a Railway service (the CLI calls template databases `database`).
pub(crate) fn is_service_type(resource_type: &str) -> bool {
    matches!(resource_type, "service" | "database")
}

/// A graph `source` as the config's: `type` dropped, and only what that type carries.
pub(crate) fn source_to_config(source: &Value) -> Value {
    let mut out = Map::new();
    let source_type = source.get("type").and_then(Value::as_str);
    let own: &[&str] = match source_type {
        Some("github") => &["repo", "branch"],
        Some("image") => &["image"],
        // A source without a type keeps what it names.
        None => &["repo", "branch", "image"],
        Some(_) => &[],
    };
    let shared = [
        "rootDirectory",
        "commitSha",
        "upstreamUrl",
        "checkSuites",
        "autoUpdates",
    ];
    for key in own.iter().chain(shared.iter()) {
        if let Some(value) = source.get(*key).filter(|v| !v.is_null()) {
            out.insert((*key).to_string(), value.clone());
        }
    }
    Value::Object(out)
}

/// One graph variable as a config variable entry; `None` for `preserve()` (left as it is).
/// References name their target by service name, as Railway's `${{name.VAR}}` syntax does.
pub(crate) fn variable_to_config(value: &Value) -> Option<Value> {
    let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default();
    match value.get("type").and_then(Value::as_str) {
        Some("preserve") => None,
        Some("literal") => {
            let mut copy = value.as_object().cloned().unwrap_or_default();
            copy.remove("type");
            Some(Value::Object(copy))
        }
        Some("raw") => Some(value.get("value").cloned().unwrap_or_else(|| json!({}))),
        Some("sharedReference") => {
            Some(json!({ "value": format!("${{{{shared.{}}}}}", text("name")) }))
        }
        Some("reference") => {
            let target = text("resource");
            let name = split_address(target).map_or(target, |(_, name)| name);
            Some(json!({ "value": format!("${{{{{name}.{}}}}}", text("output")) }))
        }
        // A bare string or an untyped entry is taken as it is.
        _ => Some(match value {
            Value::String(text) => json!({ "value": text }),
            other => other.clone(),
        }),
    }
}

/// The value a variable entry stores, for comparing with what the environment holds.
pub(crate) fn variable_value(value: &Value) -> Option<String> {
    variable_to_config(value)?
        .get("value")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A graph variables map as the config's (preserved ones left out).
pub(crate) fn variables_to_config(variables: &Value) -> Value {
    let map = variables.as_object().cloned().unwrap_or_default();
    Value::Object(
        map.iter()
            .filter_map(|(name, value)| variable_to_config(value).map(|v| (name.clone(), v)))
            .collect(),
    )
}

/// A new service's config entry, without its volume mounts (they need volume ids).
pub(crate) fn service_entry(resource: &Value) -> Value {
    let mut entry = Map::new();
    entry.insert("isCreated".into(), json!(true));
    if let Some(source) = resource.get("source").filter(|s| s.is_object()) {
        entry.insert("source".into(), source_to_config(source));
    } else if let Some(image) = resource.get("image").and_then(Value::as_str) {
        // The CLI's database nodes carry their image at the top level.
        entry.insert("source".into(), json!({ "image": image }));
    }
    for key in ["build", "deploy", "networking"] {
        if let Some(value) = resource.get(key).filter(|v| v.is_object()) {
            entry.insert(key.into(), value.clone());
        }
    }
    if let Some(variables) = resource.get("variables") {
        entry.insert("variables".into(), variables_to_config(variables));
    }
    Value::Object(entry)
}

/// The volume attachments of a node: (volume name, mount path).
pub(crate) fn attachments(attachments: &Value) -> Vec<(String, String)> {
    let Some(map) = attachments.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(key, attachment)| {
            let path = attachment.get("mountPath").and_then(Value::as_str)?;
            let volume = attachment
                .get("volume")
                .and_then(Value::as_str)
                .and_then(split_address)
                .map_or(key.as_str(), |(_, name)| name);
            Some((volume.to_string(), path.to_string()))
        })
        .collect()
}

/// `after` as a patch of the field: objects carry a `null` for every key `before` had and
/// `after` lacks, since a patch deep-merges and omission never deletes (R13). A declarative
/// tool's update means "make it so", so the dropped keys must be cleared explicitly.
pub(crate) fn replacing_patch(before: &Value, after: &Value) -> Value {
    match (before, after) {
        (Value::Object(before), Value::Object(after)) => {
            let mut out = Map::new();
            for (key, value) in after {
                let previous = before.get(key).unwrap_or(&Value::Null);
                out.insert(key.clone(), replacing_patch(previous, value));
            }
            for key in before.keys().filter(|k| !after.contains_key(*k)) {
                out.insert(key.clone(), Value::Null);
            }
            Value::Object(out)
        }
        (_, after) => after.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_set_parses_in_order_and_an_unknown_kind_is_named() {
        let input = json!({ "version": 1, "changes": [
            { "kind": "variable.set", "address": "service.api", "variable": "PORT",
              "after": { "type": "literal", "value": "80" } },
            { "kind": "resource.delete", "address": "service.old" },
        ]});
        let parsed = parse(&input).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(
            parsed[1].change,
            Change::Delete {
                address: "service.old".into()
            }
        );
        let bad = json!({ "changes": [{ "kind": "bucket.rotate", "address": "bucket.b" }] });
        assert_eq!(
            parse(&bad).unwrap_err(),
            "changes[0]: the change kind \"bucket.rotate\" is not emulated"
        );
    }

    #[test]
    fn references_become_railway_template_syntax_and_preserve_is_left_out() {
        let variables = json!({
            "A": { "type": "literal", "value": "1" },
            "B": { "type": "reference", "resource": "service.db", "output": "DATABASE_URL" },
            "C": { "type": "sharedReference", "name": "TOKEN" },
            "D": { "type": "preserve" },
        });
        assert_eq!(
            variables_to_config(&variables),
            json!({
                "A": { "value": "1" },
                "B": { "value": "${{db.DATABASE_URL}}" },
                "C": { "value": "${{shared.TOKEN}}" },
            })
        );
    }

    #[test]
    fn a_replacing_patch_clears_what_the_new_value_leaves_out() {
        let before =
            json!({ "startCommand": "a", "numReplicas": 1, "limits": { "cpu": 1, "mem": 2 } });
        let after = json!({ "numReplicas": 2, "limits": { "cpu": 1 } });
        assert_eq!(
            replacing_patch(&before, &after),
            json!({ "startCommand": null, "numReplicas": 2, "limits": { "cpu": 1, "mem": null } })
        );
    }

    #[test]
    fn a_github_source_keeps_repo_and_branch_and_drops_its_type() {
        let source =
            json!({ "type": "github", "repo": "acme/web", "branch": "main", "image": "x" });
        assert_eq!(
            source_to_config(&source),
            json!({ "repo": "acme/web", "branch": "main" })
        );
    }
}

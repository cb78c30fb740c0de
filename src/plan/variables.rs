//! Variable diffs and the next ownership inventory: pure functions the planner calls per
//! service and environment. Values are compared in memory; a value reaches the plan only when
//! it is not sensitive, and an old value only when this operator set it from plain text.

use std::collections::{BTreeMap, BTreeSet};

use super::action::{VariableChange, VariableOp};
use crate::inventory::Inventory;
use crate::manifest::desired::VariableValue;
use crate::railway::live::LiveVariable;

/// What comparing one scope's variables found.
#[derive(Debug, Default)]
pub struct VariableDiff {
    pub changes: Vec<VariableChange>,
    /// Sealed on Railway: compared by presence only.
    pub sealed: Vec<String>,
    /// On Railway, not in the manifest, never set by this operator: left alone.
    pub unmanaged: Vec<String>,
    /// Owned, no longer in the manifest, kept because prune is off.
    pub pending_prune: Vec<String>,
}

/// Compares the desired variables of one scope (a service in an environment, or the shared
/// variables of an environment, `scope` as in the inventory) with what Railway holds.
pub fn diff_variables(
    desired: &BTreeMap<String, VariableValue>,
    live: &BTreeMap<String, LiveVariable>,
    scope: &str,
    owned: Option<&Inventory>,
    prune: bool,
) -> VariableDiff {
    let mut diff = VariableDiff::default();
    for (name, want) in desired {
        let change = |op, before: Option<String>| VariableChange {
            name: name.clone(),
            op,
            sensitive: want.is_sensitive(),
            before,
            after: match want {
                VariableValue::Plain { value } => Some(value.clone()),
                _ => None,
            },
            generate: match want {
                VariableValue::Generate { length } => Some(*length),
                _ => None,
            },
        };
        match (live.get(name), want) {
            (None, _) => diff.changes.push(change(VariableOp::Add, None)),
            (Some(LiveVariable::Sealed), _) => diff.sealed.push(name.clone()),
            // Generated once, never rotated: any existing value is the right one.
            (Some(LiveVariable::Value(_)), VariableValue::Generate { .. }) => {}
            (Some(LiveVariable::Value(have)), VariableValue::Plain { value }) => {
                if have.expose() != value {
                    let shown = owned.is_some_and(|inv| {
                        inv.owns_variable(scope, name) && !inv.was_sensitive(scope, name)
                    });
                    let before = shown.then(|| have.expose().to_string());
                    diff.changes.push(change(VariableOp::Update, before));
                }
            }
            (Some(LiveVariable::Value(have)), VariableValue::Secret { secret }) => {
                if have != secret {
                    diff.changes.push(change(VariableOp::Update, None));
                }
            }
        }
    }
    for name in live.keys().filter(|name| !desired.contains_key(*name)) {
        if owned.is_some_and(|inv| inv.owns_variable(scope, name)) {
            if prune {
                diff.changes.push(VariableChange {
                    name: name.clone(),
                    op: VariableOp::Delete,
                    sensitive: owned.is_some_and(|inv| inv.was_sensitive(scope, name)),
                    before: None,
                    after: None,
                    generate: None,
                });
            } else {
                diff.pending_prune.push(name.clone());
            }
        } else {
            diff.unmanaged.push(name.clone());
        }
    }
    diff
}

/// Records, for one scope of the next inventory, the variables the manifest manages plus the
/// owned ones that stay on Railway (kept because prune is off), so a later prune can find them.
pub fn record_scope(
    next: &mut Inventory,
    scope: &str,
    desired: &BTreeMap<String, VariableValue>,
    kept_owned: &[String],
    previous: Option<&Inventory>,
) {
    let mut names: BTreeSet<String> = desired.keys().cloned().collect();
    let mut sensitive: BTreeSet<String> = desired
        .iter()
        .filter(|(_, v)| v.is_sensitive())
        .map(|(n, _)| n.clone())
        .collect();
    for name in kept_owned {
        names.insert(name.clone());
        if previous.is_some_and(|inv| inv.was_sensitive(scope, name)) {
            sensitive.insert(name.clone());
        }
    }
    if !names.is_empty() {
        next.variables.insert(scope.to_string(), names);
    }
    if !sensitive.is_empty() {
        next.sensitive.insert(scope.to_string(), sensitive);
    }
}

/// Shared variable names a value refers to as `${{shared.NAME}}` (spaces inside the braces allowed).
pub fn shared_references(value: &VariableValue) -> Vec<String> {
    let VariableValue::Plain { value } = value else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut rest = value.as_str();
    while let Some(start) = rest.find("${{") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        if let Some(name) = after[..end].trim().strip_prefix("shared.") {
            found.push(name.trim().to_string());
        }
        rest = &after[end + 2..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::{Secret, SecretOrigin};

    fn plain(v: &str) -> VariableValue {
        VariableValue::Plain { value: v.into() }
    }

    fn live(v: &str) -> LiveVariable {
        LiveVariable::Value(Secret::new(SecretOrigin::Live, v))
    }

    #[test]
    fn unowned_old_values_are_never_shown() {
        let desired = BTreeMap::from([("A".to_string(), plain("new"))]);
        let live_vars = BTreeMap::from([("A".to_string(), live("old-maybe-secret"))]);
        let diff = diff_variables(&desired, &live_vars, "api", None, false);
        assert_eq!(diff.changes.len(), 1);
        assert_eq!(diff.changes[0].before, None);
        let mut inventory = Inventory::default();
        inventory
            .variables
            .entry("api".into())
            .or_default()
            .insert("A".into());
        let diff = diff_variables(&desired, &live_vars, "api", Some(&inventory), false);
        assert_eq!(diff.changes[0].before.as_deref(), Some("old-maybe-secret"));
    }

    #[test]
    fn generated_values_are_created_once_and_never_rotated() {
        let desired = BTreeMap::from([("K".to_string(), VariableValue::Generate { length: 32 })]);
        let diff = diff_variables(&desired, &BTreeMap::new(), "api", None, false);
        assert_eq!(diff.changes[0].generate, Some(32));
        let live_vars = BTreeMap::from([("K".to_string(), live("anything"))]);
        assert!(
            diff_variables(&desired, &live_vars, "api", None, false)
                .changes
                .is_empty()
        );
    }

    #[test]
    fn only_owned_variables_are_pruned_and_only_with_prune() {
        let live_vars = BTreeMap::from([
            ("OWNED".to_string(), live("1")),
            ("FOREIGN".to_string(), live("2")),
        ]);
        let mut inventory = Inventory::default();
        inventory
            .variables
            .entry("api".into())
            .or_default()
            .insert("OWNED".into());
        let diff = diff_variables(&BTreeMap::new(), &live_vars, "api", Some(&inventory), false);
        assert!(diff.changes.is_empty());
        assert_eq!(diff.pending_prune, vec!["OWNED"]);
        assert_eq!(diff.unmanaged, vec!["FOREIGN"]);
        let diff = diff_variables(&BTreeMap::new(), &live_vars, "api", Some(&inventory), true);
        assert_eq!(diff.changes.len(), 1);
        assert_eq!(
            (diff.changes[0].name.as_str(), diff.changes[0].op),
            ("OWNED", VariableOp::Delete)
        );
    }

    #[test]
    fn sealed_variables_are_compared_by_presence_only() {
        let desired = BTreeMap::from([("S".to_string(), plain("x"))]);
        let live_vars = BTreeMap::from([("S".to_string(), LiveVariable::Sealed)]);
        let diff = diff_variables(&desired, &live_vars, "api", None, false);
        assert!(diff.changes.is_empty());
        assert_eq!(diff.sealed, vec!["S"]);
    }

    #[test]
    fn shared_references_are_found_with_spaces_and_surrounding_text() {
        let v = plain("a ${{ shared.LOG_LEVEL }} b ${{shared.X}} ${{api.Y}}");
        assert_eq!(shared_references(&v), vec!["LOG_LEVEL", "X"]);
    }
}

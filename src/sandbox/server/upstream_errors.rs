//! Railway's wording for requests the sandbox cannot run: validation messages as Railway's
//! GraphQL server words them (graphql-js), and "not emulated" for Railway root fields outside
//! the sandbox's scope. It only rewrites text; it never decides what is valid.

use super::upstream_roots::UPSTREAM_ROOT_FIELDS;

/// The first root field that Railway has and the sandbox does not serve.
pub(super) fn not_emulated<'a>(
    root_fields: &'a [String],
    served: &std::collections::BTreeSet<String>,
) -> Option<&'a str> {
    root_fields
        .iter()
        .map(String::as_str)
        .find(|name| !served.contains(*name) && UPSTREAM_ROOT_FIELDS.binary_search(name).is_ok())
}

/// `sandbox: deploymentLogs is not emulated`
pub(super) fn not_emulated_message(root_field: &str) -> String {
    format!("sandbox: {root_field} is not emulated")
}

/// async-graphql's validation message reworded as graphql-js (Railway) words it; `None` when
/// the message is not one of the reworded kinds.
pub(super) fn reword(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("Unknown field ") {
        return Some(format!("Cannot query field {rest}"));
    }
    if let Some(rest) = message.strip_prefix("Unknown argument ") {
        // `"a" on field "f" of type "T".<suggestion>` → `"a" on field "T.f".<suggestion>`
        let (argument, rest) = rest.split_once(" on field \"")?;
        let (field, rest) = rest.split_once("\" of type \"")?;
        let (parent, suggestion) = rest.split_once("\".")?;
        return Some(format!(
            "Unknown argument {argument} on field \"{parent}.{field}\".{suggestion}"
        ));
    }
    if let Some(rest) = message.strip_suffix(" is required but not provided") {
        return Some(format!("{rest} is required, but it was not provided."));
    }
    if let Some(variable) = message
        .strip_prefix("Variable \"")
        .and_then(|rest| rest.strip_suffix("\" is not used"))
    {
        return Some(format!("Variable \"{variable}\" is never used."));
    }
    if message.starts_with("Unknown type \"") && !message.ends_with('.') {
        return Some(format!("{message}."));
    }
    if message.starts_with("Variable \"") && message.ends_with("\" is not defined") {
        return Some(format!("{message}."));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_field_reads_as_cannot_query_field() {
        assert_eq!(
            reword("Unknown field \"x\" on type \"Project\".").as_deref(),
            Some("Cannot query field \"x\" on type \"Project\".")
        );
    }

    #[test]
    fn an_unknown_argument_names_the_field_with_its_type() {
        assert_eq!(
            reword("Unknown argument \"a\" on field \"project\" of type \"Query\".").as_deref(),
            Some("Unknown argument \"a\" on field \"Query.project\".")
        );
    }

    #[test]
    fn the_root_field_list_is_sorted_for_binary_search() {
        assert!(
            UPSTREAM_ROOT_FIELDS
                .windows(2)
                .all(|pair| pair[0] < pair[1])
        );
    }
}

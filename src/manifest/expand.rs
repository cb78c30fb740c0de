//! `${VAR}` expansion of manifest strings from the operator's environment. `$${VAR}` is a literal
//! `${VAR}`, `${{...}}` (a Railway reference) and `$NAME` without braces are left untouched. Never
//! reports an expanded value: it may be a secret.

/// Why a string could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    Unset(String),
    Malformed,
}

/// Expands every `${NAME}` in `raw` through `lookup`.
pub fn expand(raw: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, ExpandError> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let tail = &rest[dollar..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
        } else if tail.starts_with("${{") {
            // A Railway reference: copied through verbatim, up to and including its `}}`.
            let end = tail.find("}}").map_or(tail.len(), |i| i + 2);
            out.push_str(&tail[..end]);
            rest = &tail[end..];
        } else if let Some(after) = tail.strip_prefix("${") {
            let Some(close) = after.find('}') else {
                return Err(ExpandError::Malformed);
            };
            let name = &after[..close];
            if !is_variable_name(name) {
                return Err(ExpandError::Malformed);
            }
            match lookup(name) {
                Some(value) => out.push_str(&value),
                None => return Err(ExpandError::Unset(name.to_string())),
            }
            rest = &after[close + 1..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "HOME_DIR").then(|| "/home/op".to_string())
    }

    #[test]
    fn braces_expand_and_escapes_stay_literal() {
        assert_eq!(expand("a ${HOME_DIR} b", &env), Ok("a /home/op b".into()));
        assert_eq!(expand("$${HOME_DIR}", &env), Ok("${HOME_DIR}".into()));
        assert_eq!(
            expand("${{pg.URL}} $PORT $$", &env),
            Ok("${{pg.URL}} $PORT $$".into())
        );
    }

    #[test]
    fn unset_and_malformed_variables_are_errors() {
        assert_eq!(
            expand("${NOPE}", &env),
            Err(ExpandError::Unset("NOPE".into()))
        );
        assert_eq!(expand("${bad name}", &env), Err(ExpandError::Malformed));
        assert_eq!(expand("${OPEN", &env), Err(ExpandError::Malformed));
    }
}

//! Finding Railway references (`${{ns.VAR}}`, `${{VAR}}`) in a variable's text as written. Only
//! parses: whether a namespace exists is decided by `resolve`; the text itself is never rewritten.

/// One `${{...}}` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `shared`, a service name, or `None` for the variable's own service.
    pub namespace: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceError {
    /// A `${{` without its `}}`.
    Unclosed,
    /// `${{}}` or `${{ns.}}`.
    Empty,
}

/// Every reference in `raw`, in order. `$${` is the escape for a literal `${` and starts none.
pub fn find_references(raw: &str) -> Result<Vec<Reference>, ReferenceError> {
    let mut found = Vec::new();
    let mut rest = raw;
    while let Some(dollar) = rest.find('$') {
        let tail = &rest[dollar..];
        if let Some(after) = tail.strip_prefix("$${") {
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${{") {
            let close = after.find("}}").ok_or(ReferenceError::Unclosed)?;
            found.push(parse_inner(after[..close].trim())?);
            rest = &after[close + 2..];
        } else {
            rest = &tail[1..];
        }
    }
    Ok(found)
}

fn parse_inner(inner: &str) -> Result<Reference, ReferenceError> {
    let (namespace, name) = match inner.split_once('.') {
        Some((namespace, name)) => (Some(namespace.trim().to_string()), name.trim()),
        None => (None, inner),
    };
    if name.is_empty() || namespace.as_deref() == Some("") {
        return Err(ReferenceError::Empty);
    }
    Ok(Reference {
        namespace,
        name: name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(namespace: Option<&str>, name: &str) -> Reference {
        Reference {
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    #[test]
    fn several_references_with_spaces_and_surrounding_text_are_found() {
        assert_eq!(
            find_references("redis://${{ redis.HOST }}:${{PORT}}/x ${{shared.A}}"),
            Ok(vec![
                reference(Some("redis"), "HOST"),
                reference(None, "PORT"),
                reference(Some("shared"), "A"),
            ])
        );
        assert_eq!(find_references("plain $PORT ${HOME} $$"), Ok(vec![]));
        assert_eq!(find_references("$${{not.a_ref}}"), Ok(vec![]));
    }

    #[test]
    fn unclosed_and_empty_references_are_errors() {
        assert_eq!(
            find_references("x ${{postgres.URL"),
            Err(ReferenceError::Unclosed)
        );
        assert_eq!(find_references("${{ }}"), Err(ReferenceError::Empty));
        assert_eq!(find_references("${{pg.}}"), Err(ReferenceError::Empty));
    }
}

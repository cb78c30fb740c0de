//! Keeps credentials out of everything a source shows: URLs lose their `user:password@` part and
//! Git's stderr loses any token or embedded credential. Pure string work; it must not log.

/// The URL with any `user[:password]@` userinfo removed, e.g. for `describe()` and errors.
pub fn strip_credentials(url: &str) -> String {
    scrub_userinfo(url)
}

/// `text` (typically Git's stderr) with every URL's userinfo removed and every secret replaced.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut cleaned = scrub_userinfo(text);
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        cleaned = cleaned.replace(secret, "***");
    }
    cleaned.trim().to_string()
}

/// Removes the userinfo of every `scheme://userinfo@host` occurrence in `text`.
fn scrub_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let authority_start = scheme_end + 3;
        out.push_str(&rest[..authority_start]);
        let after_scheme = &rest[authority_start..];
        let authority_len = after_scheme
            .find(|c: char| {
                c == '/' || c == '?' || c == '#' || c.is_whitespace() || c == '\'' || c == '"'
            })
            .unwrap_or(after_scheme.len());
        let authority = &after_scheme[..authority_len];
        match authority.rfind('@') {
            Some(at) => out.push_str(&authority[at + 1..]),
            None => out.push_str(authority),
        }
        rest = &after_scheme[authority_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_removed_from_urls() {
        assert_eq!(
            strip_credentials("https://user:secret@github.com/org/repo.git"),
            "https://github.com/org/repo.git"
        );
        assert_eq!(
            strip_credentials("https://tok@example.com"),
            "https://example.com"
        );
        assert_eq!(
            strip_credentials("file:///tmp/repo.git"),
            "file:///tmp/repo.git"
        );
    }

    #[test]
    fn stderr_loses_embedded_credentials_and_tokens() {
        let stderr = "fatal: unable to access 'https://me:pw@host/r.git/': token abc123 refused\n";
        assert_eq!(
            scrub(stderr, &["abc123"]),
            "fatal: unable to access 'https://host/r.git/': token *** refused"
        );
    }
}

//! `spec.previews.fromBranches.pattern`: which remote branches get a preview environment, and
//! the environment name each branch gets. Matching and naming only; it must not list branches
//! or decide what to create.
//!
//! Pattern syntax (the subset of Git's own ref globs a branch name can meet): `*` matches any
//! run of characters within one `/`-separated segment, `**` any run across segments (`/`
//! included), `?` one character other than `/`; everything else matches itself. Git forbids
//! `[`, `\` and spaces in branch names (`git check-ref-format`), so a pattern holding one is
//! refused rather than read as a character class.

use sha2::{Digest, Sha256};

/// The longest preview name the operator makes. Railway documents no limit for environment
/// names (a guess); 40 leaves room in generated domains (`<service>-<environment>`, one DNS
/// label of at most 63 characters).
pub const MAX_NAME: usize = 40;

/// A checked pattern.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BranchPattern(String);

impl BranchPattern {
    /// `text` as a pattern, or why it cannot be one.
    pub fn parse(text: &str) -> Result<BranchPattern, String> {
        if text.trim().is_empty() {
            return Err("the pattern is empty".into());
        }
        if let Some(bad) = text
            .chars()
            .find(|c| matches!(c, '[' | ']' | '\\' | '~' | '^' | ':') || c.is_whitespace())
        {
            return Err(format!(
                "{bad:?} cannot be in a branch name (git check-ref-format), so the pattern would match nothing; use `*`, `**` and `?`"
            ));
        }
        if text.starts_with('/') || text.starts_with("refs/") {
            return Err("write the branch name without `refs/heads/` or a leading `/`".into());
        }
        Ok(BranchPattern(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `branch` (a name as under `refs/heads/`) matches.
    pub fn matches(&self, branch: &str) -> bool {
        glob(self.0.as_bytes(), branch.as_bytes())
    }
}

fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern {
        [] => text.is_empty(),
        [b'*', b'*', rest @ ..] => (0..=text.len()).any(|i| glob(rest, &text[i..])),
        [b'*', rest @ ..] => {
            let segment = text.iter().position(|&c| c == b'/').unwrap_or(text.len());
            (0..=segment).any(|i| glob(rest, &text[i..]))
        }
        [b'?', rest @ ..] => text.first().is_some_and(|&c| c != b'/') && glob(rest, &text[1..]),
        [c, rest @ ..] => text.first() == Some(c) && glob(rest, &text[1..]),
    }
}

/// The environment name for `branch`: lowercased, each run of characters other than `a-z` and
/// `0-9` one `-`, no `-` at either end, at most [`MAX_NAME`] characters. A name that had to be
/// cut, or that would be empty, ends in `-` and 6 hex characters of the branch's SHA-256, so
/// two long branches with one prefix still differ. [`hashed_name`] is the form for a name
/// already taken.
pub fn environment_name(branch: &str) -> String {
    let slug = slug(branch);
    if slug.is_empty() || slug.len() > MAX_NAME {
        return hashed_name(branch);
    }
    slug
}

/// `<slug cut to fit>-<6 hex of SHA-256(branch)>`: used when [`environment_name`] is too long
/// or already taken (another branch with the same slug, e.g. `Feature/X` and `feature/x`, or an
/// environment the operator did not make).
pub fn hashed_name(branch: &str) -> String {
    let digest = Sha256::digest(branch.as_bytes());
    let hash: String = digest
        .iter()
        .take(3)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let slug = slug(branch);
    let keep = MAX_NAME - hash.len() - 1;
    let cut = slug[..slug.len().min(keep)].trim_end_matches('-');
    if cut.is_empty() {
        format!("branch-{hash}")
    } else {
        format!("{cut}-{hash}")
    }
}

fn slug(branch: &str) -> String {
    let mut slug = String::with_capacity(branch.len());
    for c in branch.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, branch: &str) -> bool {
        BranchPattern::parse(pattern).unwrap().matches(branch)
    }

    #[test]
    fn a_star_matches_within_one_path_segment_and_two_stars_across_segments() {
        assert!(matches("feature/*", "feature/x"));
        assert!(matches("feature/*", "feature/"));
        assert!(!matches("feature/*", "feature/a/b"));
        assert!(!matches("feature/*", "features/x"));
        assert!(!matches("feature/*", "main"));
        assert!(matches("feature/**", "feature/a/b"));
        assert!(matches("**", "anything/at/all"));
        assert!(matches("*-preview", "login-preview"));
        assert!(!matches("*-preview", "team/login-preview"));
        assert!(matches("release/v?", "release/v2"));
        assert!(!matches("release/v?", "release/v10"));
        assert!(matches("main", "main"));
        assert!(!matches("main", "main2"));
    }

    #[test]
    fn patterns_that_no_branch_name_can_match_are_refused() {
        assert!(BranchPattern::parse("").is_err());
        assert!(BranchPattern::parse("feature/[ab]").is_err());
        assert!(BranchPattern::parse("feature x").is_err());
        assert!(BranchPattern::parse("refs/heads/feature/*").is_err());
        assert!(BranchPattern::parse("feature/*").is_ok());
    }

    #[test]
    fn names_are_lowercase_with_dashes_for_everything_else() {
        assert_eq!(environment_name("feature/x"), "feature-x");
        assert_eq!(environment_name("Feature/Login_Page"), "feature-login-page");
        assert_eq!(environment_name("fix//double--dash/"), "fix-double-dash");
        assert_eq!(environment_name("release/v1.2"), "release-v1-2");
        assert_eq!(environment_name("_x"), "x");
    }

    #[test]
    fn long_or_empty_names_are_cut_and_keep_a_hash_of_the_branch() {
        let long_a = format!("feature/{}", "a".repeat(60));
        let long_b = format!("feature/{}b", "a".repeat(60));
        let (a, b) = (environment_name(&long_a), environment_name(&long_b));
        assert!(a.len() <= MAX_NAME && b.len() <= MAX_NAME, "{a} {b}");
        assert_ne!(a, b);
        assert!(a.starts_with("feature-aaa"), "{a}");
        assert_eq!(
            environment_name(&long_a),
            a,
            "the same branch, the same name"
        );
        let empty = environment_name("___");
        assert!(empty.starts_with("branch-") && empty.len() == 13, "{empty}");
    }

    #[test]
    fn the_hashed_form_separates_branches_with_one_slug() {
        let (upper, lower) = (hashed_name("Feature/X"), hashed_name("feature/x"));
        assert_ne!(upper, lower);
        assert!(upper.starts_with("feature-x-") && upper.len() == "feature-x-".len() + 6);
    }
}

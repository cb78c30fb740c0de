//! One fact in one place: outside the sandbox (which keeps its own table, R11), each setting's
//! Railway key and manifest path are each spelled out in at most two source files of `src/`:
//! the setting table and, at most, the one module that needs the spelling itself (placement's
//! shape, a cross-field check's message). Read through the crate's public table.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use railway_operator::manifest::setting::TABLE;

/// Files in which a spelling may appear at most.
const MOST: usize = 2;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
        let path = entry.path();
        if path.ends_with("sandbox") {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's code: comment lines and its `#[cfg(test)]` module left out.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `needle` occurs in `code` as a whole word (not inside a longer name or path).
fn spells(code: &str, needle: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    code.match_indices(needle).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + needle.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(|c| word(c) && c != '.')
    })
}

/// The spellings checked for each row: the full path and key, and their last parts when those
/// are camelCase names (`timeoutSeconds`, `numReplicas`); one-word parts (`path`, `type`,
/// `region`) are ordinary words of code and messages and cannot be told apart.
fn spellings() -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for row in TABLE {
        for full in [row.path, row.key] {
            let last = full.rsplit('.').next().unwrap_or(full);
            for spelling in [full, last] {
                let distinctive =
                    spelling.contains('.') || spelling.chars().any(char::is_uppercase);
                if distinctive && !all.iter().any(|s| s == spelling) {
                    all.push(spelling.to_string());
                }
            }
        }
    }
    all
}

#[test]
fn each_setting_key_and_path_is_spelled_in_at_most_two_files_outside_the_sandbox() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let code: Vec<(PathBuf, String)> = files
        .into_iter()
        .map(|f| (f.clone(), code_of(&f)))
        .collect();
    let mut over: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let spellings = spellings();
    for spelling in &spellings {
        let holders: Vec<String> = code
            .iter()
            .filter(|(_, text)| spells(text, spelling))
            .map(|(path, _)| {
                path.strip_prefix(&src)
                    .unwrap_or(path)
                    .display()
                    .to_string()
            })
            .collect();
        // A full path or key is at least in the table; a last part may only ever appear in it.
        assert!(
            !holders.is_empty() || !spelling.contains('.'),
            "`{spelling}` is spelled nowhere: the scan is broken"
        );
        if holders.len() > MOST {
            over.insert(spelling.clone(), holders);
        }
    }
    assert!(
        over.is_empty(),
        "spelled out in more than {MOST} files outside src/sandbox: {over:#?}"
    );
    println!(
        "{} spellings of {} settings checked",
        spellings.len(),
        TABLE.len()
    );
}

//! Every manifest under tests/manifests/invalid produces exactly the diagnostics its leading
//! `# expect: LINE:COL substring` comments list, in position order.

use std::path::{Path, PathBuf};

use railway_operator::manifest::{Diagnostic, LoadError, load_file};

/// The environment the invalid manifests are checked against.
fn test_env(name: &str) -> Option<String> {
    (name == "PRESENT").then(|| "present-value".to_string())
}

struct Expectation {
    line: usize,
    column: usize,
    substring: String,
}

fn expectations(text: &str) -> Vec<Expectation> {
    text.lines()
        .map_while(|line| line.strip_prefix("# expect: "))
        .map(|rest| {
            let (position, substring) = rest.split_once(' ').unwrap_or((rest, ""));
            let (line, column) = position.split_once(':').expect("LINE:COL");
            Expectation {
                line: line.parse().expect("line"),
                column: column.parse().expect("column"),
                substring: substring.to_string(),
            }
        })
        .collect()
}

fn mismatch(expected: &[Expectation], found: &[Diagnostic]) -> Option<String> {
    let matches = expected.len() == found.len()
        && expected.iter().zip(found).all(|(e, d)| {
            e.line == d.line && e.column == d.column && d.message.contains(&e.substring)
        });
    if matches {
        return None;
    }
    let found: Vec<String> = found.iter().map(ToString::to_string).collect();
    let expected: Vec<String> = expected
        .iter()
        .map(|e| format!("{}:{} {}", e.line, e.column, e.substring))
        .collect();
    Some(format!(
        "expected:\n  {}\nfound:\n  {}",
        expected.join("\n  "),
        found.join("\n  ")
    ))
}

fn invalid_manifests() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/manifests/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn each_invalid_manifest_reports_exactly_its_expected_diagnostics() {
    let files = invalid_manifests();
    assert!(files.len() >= 15, "only {} invalid manifests", files.len());
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = expectations(&text);
        assert!(
            !expected.is_empty(),
            "{} lists no `# expect:`",
            path.display()
        );
        match load_file(&path, &test_env) {
            Ok(_) => failures.push(format!("{}: loaded without errors", path.display())),
            Err(LoadError::Invalid(diagnostics)) => {
                if let Some(diff) = mismatch(&expected, &diagnostics.0) {
                    failures.push(format!("{}:\n{diff}", path.display()));
                }
            }
            Err(other) => failures.push(format!("{}: {other}", path.display())),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn diagnostics_are_sorted_by_position() {
    for path in invalid_manifests() {
        if let Err(LoadError::Invalid(diagnostics)) = load_file(&path, &test_env) {
            let positions: Vec<(usize, usize)> =
                diagnostics.0.iter().map(|d| (d.line, d.column)).collect();
            let mut sorted = positions.clone();
            sorted.sort();
            assert_eq!(positions, sorted, "{}", path.display());
        }
    }
}

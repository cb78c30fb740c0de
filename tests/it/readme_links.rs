//! Every relative link and `#anchor` in README.md and docs/*.md resolves: the file exists, and
//! an anchor names a heading of the file it points into (GitHub's heading ids).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every Markdown file directly in docs/.
fn documents() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md")];
    let docs = std::fs::read_dir(repo().join("docs")).expect("docs/");
    for entry in docs.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "md") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The lines of a Markdown text outside fenced code blocks.
fn prose_lines(text: &str) -> Vec<&str> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            lines.push(line);
        }
    }
    lines
}

/// A line without its inline code spans (`` `…` ``), which hold text, never links.
fn without_code_spans(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join(" ")
}

/// The heading's text as shown: `[text](url)` becomes `text`, code marks dropped.
fn heading_text(heading: &str) -> String {
    let mut text = String::new();
    let mut rest = heading;
    while let Some(open) = rest.find("](") {
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        text.push_str(&rest[..open]);
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    text.replace(['[', '`'], "")
}

/// GitHub's id for a heading: lower case, punctuation dropped, spaces as hyphens; a repeated
/// id gets `-1`, `-2`, ...
fn anchors(text: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for line in prose_lines(text) {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let slug: String = heading_text(line[hashes..].trim())
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let mut id = slug.clone();
        let mut n = 0;
        while ids.contains(&id) {
            n += 1;
            id = format!("{slug}-{n}");
        }
        ids.insert(id);
    }
    ids
}

/// Every link target `[text](target)` of the text's prose, without a title.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose_lines(text) {
        let line = without_code_spans(line);
        let mut rest = line.as_str();
        while let Some(open) = rest.find("](") {
            rest = &rest[open + 2..];
            let end = rest.find(')').unwrap_or(rest.len());
            let target = rest[..end].split_whitespace().next().unwrap_or_default();
            targets.push(target.to_string());
            rest = &rest[end..];
        }
    }
    targets
}

/// Why the link `target` written in `file` does not resolve, if it does not.
fn broken(file: &Path, target: &str) -> Option<String> {
    if target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
    let dir = file.parent().expect("a document has a folder");
    let linked = if path.is_empty() {
        file.to_path_buf()
    } else {
        dir.join(path)
    };
    if !linked.exists() {
        return Some(format!("{target}: no file {}", linked.display()));
    }
    if anchor.is_empty() {
        return None;
    }
    if linked.extension().is_none_or(|ext| ext != "md") {
        return Some(format!(
            "{target}: an anchor into a file that is not Markdown"
        ));
    }
    let text = std::fs::read_to_string(&linked).expect("a linked Markdown file reads");
    (!anchors(&text).contains(anchor)).then(|| format!("{target}: no heading #{anchor}"))
}

#[test]
fn every_relative_link_and_anchor_in_the_readme_and_docs_resolves() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for file in documents() {
        let text = std::fs::read_to_string(&file).expect("a document reads");
        for target in link_targets(&text) {
            checked += 1;
            if let Some(problem) = broken(&file, &target) {
                let name = file.strip_prefix(repo()).unwrap_or(&file).display();
                problems.push(format!("{name}: {problem}"));
            }
        }
    }
    assert!(
        checked > 10,
        "only {checked} links found: the scan is broken"
    );
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );
}

#[test]
fn heading_ids_follow_github() {
    let text = "# A title\n## Several replicas: leases on PostgreSQL (`--lock-url`)\n\
                ```\n# not a heading\n```\n## A title\n";
    let ids = anchors(text);
    let expected = [
        "a-title",
        "a-title-1",
        "several-replicas-leases-on-postgresql---lock-url",
    ];
    assert_eq!(ids, expected.map(String::from).into_iter().collect());
}

#[test]
fn the_readme_stays_short_with_its_two_setup_commands() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 250,
        "README.md has {lines} lines: move topics to docs/"
    );
    let setup = "cargo run --release -- run --sandbox -f manifests/blackroad.yml";
    assert!(readme.lines().take(20).any(|line| line.starts_with(setup)));
    assert!(
        readme
            .lines()
            .take(20)
            .any(|line| line.starts_with("cargo test "))
    );
}

//! A seeded property test of the manifest loader: random YAML documents and mutations of every
//! shipped manifest must never panic, and every rejection must point at a line. It checks the
//! loader's contract only; what a valid manifest means is tested elsewhere.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use railway_operator::manifest::{LoadError, load_str};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SEED: u64 = 0x5eed_f022;
const GENERATED_DOCUMENTS: usize = 600;
const MUTATIONS_PER_MANIFEST: usize = 90;

/// Keys the loader knows, so that random documents reach validation and not only the parser.
const KNOWN_KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "id",
    "spec",
    "workspace",
    "policy",
    "prune",
    "drift",
    "suspend",
    "deploy",
    "environments",
    "production",
    "staging",
    "sharedVariables",
    "services",
    "api",
    "db",
    "source",
    "image",
    "repo",
    "branch",
    "rootDirectory",
    "build",
    "builder",
    "startCommand",
    "replicas",
    "cronSchedule",
    "limits",
    "vcpus",
    "memoryGB",
    "variables",
    "fromEnv",
    "fromFile",
    "generate",
    "domains",
    "railway",
    "custom",
    "port",
    "subdomain",
    "tcpProxies",
    "volume",
    "mountPath",
    "backups",
    "schedules",
    "cron",
    "schedule",
    "timezone",
    "retention",
    "keep",
    "external",
    "url",
    "enabled",
    "phase",
    "healthcheck",
    "restartPolicy",
];

const ODD_TEXT: &[&str] = &[
    "\u{0}",
    "\u{7}",
    "\u{feff}",
    "\u{200b}",
    "\u{202e}",
    "\u{fffd}",
    "\u{10ffff}",
    "é",
    "e\u{301}",
    "😀",
    "🏳️‍🌈",
    "漢字",
    "\u{85}",
    "\u{2028}",
    "\r",
    "\t",
    "\\",
    "\"",
    "'",
    "#",
    ":",
    "- ",
    "? ",
    "|",
    ">",
    "%",
    "@",
    "`",
    "${",
    "${{",
    "}}",
    "$${X}",
    "${UNSET_VARIABLE}",
];

const SCALARS: &[&str] = &[
    "~",
    "null",
    "true",
    "no",
    "yes",
    "0",
    "-1",
    "0x1f",
    "0o17",
    "1e999",
    "-.inf",
    ".nan",
    "3.14",
    "99999999999999999999999999",
    "2026-11-28",
    "\"\"",
    "''",
    "railway-operator/v1",
    "Project",
    "nginx:1",
    "\"0 3 * * *\"",
    "DAILY",
    "self-heal",
    "/data",
    "api.example.com",
    "${{db.URL}}",
    "${{shared.LOG_LEVEL}}",
    "30d",
];

const TAGS: &[&str] = &[
    "!!str ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!null ",
    "!!binary ",
    "!!map ",
    "!!seq ",
    "!custom ",
    "!<tag:yaml.org,2002:str> ",
    "! ",
];

/// The outcome of one case, for the summary line.
#[derive(Default)]
struct Tally {
    cases: usize,
    valid: usize,
}

impl Tally {
    fn check(&mut self, text: &str, path: &Path) {
        self.cases += 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            load_str(text, path, &|name| Some(format!("value-of-{name}")))
        }));
        match outcome {
            Err(_) => panic!("the loader panicked on {text:?}"),
            Ok(Ok(_)) => self.valid += 1,
            Ok(Err(LoadError::Invalid(diagnostics))) => {
                assert!(
                    !diagnostics.0.is_empty(),
                    "rejected without a diagnostic: {text:?}"
                );
                for diagnostic in &diagnostics.0 {
                    assert!(
                        diagnostic.line >= 1 && diagnostic.column >= 1,
                        "a diagnostic without a location ({diagnostic}) for {text:?}"
                    );
                }
            }
            Ok(Err(other)) => panic!("unexpected error {other} for {text:?}"),
        }
    }
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

fn random_scalar(rng: &mut StdRng) -> String {
    match rng.random_range(0..6) {
        0 | 1 => pick(rng, SCALARS).to_string(),
        2 => {
            let length = rng.random_range(0..12);
            let text: String = (0..length).map(|_| pick(rng, ODD_TEXT)).collect();
            format!("{text:?}")
        }
        3 => {
            let length = rng.random_range(1..10);
            (0..length)
                .map(|_| char::from(rng.random_range(b'a'..=b'z')))
                .collect()
        }
        4 => format!("{}{}", pick(rng, TAGS), pick(rng, SCALARS)),
        _ => format!("'{}'", pick(rng, ODD_TEXT).replace('\'', "''")),
    }
}

fn random_key(rng: &mut StdRng) -> String {
    match rng.random_range(0..10) {
        0 => random_scalar(rng),
        1 => format!("\"{}\"", pick(rng, ODD_TEXT).escape_default()),
        2 => "? [complex, key]".to_string(),
        _ => pick(rng, KNOWN_KEYS).to_string(),
    }
}

/// A flow-style node (`{a: [1, 2]}`), possibly with anchors, aliases and tags.
fn flow_node(rng: &mut StdRng, depth: usize, anchors: &mut Vec<String>) -> String {
    let mut prefix = String::new();
    if rng.random_bool(0.1) {
        let name = format!("a{}", anchors.len());
        prefix = format!("&{name} ");
        anchors.push(name);
    }
    if rng.random_bool(0.05) {
        return match anchors.last() {
            Some(name) if rng.random_bool(0.8) => format!("*{name}"),
            _ => "*nowhere".to_string(),
        };
    }
    if depth == 0 || rng.random_bool(0.4) {
        return format!("{prefix}{}", random_scalar(rng));
    }
    let width = rng.random_range(0..4);
    if rng.random_bool(0.5) {
        let items: Vec<String> = (0..width)
            .map(|_| flow_node(rng, depth - 1, anchors))
            .collect();
        format!("{prefix}[{}]", items.join(", "))
    } else {
        let items: Vec<String> = (0..width)
            .map(|_| {
                let key = random_key(rng);
                format!("{key}: {}", flow_node(rng, depth - 1, anchors))
            })
            .collect();
        format!("{prefix}{{{}}}", items.join(", "))
    }
}

/// A block-style node written at `indent` into `out`.
fn block_node(
    rng: &mut StdRng,
    depth: usize,
    indent: usize,
    anchors: &mut Vec<String>,
    out: &mut String,
) {
    let pad = " ".repeat(indent);
    let width = rng.random_range(1..5);
    let as_list = rng.random_bool(0.3);
    for _ in 0..width {
        let head = if as_list {
            format!("{pad}- ")
        } else {
            format!("{pad}{}: ", random_key(rng))
        };
        out.push_str(&head);
        match rng.random_range(0..10) {
            0..=3 if depth > 0 => {
                if rng.random_bool(0.1) {
                    let name = format!("b{}", anchors.len());
                    out.push_str(&format!("&{name}"));
                    anchors.push(name);
                }
                out.push('\n');
                block_node(rng, depth - 1, indent + 2, anchors, out);
            }
            4 => {
                out.push_str(if rng.random_bool(0.5) { "|\n" } else { ">-\n" });
                for _ in 0..rng.random_range(0..3) {
                    out.push_str(&format!("{pad}  {}\n", random_scalar(rng)));
                }
            }
            5 => out.push_str(&format!(
                "{}  # {}\n",
                random_scalar(rng),
                pick(rng, ODD_TEXT)
            )),
            _ => {
                out.push_str(&flow_node(rng, 3, anchors));
                out.push('\n');
            }
        }
    }
}

fn deep_nesting(rng: &mut StdRng) -> String {
    let depth = rng.random_range(50..2_000);
    match rng.random_range(0..3) {
        0 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
        1 => format!("spec: {}x{}", "{a: ".repeat(depth), "}".repeat(depth)),
        _ => (0..depth.min(300))
            .map(|i| format!("{}- k{i}:\n", " ".repeat(i * 2)))
            .collect(),
    }
}

fn random_document(rng: &mut StdRng) -> String {
    let mut anchors = Vec::new();
    let mut text = String::new();
    match rng.random_range(0..12) {
        0 => return deep_nesting(rng),
        1 => return flow_node(rng, 6, &mut anchors),
        2 => text.push_str("%YAML 1.2\n---\n"),
        3 => text.push_str("apiVersion: railway-operator/v1\nkind: Project\n"),
        _ => {}
    }
    block_node(rng, 5, 0, &mut anchors, &mut text);
    if rng.random_bool(0.1) {
        text.push_str("---\n");
        block_node(rng, 2, 0, &mut anchors, &mut text);
    }
    if rng.random_bool(0.05) {
        text.push_str("...\n");
    }
    text
}

/// A scalar of another type, to put where a manifest had a value.
fn replacement_value(rng: &mut StdRng) -> String {
    let mut anchors = vec!["a0".to_string()];
    match rng.random_range(0..4) {
        0 => "[1, 2, {x: y}]".to_string(),
        1 => "{ unexpected: map }".to_string(),
        2 => flow_node(rng, 3, &mut anchors),
        _ => random_scalar(rng),
    }
}

fn mutate(rng: &mut StdRng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let at = rng.random_range(0..lines.len());
    match rng.random_range(0..9) {
        0 => {
            lines.remove(at);
        }
        1 => {
            let line = lines[at].clone();
            lines.insert(at, line);
        }
        2 => {
            let other = rng.random_range(0..lines.len());
            lines.swap(at, other);
        }
        3 => {
            let spaces = rng.random_range(1..5);
            lines[at] = if rng.random_bool(0.5) {
                format!("{}{}", " ".repeat(spaces), lines[at])
            } else {
                lines[at].trim_start().to_string()
            };
        }
        4 => lines[at] = format!("\t{}", lines[at]),
        5 => {
            if let Some(colon) = lines[at].find(": ") {
                let head = lines[at][..colon + 2].to_string();
                lines[at] = format!("{head}{}", replacement_value(rng));
            } else if let Some(dash) = lines[at].find("- ") {
                let head = lines[at][..dash + 2].to_string();
                lines[at] = format!("{head}{}", replacement_value(rng));
            }
        }
        6 => {
            let indent = lines[at].len() - lines[at].trim_start().len();
            let key = format!("unknownKey{}", rng.random_range(0..100));
            let value = random_scalar(rng);
            lines.insert(at, format!("{}{key}: {value}", " ".repeat(indent)));
        }
        7 => {
            let position = rng.random_range(0..=lines[at].len());
            if lines[at].is_char_boundary(position) {
                lines[at].insert_str(position, pick(rng, ODD_TEXT));
            }
        }
        _ => {
            let joined = lines.join("\n");
            let mut end = rng.random_range(0..=joined.len());
            while !joined.is_char_boundary(end) {
                end -= 1;
            }
            return joined[..end].to_string();
        }
    }
    let mut joined = lines.join("\n");
    joined.push('\n');
    joined
}

fn shipped_manifests() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests");
    let mut found = Vec::new();
    for dir in [root.clone(), root.join("examples")] {
        for entry in std::fs::read_dir(&dir).expect("manifests directory") {
            let path = entry.expect("directory entry").path();
            if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn random_yaml_documents_never_panic_and_every_rejection_has_a_location() {
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut tally = Tally::default();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/fuzz.yml");
    for _ in 0..GENERATED_DOCUMENTS {
        let document = random_document(&mut rng);
        tally.check(&document, &path);
    }
    println!(
        "random documents: {} cases, {} valid",
        tally.cases, tally.valid
    );
    assert_eq!(tally.cases, GENERATED_DOCUMENTS);
}

#[test]
fn mutations_of_every_shipped_manifest_never_panic_and_every_rejection_has_a_location() {
    let mut rng = StdRng::seed_from_u64(SEED ^ 0xa5a5);
    let mut tally = Tally::default();
    let manifests = shipped_manifests();
    assert!(manifests.len() >= 10, "{manifests:?}");
    for path in &manifests {
        let original = std::fs::read_to_string(path).expect("manifest reads");
        tally.check(&original, path);
        for _ in 0..MUTATIONS_PER_MANIFEST {
            let mut text = original.clone();
            for _ in 0..rng.random_range(1..4) {
                text = mutate(&mut rng, &text);
            }
            tally.check(&text, path);
        }
    }
    println!(
        "mutated manifests: {} cases over {} files, {} valid",
        tally.cases,
        manifests.len(),
        tally.valid
    );
    assert!(tally.valid > 0, "the originals at least are valid");
}

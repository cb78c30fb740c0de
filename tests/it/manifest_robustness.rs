//! The loader never panics: on any input it returns a manifest or located diagnostics.

use std::path::Path;

use railway_operator::manifest::{LoadError, load_str};

fn check(text: &str) {
    match load_str(text, Path::new("fuzz.yml"), &|_| None) {
        Ok(_) => {}
        Err(LoadError::Invalid(diagnostics)) => {
            assert!(!diagnostics.0.is_empty(), "no diagnostic for {text:?}");
            for d in &diagnostics.0 {
                assert!(d.line >= 1 && d.column >= 1, "{d}");
            }
        }
        Err(other) => panic!("unexpected {other}"),
    }
}

#[test]
fn every_truncation_of_the_blackroad_manifest_is_handled() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/blackroad.yml"),
    )
    .unwrap();
    for end in 0..=text.len() {
        if text.is_char_boundary(end) {
            check(&text[..end]);
        }
    }
}

#[test]
fn hostile_inputs_produce_diagnostics_with_locations() {
    let deep_lists = "[".repeat(10_000);
    let deep_maps = "a: {".repeat(5_000);
    let nested_block: String = (0..200)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    let inputs = [
        "",
        "   \n\n",
        "# only a comment\n",
        "42",
        "just a string",
        "- a\n- b\n",
        "\u{0}\u{1}\u{ff}\u{fffd}garbage: [}{",
        "\tapiVersion: x\n",
        "apiVersion: railway-operator/v1\n\tkind: Project\n",
        "a: 1\n---\nb: 2\n",
        "? [complex, key]\n: value\n",
        "spec: { services: { x: { deploy: { replicas: 99999999999999999999999999 } } } }",
        "spec: { services: { x: { deploy: { limits: { vcpus: 1e999 } } } } }",
        "spec: *undefined",
        "!!binary abc: def",
        "metadata: &m { name: x }\nspec: *m\n",
        deep_lists.as_str(),
        deep_maps.as_str(),
        nested_block.as_str(),
        laughs,
    ];
    for input in inputs {
        check(input);
    }
}

#[test]
fn a_file_that_is_not_utf8_is_reported_at_the_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.yml");
    std::fs::write(&path, b"apiVersion: x\nkind: \xff\xfe\x00junk").unwrap();
    match railway_operator::manifest::load_file(&path, &|_| None) {
        Err(LoadError::Invalid(diagnostics)) => {
            let first = &diagnostics.0[0];
            assert_eq!((first.line, first.column), (2, 7));
            assert!(first.message.contains("UTF-8"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_missing_file_is_an_io_error_naming_the_path() {
    let error = railway_operator::manifest::load_file(Path::new("/nonexistent/x.yml"), &|_| None)
        .unwrap_err();
    assert!(matches!(error, LoadError::Io { .. }));
    assert!(error.to_string().contains("/nonexistent/x.yml"));
}

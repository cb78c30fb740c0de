//! Conformance of graphql/ (subset SDL and operations) against Railway's upstream schema; it never edits graphql/.

#[path = "support/upstream_schema.rs"]
mod upstream_schema;

#[test]
fn smoke() {
    let s = upstream_schema::upstream_schema();
    assert!(s.is_some());
}

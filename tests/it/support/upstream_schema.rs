//! Finds and loads Railway's upstream introspection JSON as an apollo-compiler schema; it never checks anything itself.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use apollo_compiler::Schema;
use apollo_compiler::validation::Valid;
use cynic_introspection::IntrospectionQuery;

/// Environment variable that overrides where the upstream introspection JSON lives.
pub const SCHEMA_PATH_ENV: &str = "RAILWAY_UPSTREAM_SCHEMA";

/// Where CI finds the upstream schema: a `shared/` checkout beside the repository.
const DEFAULT_RELATIVE_PATH: &str = "../shared/railway-schema/schema.json";

/// The introspection JSON to use: `$RAILWAY_UPSTREAM_SCHEMA` if set, else the default beside the crate.
pub fn upstream_schema_path() -> PathBuf {
    match std::env::var_os(SCHEMA_PATH_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_RELATIVE_PATH),
    }
}

/// The upstream schema, parsed once per test binary; `None` (after a loud warning) when the file is absent.
///
/// The warning is printed on every call, so each test that skips says so in its own output.
/// A file that exists but cannot be read or converted is a broken setup, not a skip, so that panics.
pub fn upstream_schema() -> Option<&'static Valid<Schema>> {
    static UPSTREAM: OnceLock<Option<Valid<Schema>>> = OnceLock::new();
    let upstream = UPSTREAM
        .get_or_init(|| {
            let path = upstream_schema_path();
            if !path.is_file() {
                return None;
            }
            let json = std::fs::read_to_string(&path)
                .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
            let sdl = introspection_to_sdl(&json)
                .unwrap_or_else(|error| panic!("cannot convert {}: {error}", path.display()));
            Some(schema_from_upstream_sdl(&sdl, &path))
        })
        .as_ref();
    if upstream.is_none() {
        warn_skipped(&upstream_schema_path());
    }
    upstream
}

/// Writes to the stderr handle itself: libtest captures `eprintln!` of passing tests, which would hide the skip.
fn warn_skipped(path: &Path) {
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!!!!!!!\nSKIPPED: {} not found; conformance NOT checked \
         (clone `shared/` beside the repository or set {SCHEMA_PATH_ENV})\n!!!!!!!!!!\n",
        path.display()
    );
}

/// Converts an introspection result (`{"data": {"__schema": …}}` or the bare `data` object) to SDL.
pub fn introspection_to_sdl(json: &str) -> Result<String, String> {
    let mut value: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if let Some(data) = value.get_mut("data") {
        value = data.take();
    }
    let query: IntrospectionQuery = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let introspected = query
        .introspected_schema
        .ok_or("the introspection result has no __schema")?;
    let schema = cynic_introspection::Schema::try_from(introspected).map_err(|e| e.to_string())?;
    Ok(schema.to_sdl())
}

/// Builds the upstream schema from SDL, validating it but tolerating quirks apollo-compiler would reject.
///
/// The upstream schema is the truth we compare against, not something we own: a definition apollo-compiler
/// considers invalid (a quirk of the server's own schema) must not stop the operation checks.
fn schema_from_upstream_sdl(sdl: &str, path: &Path) -> Valid<Schema> {
    // Diagnostics point at lines of the printed SDL, not of the JSON, so the source name says so.
    let source_name = format!("{} (printed as SDL)", path.display());
    let schema = match Schema::parse(sdl, source_name) {
        Ok(schema) => schema,
        Err(with_errors) => {
            eprintln!(
                "note: upstream SDL had parse issues, continuing with the partial schema:\n{}",
                with_errors.errors
            );
            with_errors.partial
        }
    };
    schema.validate().unwrap_or_else(|with_errors| {
        eprintln!(
            "note: upstream schema has validation quirks, continuing:\n{}",
            with_errors.errors
        );
        Valid::assume_valid(with_errors.partial)
    })
}

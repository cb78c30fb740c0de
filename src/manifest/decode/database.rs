//! Decodes a service's `database: { engine, version }` and `public:` (R45, R46): the engine by
//! its template code (a misspelt one gets "did you mean"), the major version as a positive
//! integer, and the fields a database may not have (its source comes from the template).
//! Checks against the merged volume live in `resolve`.

use super::super::database::{ENGINES, Engine};
use super::super::spec::{DatabaseSpec, Spanned};
use super::super::yaml_tree::Value;
use super::reader::{Fields, Reader};
use crate::manifest::suggest::suggest;

/// `database:` of `service`; `None` when absent or unreadable (reported).
pub fn decode_database(reader: &mut Reader, service: &Fields) -> Option<Spanned<DatabaseSpec>> {
    let node = service.get("database")?;
    let path = service.field_path("database");
    let fields = reader.fields(node, &path, &["engine", "version"], &[])?;
    let engine = match fields.get("engine") {
        None => {
            reader.missing(&fields, "engine");
            None
        }
        Some(engine_node) => {
            let spelled = reader.string(engine_node, &format!("{path}.engine"))?;
            let engine = Engine::from_code(&spelled.value);
            if engine.is_none() {
                let codes: Vec<&str> = ENGINES.iter().map(|r| r.code).collect();
                let hint = match suggest(&spelled.value, &codes) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("Railway's database templates: {}", codes.join(", ")),
                };
                let shown = match &engine_node.value {
                    Value::Scalar { text, .. } => text.as_str(),
                    _ => "",
                };
                reader.sink.error_with_hint(
                    engine_node.at,
                    format!("unknown database engine `{shown}` in `{path}.engine`"),
                    hint,
                );
            }
            engine
        }
    };
    let version = match fields.get("version") {
        None => {
            reader.sink.error_with_hint(
                fields.at,
                format!("missing required field `version` in {path}"),
                "write the major version the database runs, e.g. `version: 16`: Railway would otherwise use its template's newest (R47)",
            );
            None
        }
        Some(_) => reader
            .opt_int(&fields, "version", 1)
            .and_then(|v| u32::try_from(v.value).ok()),
    };
    for source_field in ["source", "external"] {
        if let Some(key) = service.key(source_field) {
            reader.sink.error_with_hint(
                key.at,
                format!(
                    "a database cannot have `{source_field}` (in {})",
                    service.path
                ),
                "its image comes from Railway's template and `database.version`: remove this block, or remove `database`",
            );
        }
    }
    Some(Spanned {
        value: DatabaseSpec {
            engine: engine?,
            version: version?,
        },
        at: node.at,
    })
}

/// `public:` of `service`, which only a database may write.
pub fn decode_public(reader: &mut Reader, service: &Fields) -> Option<Spanned<bool>> {
    let public = reader.opt_bool(service, "public")?;
    if service.get("database").is_none() {
        reader.sink.error_with_hint(
            public.at,
            format!("`public` applies to databases only (in {})", service.path),
            "declare a TCP proxy with `tcpProxies: [PORT]`, or add `database:`",
        );
        return None;
    }
    Some(public)
}

/// A `source` in an environment override of a database.
pub fn reject_override_source(reader: &mut Reader, database: bool, overlay: &Fields) {
    if let (true, Some(key)) = (database, overlay.key("source")) {
        reader.sink.error_with_hint(
            key.at,
            format!("a database cannot have `source` (in {})", overlay.path),
            "its image comes from Railway's template and `database.version`: remove this block",
        );
    }
}

//! Which live services `import` writes as `database: { engine, version }` (R48): those Railway's
//! IaC would call a database, made from a template (`templateServiceId` set) and running an
//! engine's image. Decides only; the template's image, variables and mount path are left out of
//! the manifest by `render`, since the template owns them. Pure.

use serde_yaml::Value;

use super::yaml::mapping;
use crate::manifest::database::{Engine, engine_of_image};

/// A live service read as a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Database {
    pub engine: Engine,
    /// The image tag's major (R48: images compare as engine and major).
    pub version: u32,
}

/// How `import` writes a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Not a database to Railway's IaC: written as today.
    Plain,
    Database(Database),
    /// A template database `database:` cannot express (no numeric major, or engines or majors
    /// that differ between environments): written as a plain service, with this warning.
    Unexpressible(String),
}

/// R48: a service is a database only when `template_service_id` is set and every instance's
/// image (`images`, one per imported environment) is an engine's; the version is the tag's
/// major, the same in every environment since `database:` is written once per service.
pub fn read(name: &str, template_service_id: Option<&str>, images: &[Option<&str>]) -> Reading {
    if template_service_id.is_none_or(str::is_empty) {
        return Reading::Plain;
    }
    let engines: Vec<Option<(Engine, Option<u32>)>> = images
        .iter()
        .map(|image| image.and_then(engine_of_image))
        .collect();
    let Some(Some((engine, major))) = engines.first().copied() else {
        return Reading::Plain;
    };
    if engines
        .iter()
        .any(|e| e.is_none_or(|(other, _)| other != engine))
    {
        return Reading::Plain;
    }
    let unexpressible = |why: &str| {
        Reading::Unexpressible(format!(
            "service `{name}` is a {} database made from Railway's template, but {why}: imported as a plain image service",
            engine.code()
        ))
    };
    let Some(version) = major else {
        return unexpressible("its image tag has no major version");
    };
    if engines.iter().any(|e| *e != Some((engine, Some(version)))) {
        return unexpressible("its image's major differs between environments");
    }
    Reading::Database(Database { engine, version })
}

/// `database: { engine, version }` as the manifest writes it.
pub fn entry(database: Database) -> Value {
    mapping([
        ("engine", database.engine.code().into()),
        ("version", database.version.into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: Option<&str> = Some("template-service-1");

    fn database(engine: Engine, version: u32) -> Reading {
        Reading::Database(Database { engine, version })
    }

    #[test]
    fn every_engine_image_form_of_a_template_service_is_a_database_at_its_tag_s_major() {
        for (image, engine, version) in [
            (
                "ghcr.io/railwayapp-templates/postgres-ssl:16",
                Engine::Postgres,
                16,
            ),
            (
                "ghcr.io/railwayapp-templates/postgres-ssl:17.2",
                Engine::Postgres,
                17,
            ),
            ("postgres:15", Engine::Postgres, 15),
            (
                "docker.io/library/postgresql:14-alpine",
                Engine::Postgres,
                14,
            ),
            (
                "ghcr.io/railwayapp-templates/postgres-patroni:16",
                Engine::Postgres,
                16,
            ),
            ("mysql:9", Engine::Mysql, 9),
            (
                "ghcr.io/railwayapp-templates/mysql-wrapper:8.4",
                Engine::Mysql,
                8,
            ),
            ("railwayapp/redis:8.2", Engine::Redis, 8),
            ("bitnami/redis-sentinel:7", Engine::Redis, 7),
            ("mongo:8", Engine::Mongo, 8),
            ("mongodb:7.0.4", Engine::Mongo, 7),
        ] {
            assert_eq!(
                read("db", TEMPLATE, &[Some(image)]),
                database(engine, version),
                "{image}"
            );
        }
    }

    #[test]
    fn a_postgres_image_without_a_template_stays_a_plain_service() {
        for template in [None, Some("")] {
            assert_eq!(read("db", template, &[Some("postgres:16")]), Reading::Plain);
        }
    }

    #[test]
    fn a_template_service_with_another_image_or_none_stays_a_plain_service() {
        assert_eq!(read("web", TEMPLATE, &[Some("nginx:1.27")]), Reading::Plain);
        assert_eq!(read("web", TEMPLATE, &[None]), Reading::Plain);
        assert_eq!(read("web", TEMPLATE, &[]), Reading::Plain);
        let mixed = read("db", TEMPLATE, &[Some("postgres:16"), Some("nginx:1")]);
        assert_eq!(mixed, Reading::Plain);
    }

    #[test]
    fn a_template_database_without_one_major_is_plain_with_a_warning() {
        for images in [
            vec![Some("postgres:latest")],
            vec![Some("mongo")],
            vec![Some("postgres:16"), Some("postgres:17")],
        ] {
            let reading = read("db", TEMPLATE, &images);
            assert!(
                matches!(&reading, Reading::Unexpressible(w) if w.contains("`db`") && w.contains("plain image service")),
                "{images:?}: {reading:?}"
            );
        }
        let same = read(
            "db",
            TEMPLATE,
            &[Some("postgres:16"), Some("postgres:16.4")],
        );
        assert_eq!(same, database(Engine::Postgres, 16));
    }
}

//! The operator's table of Railway's database templates (R45, R46, R48): one row per engine
//! with what its template sets up and exposes, and the R48 reading of an image as engine and
//! major. The one place these facts live; the sandbox keeps its own catalog. Pure data.

use serde::Serialize;

/// A database engine Railway makes from a template (`railway add --database <code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Postgres,
    Mysql,
    Redis,
    Mongo,
}

/// One engine's template, as Railway's CLI compiler and SDK describe it (R46).
#[derive(Debug)]
pub struct EngineRow {
    pub engine: Engine,
    /// `template(code)` and the manifest's `engine:` value.
    pub code: &'static str,
    /// The image without its tag; the manifest's `version` is the tag (R47: the operator pins
    /// it, Railway would use its current one).
    pub image_repo: &'static str,
    /// Where the template mounts its volume (`deploy.requiredMountPath`).
    pub mount_path: &'static str,
    /// The port its TCP proxy forwards to (`public:`).
    pub port: i64,
    /// The variables the template sets on the service, for `${{db.NAME}}` references.
    pub variables: &'static [&'static str],
    /// The variable other services connect with.
    pub url_variable: &'static str,
    /// The variables whose values the template generates (credentials): never read, shown
    /// or stored by the operator.
    pub generated: &'static [&'static str],
}

/// R46; Postgres from CLI 5.71 `src/iac/compiler.rs`, the others from SDK 3.11 and Railway's
/// public templates.
pub const ENGINES: &[EngineRow] = &[
    EngineRow {
        engine: Engine::Postgres,
        code: "postgres",
        image_repo: "ghcr.io/railwayapp-templates/postgres-ssl",
        mount_path: "/var/lib/postgresql/data",
        port: 5432,
        variables: &[
            "DATABASE_URL",
            "DATABASE_PUBLIC_URL",
            "PGDATA",
            "PGHOST",
            "PGPORT",
            "PGUSER",
            "PGPASSWORD",
            "PGDATABASE",
            "POSTGRES_DB",
            "POSTGRES_USER",
            "POSTGRES_PASSWORD",
            "SSL_CERT_DAYS",
            "RAILWAY_DEPLOYMENT_DRAINING_SECONDS",
        ],
        url_variable: "DATABASE_URL",
        generated: &["POSTGRES_PASSWORD"],
    },
    EngineRow {
        engine: Engine::Mysql,
        code: "mysql",
        image_repo: "mysql",
        mount_path: "/var/lib/mysql",
        port: 3306,
        variables: &[
            "MYSQL_URL",
            "MYSQL_PUBLIC_URL",
            "MYSQLHOST",
            "MYSQLPORT",
            "MYSQLUSER",
            "MYSQLPASSWORD",
            "MYSQLDATABASE",
            "MYSQL_DATABASE",
            "MYSQL_ROOT_PASSWORD",
        ],
        url_variable: "MYSQL_URL",
        generated: &["MYSQL_ROOT_PASSWORD"],
    },
    EngineRow {
        engine: Engine::Redis,
        code: "redis",
        image_repo: "railwayapp/redis",
        mount_path: "/bitnami",
        port: 6379,
        variables: &[
            "REDIS_URL",
            "REDIS_PUBLIC_URL",
            "REDISHOST",
            "REDISPORT",
            "REDISUSER",
            "REDISPASSWORD",
            "REDIS_PASSWORD",
        ],
        url_variable: "REDIS_URL",
        generated: &["REDIS_PASSWORD"],
    },
    EngineRow {
        engine: Engine::Mongo,
        code: "mongo",
        image_repo: "mongo",
        mount_path: "/data/db",
        port: 27017,
        variables: &[
            "MONGO_URL",
            "MONGO_PUBLIC_URL",
            "MONGOHOST",
            "MONGOPORT",
            "MONGOUSER",
            "MONGOPASSWORD",
            "MONGO_INITDB_ROOT_USERNAME",
            "MONGO_INITDB_ROOT_PASSWORD",
        ],
        url_variable: "MONGO_URL",
        generated: &["MONGO_INITDB_ROOT_PASSWORD"],
    },
];

impl Engine {
    pub fn row(self) -> &'static EngineRow {
        // Every engine has a row (checked by a test); the first is a harmless fallback.
        ENGINES
            .iter()
            .find(|r| r.engine == self)
            .unwrap_or(&ENGINES[0])
    }

    pub fn code(self) -> &'static str {
        self.row().code
    }

    /// The engine written as `code`.
    pub fn from_code(code: &str) -> Option<Engine> {
        ENGINES.iter().find(|r| r.code == code).map(|r| r.engine)
    }

    /// The image the operator pins: `<repo>:<major>`.
    pub fn image(self, major: u32) -> String {
        format!("{}:{major}", self.row().image_repo)
    }

    /// Whether `${{db.NAME}}` names a variable the template sets.
    pub fn exposes(self, name: &str) -> bool {
        self.row().variables.contains(&name)
    }
}

/// R46: the name Railway's template gives a database's volume, `<service>-volume` (guess, as the
/// sandbox's: no source names it); the default of a database's `volume.name`, so that a created
/// database needs no rename and Railway's IaC reads no stray volume name.
pub fn template_volume_name(service: &str) -> String {
    format!("{service}-volume")
}

/// R48: an image read as engine and major (`(railwayapp/|ghcr.io/railwayapp-templates/)?
/// <engine>(-ssl)?:<major>[.minor]`); the major is `None` without a numeric tag. `None` for an
/// image that is no database engine's.
pub fn engine_of_image(image: &str) -> Option<(Engine, Option<u32>)> {
    let last = image.rsplit('/').next()?;
    let (name, tag) = match last.split_once(':') {
        Some((name, tag)) => (name, Some(tag)),
        None => (last, None),
    };
    let engine = match name {
        "postgres" | "postgresql" | "postgres-ssl" | "postgres-patroni" => Engine::Postgres,
        "mysql" | "mysql-wrapper" => Engine::Mysql,
        "redis" | "redis-sentinel" => Engine::Redis,
        "mongo" | "mongodb" => Engine::Mongo,
        _ => return None,
    };
    let major = tag.and_then(|t| t.split(['.', '-']).next()?.parse().ok());
    Some((engine, major))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_engine_has_one_row_exposing_its_url() {
        for engine in [
            Engine::Postgres,
            Engine::Mysql,
            Engine::Redis,
            Engine::Mongo,
        ] {
            let row = engine.row();
            assert_eq!(row.engine, engine);
            assert_eq!(Engine::from_code(row.code), Some(engine));
            assert!(engine.exposes(row.url_variable));
            assert!(row.generated.iter().all(|g| engine.exposes(g)));
        }
    }

    #[test]
    fn images_compare_as_engine_and_major() {
        let pinned = Engine::Postgres.image(16);
        assert_eq!(engine_of_image(&pinned), Some((Engine::Postgres, Some(16))));
        assert_eq!(
            engine_of_image("postgres:16.4"),
            Some((Engine::Postgres, Some(16)))
        );
        assert_eq!(
            engine_of_image("railwayapp/redis:8.2"),
            Some((Engine::Redis, Some(8)))
        );
        assert_eq!(engine_of_image("mongo"), Some((Engine::Mongo, None)));
        assert_eq!(engine_of_image("nginx:1"), None);
    }
}

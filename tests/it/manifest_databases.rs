//! Databases in the manifest (R45–R48): what the template gives (image at the declared major,
//! volume at the engine's path), what the manifest adds (variables, backups, `public`), and the
//! errors: a source on a database, another mount path, an unknown engine, a reference to a
//! variable the template does not set.

use railway_operator::manifest::database::Engine;
use railway_operator::manifest::desired::{BackupScheduleKind, DesiredDatabase, Source};
use railway_operator::manifest::{Desired, LoadError};

use crate::support::services_manifest::{instance, load};

fn messages(result: Result<Desired, LoadError>) -> Vec<String> {
    match result {
        Err(LoadError::Invalid(diagnostics)) => diagnostics
            .0
            .iter()
            .map(|d| {
                format!(
                    "{}:{} {} ({})",
                    d.line,
                    d.column,
                    d.message,
                    d.hint.as_deref().unwrap_or("")
                )
            })
            .collect(),
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("the manifest loaded"),
    }
}

#[test]
fn a_database_takes_its_image_and_volume_from_the_template_and_adds_what_the_manifest_declares() {
    let desired = load(concat!(
        "    postgres:\n",
        "      database: { engine: postgres, version: 16 }\n",
        "      public: false\n",
        "      variables: { TZ: UTC }\n",
        "      volume: { name: pg, backups: { schedules: [DAILY] } }\n",
        "    cache:\n",
        "      database: { engine: redis, version: 8 }\n",
        "      public: true\n",
        "    api:\n",
        "      source: { image: \"nginx:1\" }\n",
        "      variables:\n",
        "        DATABASE_URL: \"${{postgres.DATABASE_URL}}\"\n",
        "        REDIS_URL: \"${{cache.REDIS_URL}}\"\n",
        "        PG_TZ: \"${{postgres.TZ}}\"\n",
    ))
    .unwrap();
    let postgres = desired
        .services
        .iter()
        .find(|s| s.name == "postgres")
        .unwrap();
    assert_eq!(
        postgres.database,
        Some(DesiredDatabase {
            engine: Engine::Postgres,
            version: 16,
            public: Some(false)
        })
    );
    let pg = instance(&desired, "postgres", "production");
    assert_eq!(
        pg.source,
        Some(Source::Image(
            "ghcr.io/railwayapp-templates/postgres-ssl:16".into()
        ))
    );
    let volume = pg.volume.as_ref().unwrap();
    assert_eq!(
        (volume.name.as_str(), volume.mount_path.as_str()),
        ("pg", "/var/lib/postgresql/data")
    );
    assert_eq!(
        volume.native_schedules,
        Some(vec![BackupScheduleKind::Daily])
    );
    assert_eq!(pg.variables.keys().collect::<Vec<_>>(), ["TZ"]);
    assert_eq!(
        (pg.tcp_proxies.clone(), pg.closed_tcp_proxies.clone()),
        (vec![], vec![5432])
    );
    let redis = instance(&desired, "cache", "production");
    assert_eq!(redis.tcp_proxies, vec![6379]);
    assert_eq!(redis.volume.as_ref().unwrap().mount_path, "/bitnami");
    assert_eq!(redis.volume.as_ref().unwrap().name, "cache-volume");
}

#[test]
fn a_database_without_public_leaves_the_tcp_proxy_alone() {
    let desired = load("    db:\n      database: { engine: mysql, version: 9 }\n").unwrap();
    let db = instance(&desired, "db", "production");
    assert!(db.tcp_proxies.is_empty() && db.closed_tcp_proxies.is_empty());
    assert_eq!(db.source, Some(Source::Image("mysql:9".into())));
}

#[test]
fn a_database_with_a_source_another_mount_path_or_an_unknown_engine_is_refused_where_written() {
    let found = messages(load(concat!(
        "    db:\n",
        "      database: { engine: postgress, version: 16 }\n",
        "      source: { image: \"postgres:16\" }\n",
        "    mongo:\n",
        "      database: { engine: mongo, version: 8 }\n",
        "      volume: { mountPath: /data }\n",
        "      environments:\n",
        "        staging: { source: { image: \"mongo:7\" } }\n",
        "    web:\n",
        "      source: { image: \"nginx:1\" }\n",
        "      public: true\n",
        "    nov:\n",
        "      database: { engine: redis }\n",
    )));
    let expected = [
        "8:27 unknown database engine `postgress` in `services.db.database.engine` (did you mean `postgres`?)",
        "9:7 a database cannot have `source` (in services.db)",
        "14:20 a database cannot have `source` (in services.mongo.environments.staging)",
        "17:15 `public` applies to databases only (in services.web)",
        "19:19 missing required field `version` in services.nov.database",
        "12:28 services.mongo.volume.mountPath must be /data/db for a mongo database",
    ];
    for want in expected {
        assert!(
            found.iter().any(|f| f.starts_with(want)),
            "missing {want:?} in {found:#?}"
        );
    }
}

#[test]
fn a_reference_to_a_variable_the_template_does_not_set_is_an_error_with_a_suggestion() {
    let found = messages(load(concat!(
        "    postgres:\n",
        "      database: { engine: postgres, version: 16 }\n",
        "    api:\n",
        "      source: { image: \"nginx:1\" }\n",
        "      variables: { URL: \"${{postgres.DATABSE_URL}}\" }\n",
    )));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("`${{postgres.DATABSE_URL}}` in `services.api.variables.URL`: the postgres template of service `postgres` sets no such variable (did you mean `DATABASE_URL`?)"),
        "{found:#?}"
    );
}

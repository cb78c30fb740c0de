//! The sandbox's template catalog (R45, R46): the four database templates Railway's CLI adds
//! with `railway add --database`, each as the `serializedConfig` Railway's clients read, and the
//! evaluation of template variable functions (`${{secret(n, "alphabet")}}`). Pure data and pure
//! functions: no store, no GraphQL.
//!
//! Images, mount paths, ports and the Postgres variables follow Railway's IaC compiler (CLI 5.71
//! `src/iac/compiler.rs`) and SDK 3.11 (`postgres()`, `mysql()`, `redis()`, `mongo()`). The
//! MySQL, Redis and MongoDB variables, every id, name and icon, and the shape beyond what the CLI
//! reads (`services.<id>.{name, source, variables.<k>.{defaultValue, generator, isOptional},
//! volumeMounts, networking.tcpProxies, deploy}`) are guesses modelled on Railway's public
//! templates.

use serde_json::{Map, Value, json};

/// Letters only, as R46's Postgres password generator.
const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// One database template: its ids and what its single service sets up (R46).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Template {
    pub code: &'static str,
    pub id: &'static str,
    pub service_id: &'static str,
    pub volume_id: &'static str,
    pub name: &'static str,
    /// R47: the current image; a deploy always uses it, whatever the client sent.
    pub image: &'static str,
    pub mount_path: &'static str,
    pub port: u16,
    /// `(name, value)`; a value starting with `=` is a generator (e.g. `=secret(32)`).
    pub variables: &'static [(&'static str, &'static str)],
}

const POSTGRES_VARIABLES: &[(&str, &str)] = &[
    ("PGDATA", "/var/lib/postgresql/data/pgdata"),
    ("PGHOST", "${{RAILWAY_PRIVATE_DOMAIN}}"),
    ("PGPORT", "5432"),
    ("PGUSER", "${{POSTGRES_USER}}"),
    ("PGDATABASE", "${{POSTGRES_DB}}"),
    ("PGPASSWORD", "${{POSTGRES_PASSWORD}}"),
    ("POSTGRES_DB", "railway"),
    ("POSTGRES_USER", "postgres"),
    ("POSTGRES_PASSWORD", "=letters32"),
    ("SSL_CERT_DAYS", "820"),
    (
        "DATABASE_URL",
        "postgresql://${{PGUSER}}:${{POSTGRES_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:5432/${{PGDATABASE}}",
    ),
    (
        "DATABASE_PUBLIC_URL",
        "postgresql://${{PGUSER}}:${{POSTGRES_PASSWORD}}@${{RAILWAY_TCP_PROXY_DOMAIN}}:${{RAILWAY_TCP_PROXY_PORT}}/${{PGDATABASE}}",
    ),
    ("RAILWAY_DEPLOYMENT_DRAINING_SECONDS", "60"),
];

// Guess: modelled on Railway's public MySQL template.
const MYSQL_VARIABLES: &[(&str, &str)] = &[
    ("MYSQLHOST", "${{RAILWAY_PRIVATE_DOMAIN}}"),
    ("MYSQLPORT", "3306"),
    ("MYSQLUSER", "root"),
    ("MYSQLPASSWORD", "${{MYSQL_ROOT_PASSWORD}}"),
    ("MYSQLDATABASE", "${{MYSQL_DATABASE}}"),
    ("MYSQL_DATABASE", "railway"),
    ("MYSQL_ROOT_PASSWORD", "=letters32"),
    (
        "MYSQL_URL",
        "mysql://${{MYSQLUSER}}:${{MYSQL_ROOT_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:3306/${{MYSQL_DATABASE}}",
    ),
    (
        "MYSQL_PUBLIC_URL",
        "mysql://${{MYSQLUSER}}:${{MYSQL_ROOT_PASSWORD}}@${{RAILWAY_TCP_PROXY_DOMAIN}}:${{RAILWAY_TCP_PROXY_PORT}}/${{MYSQL_DATABASE}}",
    ),
];

// Guess: modelled on Railway's public Redis template.
const REDIS_VARIABLES: &[(&str, &str)] = &[
    ("REDISHOST", "${{RAILWAY_PRIVATE_DOMAIN}}"),
    ("REDISPORT", "6379"),
    ("REDISUSER", "default"),
    ("REDISPASSWORD", "${{REDIS_PASSWORD}}"),
    ("REDIS_PASSWORD", "=letters32"),
    (
        "REDIS_URL",
        "redis://${{REDISUSER}}:${{REDIS_PASSWORD}}@${{REDISHOST}}:${{REDISPORT}}",
    ),
    (
        "REDIS_PUBLIC_URL",
        "redis://default:${{REDIS_PASSWORD}}@${{RAILWAY_TCP_PROXY_DOMAIN}}:${{RAILWAY_TCP_PROXY_PORT}}",
    ),
];

// Guess: modelled on Railway's public MongoDB template.
const MONGO_VARIABLES: &[(&str, &str)] = &[
    ("MONGOHOST", "${{RAILWAY_PRIVATE_DOMAIN}}"),
    ("MONGOPORT", "27017"),
    ("MONGOUSER", "${{MONGO_INITDB_ROOT_USERNAME}}"),
    ("MONGOPASSWORD", "${{MONGO_INITDB_ROOT_PASSWORD}}"),
    ("MONGO_INITDB_ROOT_USERNAME", "mongo"),
    ("MONGO_INITDB_ROOT_PASSWORD", "=letters32"),
    (
        "MONGO_URL",
        "mongodb://${{MONGO_INITDB_ROOT_USERNAME}}:${{MONGO_INITDB_ROOT_PASSWORD}}@${{RAILWAY_PRIVATE_DOMAIN}}:27017",
    ),
    (
        "MONGO_PUBLIC_URL",
        "mongodb://${{MONGO_INITDB_ROOT_USERNAME}}:${{MONGO_INITDB_ROOT_PASSWORD}}@${{RAILWAY_TCP_PROXY_DOMAIN}}:${{RAILWAY_TCP_PROXY_PORT}}",
    ),
];

/// The catalog; ids are fixed so that `templateId`/`templateServiceId` read the same in every
/// sandbox (guess: Railway's are opaque UUIDs).
pub(crate) const TEMPLATES: &[Template] = &[
    Template {
        code: "postgres",
        id: "sandbox-template-postgres",
        service_id: "sandbox-template-service-postgres",
        volume_id: "sandbox-template-volume-postgres",
        name: "Postgres",
        image: "ghcr.io/railwayapp-templates/postgres-ssl:18",
        mount_path: "/var/lib/postgresql/data",
        port: 5432,
        variables: POSTGRES_VARIABLES,
    },
    Template {
        code: "mysql",
        id: "sandbox-template-mysql",
        service_id: "sandbox-template-service-mysql",
        volume_id: "sandbox-template-volume-mysql",
        name: "MySQL",
        image: "mysql:9",
        mount_path: "/var/lib/mysql",
        port: 3306,
        variables: MYSQL_VARIABLES,
    },
    Template {
        code: "redis",
        id: "sandbox-template-redis",
        service_id: "sandbox-template-service-redis",
        volume_id: "sandbox-template-volume-redis",
        name: "Redis",
        image: "railwayapp/redis:8.2",
        mount_path: "/bitnami",
        port: 6379,
        variables: REDIS_VARIABLES,
    },
    Template {
        code: "mongo",
        id: "sandbox-template-mongo",
        service_id: "sandbox-template-service-mongo",
        volume_id: "sandbox-template-volume-mongo",
        name: "MongoDB",
        image: "mongo:8",
        mount_path: "/data/db",
        port: 27017,
        variables: MONGO_VARIABLES,
    },
];

/// The template with this code or id.
pub(crate) fn find(code: Option<&str>, id: Option<&str>) -> Option<&'static Template> {
    TEMPLATES
        .iter()
        .find(|t| code.is_some_and(|c| c == t.code) || id.is_some_and(|i| i == t.id))
}

/// The template of a Railway IaC `database` node: by its `engine`, else by its image's name
/// (R48's engine images).
pub(crate) fn for_database_node(node: &Value) -> Option<&'static Template> {
    let engine = node.get("engine").and_then(Value::as_str).or_else(|| {
        let image = node.get("image").and_then(Value::as_str)?;
        let name = image.rsplit('/').next()?.split(':').next()?;
        Some(match name {
            "postgres" | "postgresql" | "postgres-ssl" | "postgres-patroni" => "postgres",
            "mysql" | "mysql-wrapper" => "mysql",
            "redis" | "redis-sentinel" => "redis",
            "mongo" | "mongodb" => "mongo",
            other => other,
        })
    })?;
    find(Some(engine), None)
}

/// The generator expression of a `=letters32` entry, in Railway's template function syntax.
fn generator(marker: &str) -> Option<String> {
    (marker == "=letters32").then(|| format!("secret(32, \"{LETTERS}\")"))
}

impl Template {
    /// The `serializedConfig` Railway's clients read: one service keyed by its template
    /// service id. A generated variable carries its generator both as `generator` and as a
    /// `${{secret(...)}}` default, so that Railway's CLI (which fills `defaultValue`) never
    /// prompts for it (guess: Railway's templates write template functions into defaults).
    pub(crate) fn serialized_config(&self) -> Value {
        let mut variables = Map::new();
        for (name, value) in self.variables {
            let entry = match generator(value) {
                Some(expression) => json!({
                    "defaultValue": format!("${{{{{expression}}}}}"),
                    "generator": expression,
                    "isOptional": false,
                }),
                None => json!({ "defaultValue": value, "isOptional": false }),
            };
            variables.insert((*name).to_string(), entry);
        }
        json!({
            "services": {
                self.service_id: {
                    "name": self.name,
                    "icon": format!("https://devicons.railway.app/i/{}.svg", self.code),
                    "source": { "image": self.image },
                    "variables": variables,
                    "volumeMounts": { self.volume_id: { "mountPath": self.mount_path } },
                    "networking": { "tcpProxies": { self.port.to_string(): {} }, "serviceDomains": {} },
                    "deploy": { "requiredMountPath": self.mount_path },
                }
            }
        })
    }
}

/// A variable's value with every `${{secret(n)}}` / `${{secret(n, "alphabet")}}` replaced by
/// fresh random text; other `${{...}}` references are kept for the reference resolver.
pub(crate) fn evaluate_functions(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        match secret(after[..end].trim()) {
            Some(generated) => out.push_str(&generated),
            None => out.push_str(&rest[start..start + 3 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `secret(n)` or `secret(n, "alphabet")` evaluated; `None` for anything else. Guess: Railway's
/// default alphabet is letters and digits.
pub(crate) fn secret(expression: &str) -> Option<String> {
    let inner = expression.strip_prefix("secret(")?.strip_suffix(')')?;
    let (length, alphabet) = match inner.split_once(',') {
        Some((length, alphabet)) => (length, alphabet.trim().trim_matches('"').to_string()),
        None => (inner, format!("{LETTERS}0123456789")),
    };
    let length: usize = length.trim().parse().ok()?;
    let chars: Vec<char> = alphabet.chars().collect();
    if chars.is_empty() || length > 4096 {
        return None;
    }
    let mut generated = Vec::with_capacity(length);
    while generated.len() < length {
        let bytes = uuid::Uuid::new_v4().into_bytes();
        for byte in bytes.iter().take(length - generated.len()) {
            generated.push(chars[usize::from(*byte) % chars.len()]);
        }
    }
    Some(generated.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_function_is_generated_and_references_are_kept() {
        let value = evaluate_functions("a${{secret(32, \"ab\")}}-${{PGUSER}}");
        assert_eq!(value.len(), 1 + 32 + 12);
        assert!(value[1..33].chars().all(|c| c == 'a' || c == 'b'));
        assert!(value.ends_with("-${{PGUSER}}"));
        assert_eq!(secret("secret(8)").map(|s| s.len()), Some(8));
    }

    #[test]
    fn every_template_offers_its_url_and_a_generated_password() {
        for template in TEMPLATES {
            let config = template.serialized_config();
            let service = &config["services"][template.service_id];
            assert_eq!(service["source"]["image"], template.image);
            let generated = service["variables"]
                .as_object()
                .map(|v| v.values().filter(|e| e.get("generator").is_some()).count());
            assert_eq!(generated, Some(1), "{}", template.code);
        }
    }
}

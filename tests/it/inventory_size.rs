//! The ownership inventory's size at 1,000 services x 20 variables: the figures in
//! BENCHMARKS.md (`cargo test --test inventory_size -- --nocapture`). Sizes only, no times. Uses
//! only what format 1's code had too (`encode`, `decode`, the public fields), so it also runs
//! against it, where it fails.

use railway_operator::inventory::{Inventory, InventoryState};

/// `inventory::MAX_ENCODED_BYTES`, written out so this test also builds against format 1's code.
const LIMIT: usize = 64 * 1024;

/// Format 1's length: the inventory's JSON plus `"ro":1,` (key order does not change it).
fn format_1_len(inventory: &Inventory) -> usize {
    serde_json::to_string(inventory).map_or(0, |json| json.len() + "\"ro\":1,".len())
}

/// `services` services with 20 variables each, 5 of them sensitive, one domain each and a
/// volume on every tenth. `own` of the 20 names are the service's own (they embed its
/// name, so nothing repeats across services); the others every service has.
fn large_inventory(services: usize, own: usize) -> Inventory {
    let common = [
        "PORT",
        "DATABASE_URL",
        "REDIS_URL",
        "LOG_LEVEL",
        "NODE_ENV",
        "SENTRY_DSN",
        "API_BASE_URL",
        "FEATURE_FLAGS",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "SESSION_SECRET",
        "AWS_REGION",
        "S3_BUCKET",
        "SMTP_HOST",
        "SMTP_PORT",
        "JWT_SECRET",
        "CORS_ORIGINS",
        "RATE_LIMIT_PER_MINUTE",
        "WORKER_CONCURRENCY",
        "CACHE_TTL_SECONDS",
        "STRIPE_API_KEY",
    ];
    let mut inventory = Inventory::default();
    for i in 0..services {
        let name = format!("service-{i:04}");
        let prefix = name.to_ascii_uppercase().replace('-', "_");
        let names: Vec<String> = (0..own)
            .map(|j| format!("{prefix}_SETTING_{j:02}"))
            .chain(common.iter().take(20 - own).map(|v| v.to_string()))
            .collect();
        inventory
            .sensitive
            .insert(name.clone(), names.iter().rev().take(5).cloned().collect());
        inventory
            .variables
            .insert(name.clone(), names.into_iter().collect());
        inventory
            .domains
            .entry(name.clone())
            .or_default()
            .insert(format!("{name}-production.up.railway.app"));
        if i % 10 == 0 {
            let volume = format!("9b2c{i:04}-5d1e-4f3a-8c7b-1a2b3c4d5e6f");
            inventory.volumes.insert(name.clone(), volume);
        }
        inventory.services.insert(name);
    }
    inventory
}

#[test]
fn an_inventory_of_1000_services_by_20_variables_stays_well_under_64_kib() {
    for (case, own, share) in [("the same 20 names", 0, 4), ("10 names of its own", 10, 1)] {
        let inventory = large_inventory(1000, own);
        let legacy = format_1_len(&inventory);
        let text = inventory.encode();
        println!(
            "inventory, 1,000 services x 20 variables, each service with {case}: format 1 (plain JSON) {legacy} bytes, format 2 (grouped, deflate + base64) {} bytes, limit {LIMIT}",
            text.len()
        );
        assert!(text.len() * share <= LIMIT, "{case}: {} bytes", text.len());
        assert_eq!(
            InventoryState::decode(Some(Some(&text))),
            InventoryState::Present { inventory }
        );
    }
}

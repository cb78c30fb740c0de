//! Manifests written as their `services:` block only, under one header with two environments
//! (production, staging), loaded without any environment variable.

use std::path::Path;

use railway_operator::manifest::desired::{InstanceSettings, ServiceKind};
use railway_operator::manifest::{Desired, LoadError, load_str};

pub const HEADER: &str = "apiVersion: railway-operator/v1\nkind: Project\nmetadata: { name: demo }\nspec:\n  environments: { production: {}, staging: {} }\n  services:\n";

/// The manifest made of [`HEADER`] and `services`, loaded.
pub fn load(services: &str) -> Result<Desired, LoadError> {
    load_str(
        &format!("{HEADER}{services}"),
        Path::new("test.yml"),
        &|_| None,
    )
}

/// A managed service's settings in one environment; panics for any other kind of service.
pub fn instance<'d>(desired: &'d Desired, service: &str, env: &str) -> &'d InstanceSettings {
    let service = desired.services.iter().find(|s| s.name == service).unwrap();
    match &service.kind {
        ServiceKind::Managed { environments } => &environments[env],
        other => panic!("{} is not managed: {other:?}", service.name),
    }
}

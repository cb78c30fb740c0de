//! Databases in the plan (R47, R48): images compare as engine and major, a database that has
//! run is never planned onto another major (the gate refuses, saying what to do instead), and
//! a declared database facing a live plain service of its name is adopted, never recreated.
//! Pure.

use crate::manifest::Desired;
use crate::manifest::database::engine_of_image;
use crate::manifest::desired::{DesiredDatabase, InstanceSettings, ServiceKind, Source};
use crate::railway::live::{Live, LiveEnvironment, LiveInstance, LiveService, LiveSource};

/// Whether a database instance has run: it has a deployment, or its volume exists (then it
/// may hold data written by its major).
pub fn has_run(instance: &LiveInstance, environment: &LiveEnvironment) -> bool {
    instance.latest_deployment.is_some() || environment.volume_of(&instance.service_id).is_some()
}

/// R48: the live image when it is the declared engine and major (a registry or minor
/// difference is no change), or when it is another major on a database that has run (R47:
/// never changed; the gate reports it). `None`: compare the manifest's image as usual.
pub fn live_image_kept(
    database: &DesiredDatabase,
    instance: &LiveInstance,
    environment: &LiveEnvironment,
) -> Option<String> {
    let Some(LiveSource::Image(image)) = &instance.source else {
        return None;
    };
    let same = engine_of_image(image) == Some((database.engine, Some(database.version)));
    (same || has_run(instance, environment)).then(|| image.clone())
}

/// `settings` with the live image in place of the manifest's where [`live_image_kept`] says so.
pub fn compared_settings(
    database: Option<&DesiredDatabase>,
    settings: &InstanceSettings,
    live: Option<(&LiveInstance, &LiveEnvironment)>,
) -> Option<InstanceSettings> {
    let (instance, environment) = live?;
    let image = live_image_kept(database?, instance, environment)?;
    Some(InstanceSettings {
        source: Some(Source::Image(image)),
        ..settings.clone()
    })
}

/// R47: every declared database that has run on another major (or engine) than the manifest
/// declares, one message each with what to do instead.
pub fn major_changes(desired: &Desired, live: &Live) -> Vec<String> {
    let Some(project) = &live.project else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    let managed = desired
        .services
        .iter()
        .filter(|s| matches!(s.kind, ServiceKind::Managed { .. }));
    for service in managed {
        let Some(database) = &service.database else {
            continue;
        };
        let Some(live_service) = project.services.iter().find(|s| s.name == service.name) else {
            continue;
        };
        let declared = project
            .environments
            .iter()
            .filter(|e| desired.environments.contains(&e.name));
        for environment in declared {
            let Some(instance) = environment.instances.get(&live_service.id) else {
                continue;
            };
            let Some(LiveSource::Image(image)) = &instance.source else {
                continue;
            };
            let running = engine_of_image(image);
            if running == Some((database.engine, Some(database.version)))
                || !has_run(instance, environment)
            {
                continue;
            }
            let runs = match running {
                Some((engine, Some(major))) => format!("{} {major}", engine.code()),
                _ => format!("image {image}"),
            };
            problems.push(format!(
                "database {} in {} runs {runs} ({image}) but the manifest declares {} {}: the major version of a database that has run is never changed, since its data would not open (R47). Keep `version` at what it runs, or declare a new database (another service name) at {}, dump the data from {} and restore it into the new one, move the references to it, then remove the old one",
                service.name,
                environment.name,
                database.engine.code(),
                database.version,
                database.version,
                service.name,
            ));
        }
    }
    problems
}

/// R48: a declared database whose live service of the same name came from no template: it is
/// adopted as it is, never deleted and recreated.
pub fn adoption_note(name: &str, database: &DesiredDatabase, live: &LiveService) -> Option<String> {
    live.template_service_id.is_none().then(|| {
        format!(
            "service {name} exists on Railway as a plain image service: it is adopted as the {} database the manifest declares, never deleted and recreated (R48); its data, variables and volume stay as they are, and Railway's own tools will not list it as a database since it came from no template",
            database.engine.code()
        )
    })
}

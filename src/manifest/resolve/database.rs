//! A database service in resolution (R45, R46, R47): its settings are the template's (the
//! pinned image, the volume at the engine's mount path) under what the manifest writes, a
//! different `mountPath` is an error, and `public:` becomes the engine port's TCP proxy.

use super::super::database::template_volume_name;
use super::super::desired::{DesiredDatabase, InstanceSettings};
use super::super::diagnostics::Sink;
use super::super::spec::{ServiceSpec, Settings, Spanned, VolumeSpec};

/// The service's base settings with the template's image and mount path filled in; the
/// service's own base for anything that is no (readable) database.
pub fn template_base(service: &ServiceSpec, sink: &mut Sink) -> Settings {
    let mut base = service.base.clone();
    if service.database_declared && service.database.is_none() {
        // Already reported: no "has no source" on top.
        base.source_unreadable = true;
    }
    let Some(database) = &service.database else {
        return base;
    };
    let row = database.value.engine.row();
    let name = &service.name.value;
    let overlays = service.overrides.iter().map(|(_, s)| s);
    for volume in std::iter::once(&service.base)
        .chain(overlays)
        .filter_map(|s| s.volume.as_ref())
    {
        if let Some(path) = &volume.value.mount_path
            && path.value != row.mount_path
        {
            sink.error_with_hint(
                path.at,
                format!(
                    "services.{name}.volume.mountPath must be {} for a {} database",
                    row.mount_path, row.code
                ),
                "Railway's template mounts the volume there (R46): remove `mountPath`",
            );
        }
    }
    base.image = Some(Spanned {
        value: database.value.engine.image(database.value.version),
        at: database.at,
    });
    let mount_path = Some(Spanned {
        value: row.mount_path.to_string(),
        at: database.at,
    });
    // R46: the template's volume name unless the manifest names one, so nothing is renamed.
    let template_name = || {
        Some(Spanned {
            value: template_volume_name(name),
            at: database.at,
        })
    };
    base.volume = Some(match base.volume.take() {
        Some(volume) => Spanned {
            value: VolumeSpec {
                mount_path,
                name: volume.value.name.clone().or_else(template_name),
                ..volume.value
            },
            at: volume.at,
        },
        None => Spanned {
            value: VolumeSpec {
                mount_path,
                name: template_name(),
                ..VolumeSpec::default()
            },
            at: database.at,
        },
    });
    base
}

/// The resolved `database:` of a service.
pub fn desired_database(service: &ServiceSpec) -> Option<DesiredDatabase> {
    let database = service.database.as_ref()?;
    Some(DesiredDatabase {
        engine: database.value.engine,
        version: database.value.version,
        public: service.public.as_ref().map(|p| p.value),
    })
}

/// `public:` on one instance: `true` keeps a TCP proxy on the engine's port, `false` removes
/// it whoever made it, absent leaves it as Railway made it.
pub fn apply_public(database: &DesiredDatabase, instance: &mut InstanceSettings) {
    let port = database.engine.row().port;
    match database.public {
        Some(true) if !instance.tcp_proxies.contains(&port) => instance.tcp_proxies.push(port),
        Some(false) => {
            instance.tcp_proxies.retain(|p| *p != port);
            instance.closed_tcp_proxies.push(port);
        }
        _ => {}
    }
}

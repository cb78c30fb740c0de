//! Per-request scope checks done before execution (R34, R35): which root fields a project token
//! or a non-admin member may call, judged from the ids the operation names. It decides only
//! "allowed or not"; nested contents are guarded by the schema's `access` module.

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection};
use async_graphql::{Name, Value as ConstValue};

use crate::sandbox::schema::access::Caller;
use crate::sandbox::store::Store;

/// Roots a project token can never call: account-wide reads and creates beyond its environment.
// R34
const OUTSIDE_ANY_PROJECT_TOKEN: &[&str] = &[
    "me",
    "projects",
    "externalWorkspaces",
    "workspace",
    "projectCreate",
    "projectTokenCreate",
    "projectDelete",
    "environmentCreate",
    "environmentDelete",
    // Guesses: a project token cannot manage tokens, rename environments or schedule deletion.
    "projectTokens",
    "projectTokenDelete",
    "projectScheduleDelete",
    "environmentRename",
];

/// What the `id` argument of a root field names.
enum IdKind {
    Project,
    Environment,
    Service,
    Other,
}

fn id_kind(root_field: &str) -> IdKind {
    match root_field {
        "project" | "projectUpdate" | "projectDelete" | "projectScheduleDelete" => IdKind::Project,
        "environment" | "environmentDelete" | "environmentRename" => IdKind::Environment,
        "service" | "serviceUpdate" | "serviceConnect" | "serviceDisconnect" | "serviceDelete" => {
            IdKind::Service
        }
        _ => IdKind::Other,
    }
}

/// The ids one root field names, from its arguments and input objects.
#[derive(Default)]
struct NamedIds {
    projects: Vec<String>,
    environments: Vec<String>,
    services: Vec<String>,
    volumes: Vec<String>,
    /// Ids of environment-scoped objects: domains, TCP proxies, volume instances, triggers.
    objects: Vec<String>,
}

impl NamedIds {
    fn collect(&mut self, key: &str, value: &ConstValue) {
        match value {
            ConstValue::String(id) => match key {
                "projectId" => self.projects.push(id.clone()),
                "environmentId" => self.environments.push(id.clone()),
                "serviceId" => self.services.push(id.clone()),
                "volumeId" => self.volumes.push(id.clone()),
                "volumeInstanceId" | "serviceInstanceId" => self.objects.push(id.clone()),
                _ => {}
            },
            ConstValue::Object(fields) => {
                for (name, inner) in fields {
                    self.collect(name.as_str(), inner);
                }
            }
            _ => {}
        }
    }
}

impl NamedIds {
    /// Adds the environments and projects that the named objects and volumes live in; an id
    /// the store does not know (e.g. a deployment's) adds nothing.
    fn resolve_objects(&mut self, store: &Store) {
        let environments = self
            .objects
            .iter()
            .filter_map(|id| store.environment_of_object(id));
        self.environments.extend(environments.collect::<Vec<_>>());
        let projects = self
            .volumes
            .iter()
            .filter_map(|id| store.project_of_volume(id));
        self.projects.extend(projects.collect::<Vec<_>>());
    }
}

/// The first root field of the operation that `caller` may not call, if any.
pub(super) fn denied_root_field(
    store: &Store,
    caller: &Caller,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &async_graphql::Variables,
) -> Option<String> {
    if *caller == Caller::Admin {
        return None;
    }
    let operation = match &document.operations {
        DocumentOperations::Single(operation) => operation,
        DocumentOperations::Multiple(operations) => match operation_name {
            Some(name) => operations
                .iter()
                .find(|(n, _)| n.as_str() == name)
                .map(|(_, operation)| operation)?,
            None => operations.values().next()?,
        },
    };
    for item in &operation.node.selection_set.node.items {
        let Selection::Field(field) = &item.node else {
            continue;
        };
        let name = field.node.name.node.as_str();
        let mut ids = NamedIds::default();
        for (argument, value) in &field.node.arguments {
            let value = value.node.clone().into_const_with(|variable: Name| {
                Ok::<_, std::convert::Infallible>(
                    variables
                        .get(&variable)
                        .cloned()
                        .unwrap_or(ConstValue::Null),
                )
            });
            let Ok(value) = value;
            if argument.node.as_str() == "id"
                && let ConstValue::String(id) = &value
            {
                match id_kind(name) {
                    IdKind::Project => ids.projects.push(id.clone()),
                    IdKind::Environment => ids.environments.push(id.clone()),
                    IdKind::Service => ids.services.push(id.clone()),
                    IdKind::Other => ids.objects.push(id.clone()),
                }
            }
            ids.collect(argument.node.as_str(), &value);
        }
        ids.resolve_objects(store);
        if !allowed(store, caller, name, &ids) {
            return Some(name.to_string());
        }
    }
    None
}

fn allowed(store: &Store, caller: &Caller, root_field: &str, ids: &NamedIds) -> bool {
    match caller {
        Caller::Admin => true,
        // R35: a member reaches every environment but the restricted ones' contents; reading
        // the environment itself (`environment(id)`) stays allowed, showing `canAccess: false`.
        Caller::Member => {
            let named = ids.environments.iter();
            let checked: Vec<&String> = if root_field == "environment" {
                Vec::new()
            } else {
                named.collect()
            };
            checked.into_iter().all(|id| !store.is_restricted(id))
        }
        // R34
        Caller::Project {
            project_id,
            environment_id,
            ..
        } => {
            !OUTSIDE_ANY_PROJECT_TOKEN.contains(&root_field)
                && ids.projects.iter().all(|id| id == project_id)
                && ids.environments.iter().all(|id| id == environment_id)
                && ids
                    .services
                    .iter()
                    .all(|id| store.project_of_service(id).as_deref() == Some(project_id.as_str()))
                && ids.environments.iter().all(|id| {
                    store.project_of_environment(id).as_deref() == Some(project_id.as_str())
                })
        }
    }
}

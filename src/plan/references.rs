//! Plan-time check of `${{service.VAR}}` references to services the manifest does not declare:
//! they are valid only if the service exists on Railway. Pure: reads the desired and live states.

use crate::manifest::desired::{Desired, ServiceKind};
use crate::railway::live::Live;

/// One reference that resolves nowhere, ready to print as `file:line:col: error: ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedReference {
    pub location: String,
    pub message: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for UnresolvedReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: error: {}", self.location, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// References whose service is neither in the manifest nor on Railway.
pub fn unresolved_references(desired: &Desired, live: &Live) -> Vec<UnresolvedReference> {
    let live_names: Vec<&str> = live
        .project
        .iter()
        .flat_map(|p| p.services.iter().map(|s| s.name.as_str()))
        .collect();
    let known: Vec<&str> = desired
        .services
        .iter()
        .filter(|s| matches!(s.kind, ServiceKind::Managed { .. }))
        .map(|s| s.name.as_str())
        .chain(live_names.iter().copied())
        .collect();
    desired
        .pending_references
        .iter()
        .filter(|reference| !live_names.contains(&reference.service.as_str()))
        .map(|reference| {
            let closest = known
                .iter()
                .map(|name| (strsim::jaro_winkler(name, &reference.service), *name))
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, name)| name);
            UnresolvedReference {
                location: format!(
                    "{}:{}:{}",
                    reference.file.display(),
                    reference.line,
                    reference.column
                ),
                message: format!(
                    "`{}` refers to service `{}`, which is neither in the manifest nor on Railway",
                    reference.used_in, reference.service
                ),
                hint: closest.map(|name| format!("did you mean `{name}`?")),
            }
        })
        .collect()
}

//! The change probe: one request reads the change markers of many projects (GraphQL aliases),
//! so that a steady pass pays a fraction of a request per project and only a project whose
//! markers moved is read whole. It reads what tells whether anything the snapshot reads has
//! moved: the service and environment lists, each environment's `configEtag` (every config
//! change: variables, settings, shared variables, generated domains, TCP proxies, volume mounts
//! and backup schedules, R15) and `unmergedChangesCount` (R17), and what lives outside the
//! config: the PR environment settings (R50), PR environments coming and going like any
//! other environment, the project's Storage Buckets (R49: created or renamed outside the config;
//! their instances are config), each instance's latest deployment and custom domains' state, each volume instance's
//! size, usage and state. It never decides what to change.
//!
//! The document is built here, not in `graphql/`: graphql_client fixes an operation's variables
//! at compile time, and the number of aliases varies (the batch halves when Railway refuses a
//! query as too large).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::client::Client;
use super::error::{Error, Result};

/// Projects read by one probe request.
pub const PROBE_BATCH: usize = 25;

const OPERATION: &str = "ProjectProbe";

/// What one project's probe selects. Ids and names tell a new, removed or renamed service or
/// environment; the rest as in the module documentation.
const SELECTION: &str = "fragment ProbeProject on Project {
  id name deletedAt prDeploys botPrEnvironments focusedPrEnvironments baseEnvironmentId
  services(first: 1000) { pageInfo { hasNextPage } edges { node { id name deletedAt } } }
  buckets(first: 1000) { edges { node { id name } } }
  environments(first: 100) {
    pageInfo { hasNextPage }
    edges { node {
      id name deletedAt canAccess configEtag unmergedChangesCount
      serviceInstances(first: 1000) {
        pageInfo { hasNextPage }
        edges { node {
          serviceId deletedAt
          latestDeployment { id status }
          domains { customDomains { id deletedAt status { verified certificateStatus dnsRecords { status currentValue } } } }
        } }
      }
      volumeInstances(first: 1000) {
        pageInfo { hasNextPage }
        edges { node { id serviceId sizeMB currentSizeMB state isPendingDeletion deletedAt } }
      }
    } }
  }
}";

/// What the probe says about one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeMark {
    /// Its markers, digested: equal digests mean nothing the snapshot reads has moved.
    Seen(Mark),
    /// Railway says the project is gone (deleted or not visible): find it again by name.
    Gone,
    /// The probe cannot tell (a list longer than one page): read it whole.
    Unknown,
}

/// One project's markers as one probe read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// Of every marker: equal digests mean nothing the snapshot reads has moved.
    pub digest: String,
    /// Of every marker but the environments' `configEtag`s, which `config_etags` holds.
    without_etags: String,
    /// Environment id to `configEtag` (R15).
    config_etags: BTreeMap<String, String>,
}

impl Mark {
    /// Whether, since `before`, nothing moved but the `configEtag` of the environments in
    /// `written` (ids): what a write of those environments' config alone leaves behind.
    pub fn moved_only_in(&self, before: &Mark, written: &[String]) -> bool {
        self.without_etags == before.without_etags
            && self.config_etags.len() == before.config_etags.len()
            && self
                .config_etags
                .iter()
                .all(|(id, etag)| written.contains(id) || before.config_etags.get(id) == Some(etag))
    }
}

/// The probe's state across passes: its batch size, halved when Railway refuses a query as too
/// large, and whether that was said already.
#[derive(Debug)]
pub struct Prober {
    batch: AtomicUsize,
    said: AtomicBool,
}

impl Default for Prober {
    fn default() -> Self {
        Prober {
            batch: AtomicUsize::new(PROBE_BATCH),
            said: AtomicBool::new(false),
        }
    }
}

impl Prober {
    /// Projects per request now.
    pub fn batch(&self) -> usize {
        self.batch.load(Ordering::Relaxed).max(1)
    }

    /// Requests a probe of `projects` costs at the current batch size.
    pub fn cost(&self, projects: usize) -> usize {
        projects.div_ceil(self.batch())
    }

    /// Probes the projects with these ids, `batch()` per request; also answers how many
    /// requests that took.
    ///
    /// # Errors
    /// Railway errors of a whole request (a refusal as too large only once one project per
    /// request is refused too).
    pub async fn probe(
        &self,
        client: &Client,
        project_ids: &[String],
    ) -> (Result<BTreeMap<String, ProbeMark>>, u64) {
        let mut marks = BTreeMap::new();
        let mut rest = project_ids;
        let mut requests = 0;
        while !rest.is_empty() {
            let size = self.batch().min(rest.len());
            let (now, later) = rest.split_at(size);
            requests += 1;
            match probe_batch(client, now).await {
                Ok(found) => {
                    marks.extend(found);
                    rest = later;
                }
                Err(error) if too_large(&error) && size > 1 => self.halve(size, &error),
                Err(error) => return (Err(error), requests),
            }
        }
        (Ok(marks), requests)
    }

    fn halve(&self, refused: usize, error: &Error) {
        let smaller = (refused / 2).max(1);
        self.batch.store(smaller, Ordering::Relaxed);
        if !self.said.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                error = %error,
                "Railway refused a change probe of {refused} projects as too large; probing {smaller} at a time from now on (halving again if refused)"
            );
        }
    }
}

/// A refusal for the query's size or complexity (Railway's text is unknown: matched loosely).
fn too_large(error: &Error) -> bool {
    let Error::Terminal { message, .. } = error else {
        return false;
    };
    let lower = message.to_ascii_lowercase();
    [
        "complex",
        "too large",
        "too big",
        "too many",
        "query size",
        "depth",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// The aliased document for `count` projects: `p0: project(id: $p0) { ...ProbeProject }`, ….
pub fn document(count: usize) -> String {
    let variables: Vec<String> = (0..count).map(|i| format!("$p{i}: String!")).collect();
    let fields: Vec<String> = (0..count)
        .map(|i| format!("p{i}: project(id: $p{i}) {{ ...ProbeProject }}"))
        .collect();
    format!(
        "query {OPERATION}({}) {{ {} }}\n{SELECTION}",
        variables.join(", "),
        fields.join(" ")
    )
}

async fn probe_batch(client: &Client, ids: &[String]) -> Result<BTreeMap<String, ProbeMark>> {
    let variables: serde_json::Map<String, Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (format!("p{i}"), json!(id)))
        .collect();
    let answer = client
        .post_document(OPERATION, &document(ids.len()), Value::Object(variables))
        .await?;
    let mut marks = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        let alias = format!("p{i}");
        let errors: Vec<&Value> = answer
            .errors
            .iter()
            .filter(|e| e.pointer("/path/0").and_then(Value::as_str) == Some(alias.as_str()))
            .collect();
        marks.insert(id.clone(), mark_of(&answer.data[&alias], &errors));
    }
    Ok(marks)
}

/// One project's mark from its alias's data and the errors under it. Errors are part of the
/// digest: a restricted environment (R35) answers the same errors every time, so it does not
/// make every probe look moved.
fn mark_of(data: &Value, errors: &[&Value]) -> ProbeMark {
    if data.is_null() || !data["deletedAt"].is_null() {
        let missing = errors.iter().all(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.to_ascii_lowercase().contains("not found"))
        });
        return if data.is_null() && !missing {
            ProbeMark::Unknown
        } else {
            ProbeMark::Gone
        };
    }
    let text = data.to_string();
    if text.contains("\"hasNextPage\":true") {
        return ProbeMark::Unknown;
    }
    let mut blanked = data.clone();
    let mut config_etags = BTreeMap::new();
    if let Some(edges) = blanked["environments"]["edges"].as_array_mut() {
        for node in edges.iter_mut().map(|edge| &mut edge["node"]) {
            let etag = node["configEtag"].take();
            if let Some(id) = node["id"].as_str() {
                config_etags.insert(id.to_string(), etag.to_string());
            }
        }
    }
    ProbeMark::Seen(Mark {
        digest: digest_of(&text, errors),
        without_etags: digest_of(&blanked.to_string(), errors),
        config_etags,
    })
}

fn digest_of(text: &str, errors: &[&Value]) -> String {
    let mut digest = Sha256::new();
    digest.update(text.as_bytes());
    for error in errors {
        digest.update(error["message"].to_string().as_bytes());
        digest.update(error["path"].to_string().as_bytes());
    }
    hex::encode(digest.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_names_one_variable_and_one_alias_per_project() {
        let text = document(3);
        assert!(text.starts_with("query ProjectProbe($p0: String!, $p1: String!, $p2: String!)"));
        assert!(text.contains("p2: project(id: $p2) { ...ProbeProject }"));
        assert!(async_graphql::parser::parse_query(&text).is_ok(), "{text}");
    }

    #[test]
    fn a_null_project_with_a_not_found_error_is_gone_and_other_errors_cannot_tell() {
        let not_found = json!({ "message": "Project not found", "path": ["p0"] });
        assert_eq!(mark_of(&Value::Null, &[&not_found]), ProbeMark::Gone);
        let other = json!({ "message": "Problem processing request", "path": ["p0"] });
        assert_eq!(mark_of(&Value::Null, &[&other]), ProbeMark::Unknown);
        let deleted = json!({ "id": "x", "deletedAt": "2026-01-01T00:00:00Z" });
        assert_eq!(mark_of(&deleted, &[]), ProbeMark::Gone);
    }

    #[test]
    fn equal_markers_give_equal_digests_and_a_moved_etag_another() {
        let a = json!({ "id": "x", "deletedAt": null, "environments": { "edges": [ { "node": { "configEtag": "1" } } ] } });
        let b = json!({ "id": "x", "deletedAt": null, "environments": { "edges": [ { "node": { "configEtag": "2" } } ] } });
        assert_eq!(mark_of(&a, &[]), mark_of(&a.clone(), &[]));
        assert_ne!(mark_of(&a, &[]), mark_of(&b, &[]));
    }

    #[test]
    fn a_moved_etag_of_a_written_environment_alone_is_told_from_other_moves() {
        let project = |etag: &str, other: &str, replicas: i64| {
            json!({ "id": "x", "deletedAt": null, "environments": { "edges": [
                { "node": { "id": "e1", "configEtag": etag, "n": replicas } },
                { "node": { "id": "e2", "configEtag": other } } ] } })
        };
        let seen = |data: Value| match mark_of(&data, &[]) {
            ProbeMark::Seen(mark) => mark,
            other => panic!("{other:?}"),
        };
        let before = seen(project("1", "a", 1));
        let written = ["e1".to_string()];
        assert!(seen(project("2", "a", 1)).moved_only_in(&before, &written));
        assert!(!seen(project("2", "b", 1)).moved_only_in(&before, &written));
        assert!(!seen(project("2", "a", 2)).moved_only_in(&before, &written));
        assert!(!seen(project("2", "a", 1)).moved_only_in(&before, &[]));
    }

    #[test]
    fn size_refusals_are_told_from_other_rejections() {
        let refused = Error::Terminal {
            operation: OPERATION,
            message: "Query is too complex.".into(),
        };
        assert!(too_large(&refused));
        let other = Error::Terminal {
            operation: OPERATION,
            message: "Invalid project name".into(),
        };
        assert!(!too_large(&other));
    }
}

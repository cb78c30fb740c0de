//! The values of the table's settings: one typed field per row (`SettingValues`, the same for
//! the desired and the live side), a borrowed view for comparing without allocating (`Val`),
//! and an owned value for writing one in (`Owned`).

use serde::Serialize;
use serde_json::{Value, json};

use super::{Kind, Regions, UpstreamName};
use crate::secret::Secret;

/// Railway's `Builder` enum, spelled as upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Builder {
    Heroku,
    Nixpacks,
    Paketo,
    Railpack,
}

/// Railway's `RestartPolicyType` enum, spelled as upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RestartPolicyType {
    Always,
    Never,
    OnFailure,
}

/// Private registry credentials for an image source. The password is write-only on Railway:
/// the live side reads the username only (an empty password).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistryCredentials {
    pub username: String,
    pub password: Secret,
}

/// Every setting of the table, typed; `None` is "not set" (desired: not managed).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct SettingValues {
    pub builder: Option<Builder>,
    pub build_command: Option<String>,
    pub dockerfile_path: Option<String>,
    pub watch_patterns: Option<Vec<String>>,
    pub start_command: Option<String>,
    pub pre_deploy_command: Option<Vec<String>>,
    pub healthcheck_path: Option<String>,
    pub healthcheck_timeout: Option<i64>,
    /// Replicas in all regions together.
    pub num_replicas: Option<i64>,
    /// Live: the placement's regions joined by `REGION_SEPARATOR` when there are several.
    pub region: Option<String>,
    pub restart_policy_type: Option<RestartPolicyType>,
    pub restart_policy_max_retries: Option<i64>,
    pub cron_schedule: Option<String>,
    pub sleep_application: Option<bool>,
    pub draining_seconds: Option<i64>,
    pub overlap_seconds: Option<i64>,
    pub vcpus: Option<f64>,
    pub memory_gb: Option<f64>,
    /// Replicas per region (R20). Live: the whole placement, one region or several.
    pub regions: Option<Regions>,
    pub registry_credentials: Option<RegistryCredentials>,
    pub ipv6_egress: Option<bool>,
    pub tracing_enabled: Option<bool>,
    pub auto_instrumentation: Option<bool>,
}

/// Joins the regions of a multi-region placement in [`SettingValues::region`].
pub const REGION_SEPARATOR: &str = ", ";

impl SettingValues {
    /// Every region of `region` (several when joined by [`REGION_SEPARATOR`]).
    pub fn regions_named(&self) -> Vec<&str> {
        self.region
            .as_deref()
            .map(|joined| joined.split(REGION_SEPARATOR).collect())
            .unwrap_or_default()
    }
}

/// A setting's value, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum Val<'a> {
    Text(&'a str),
    Int(i64),
    Bool(bool),
    Num(f64),
    List(&'a [String]),
    Enum(&'static str),
    Regions(&'a Regions),
    Credentials(&'a RegistryCredentials),
}

/// Numbers compare after rounding to 3 decimals: Railway stores memory in bytes.
fn rounded(n: f64) -> f64 {
    (n * 1000.0).round() / 1000.0
}

impl PartialEq for Val<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Val::Text(a), Val::Text(b)) => a == b,
            (Val::Int(a), Val::Int(b)) => a == b,
            (Val::Bool(a), Val::Bool(b)) => a == b,
            (Val::Num(a), Val::Num(b)) => rounded(*a) == rounded(*b),
            (Val::Int(a), Val::Num(b)) | (Val::Num(b), Val::Int(a)) => {
                rounded(*a as f64) == rounded(*b)
            }
            (Val::List(a), Val::List(b)) => a == b,
            (Val::Enum(a), Val::Enum(b)) => a == b,
            (Val::Regions(a), Val::Regions(b)) => a == b,
            // The password is write-only: Railway never shows it, so only the username can
            // be compared (a new password alone is not seen as a change).
            (Val::Credentials(a), Val::Credentials(b)) => a.username == b.username,
            _ => false,
        }
    }
}

impl Val<'_> {
    /// The value as the plan shows it; a password shows as `(secret)`, never its value.
    pub fn to_json(self) -> Value {
        match self {
            Val::Text(s) => json!(s),
            Val::Int(n) => json!(n),
            Val::Bool(b) => json!(b),
            Val::Num(n) => {
                let r = rounded(n);
                if r.fract() == 0.0 && r.abs() < 1e15 {
                    json!(r as i64)
                } else {
                    json!(r)
                }
            }
            Val::List(items) => json!(items),
            Val::Enum(name) => json!(name),
            Val::Regions(regions) => json!(regions),
            Val::Credentials(c) => json!({ "username": c.username, "password": "(secret)" }),
        }
    }

    /// The value as one line of text, for reports.
    pub fn to_text(self) -> String {
        match self {
            Val::Text(s) => s.to_string(),
            Val::List(items) => items.join(" "),
            Val::Enum(name) => name.to_string(),
            Val::Regions(regions) => regions
                .iter()
                .map(|(r, n)| format!("{r}: {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            Val::Credentials(c) => format!("{} (password set)", c.username),
            other => match other.to_json() {
                Value::String(s) => s,
                v => v.to_string(),
            },
        }
    }
}

/// A setting's value, owned: what decoding and the live reader write into a row.
#[derive(Debug, Clone)]
pub enum Owned {
    Text(String),
    Int(i64),
    Bool(bool),
    Num(f64),
    List(Vec<String>),
    Regions(Regions),
    Credentials(RegistryCredentials),
}

impl Owned {
    /// A JSON value read as `kind` (scale and credentials are the row's business).
    pub fn from_json(kind: Kind, value: &Value) -> Option<Owned> {
        match kind {
            Kind::Text | Kind::Cron | Kind::Enum(_) => {
                value.as_str().map(|s| Owned::Text(s.into()))
            }
            Kind::Int { .. } => value.as_i64().map(Owned::Int),
            Kind::Bool => value.as_bool().map(Owned::Bool),
            Kind::Number { .. } => value.as_f64().map(Owned::Num),
            Kind::List => strings(value).map(Owned::List),
            Kind::OneCommand => match value {
                Value::String(s) => Some(Owned::List(vec![s.clone()])),
                other => strings(other).map(Owned::List),
            },
            Kind::Regions => value
                .as_object()
                .map(|m| Owned::Regions(super::placement::regions_of(m))),
            Kind::Credentials => None,
        }
    }
}

fn strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// A typed field of [`SettingValues`].
pub trait SettingType: Sized {
    fn view(&self) -> Val<'_>;
    fn take(value: Owned) -> Option<Self>;
}

impl SettingType for String {
    fn view(&self) -> Val<'_> {
        Val::Text(self)
    }
    fn take(value: Owned) -> Option<Self> {
        match value {
            Owned::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl SettingType for i64 {
    fn view(&self) -> Val<'_> {
        Val::Int(*self)
    }
    fn take(value: Owned) -> Option<Self> {
        match value {
            Owned::Int(n) => Some(n),
            _ => None,
        }
    }
}

impl SettingType for bool {
    fn view(&self) -> Val<'_> {
        Val::Bool(*self)
    }
    fn take(value: Owned) -> Option<Self> {
        match value {
            Owned::Bool(b) => Some(b),
            _ => None,
        }
    }
}

impl SettingType for f64 {
    fn view(&self) -> Val<'_> {
        Val::Num(*self)
    }
    fn take(value: Owned) -> Option<Self> {
        match value {
            Owned::Num(n) => Some(n),
            Owned::Int(n) => Some(n as f64),
            _ => None,
        }
    }
}

impl SettingType for Vec<String> {
    fn view(&self) -> Val<'_> {
        Val::List(self)
    }
    fn take(value: Owned) -> Option<Self> {
        match value {
            Owned::List(items) => Some(items),
            _ => None,
        }
    }
}

impl SettingType for Regions {
    fn view(&self) -> Val<'_> {
        Val::Regions(self)
    }
    fn take(value: Owned) -> Option<Self> {
        match value {
            Owned::Regions(regions) => Some(regions),
            _ => None,
        }
    }
}

impl SettingType for RegistryCredentials {
    fn view(&self) -> Val<'_> {
        Val::Credentials(self)
    }
    fn take(value: Owned) -> Option<Self> {
        match value {
            Owned::Credentials(c) => Some(c),
            _ => None,
        }
    }
}

macro_rules! upstream_setting {
    ($($t:ty),*) => {$(
        impl SettingType for $t {
            fn view(&self) -> Val<'_> {
                Val::Enum(self.upstream())
            }
            fn take(value: Owned) -> Option<Self> {
                match value {
                    Owned::Text(name) => Self::from_upstream(&name),
                    _ => None,
                }
            }
        }
    )*};
}
upstream_setting!(Builder, RestartPolicyType);

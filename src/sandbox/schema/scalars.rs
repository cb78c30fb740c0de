//! Railway's custom scalars as the sandbox serves them: `DateTime` (RFC 3339 text), `JSON`,
//! `EnvironmentConfig`, `EnvironmentVariables` (`{NAME: value}`) and `DeploymentMeta`.

use std::collections::BTreeMap;

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};

#[derive(Clone, Debug)]
pub(crate) struct DateTime(pub String);

/// R52, guess: fields of records the sandbox does not keep (billing, members) read as this time.
impl Default for DateTime {
    fn default() -> Self {
        DateTime("2024-01-01T00:00:00.000Z".to_string())
    }
}

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(text) if chrono::DateTime::parse_from_rfc3339(&text).is_ok() => {
                Ok(Self(text))
            }
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

fn json_to_value(json: &serde_json::Value) -> Value {
    Value::from_json(json.clone()).unwrap_or(Value::Null)
}

macro_rules! json_scalar {
    ($rust:ident, $graphql:literal) => {
        #[derive(Clone, Debug)]
        pub(crate) struct $rust(pub serde_json::Value);

        /// An empty object: what an unkept JSON setting reads as (R52, a guess).
        impl Default for $rust {
            fn default() -> Self {
                Self(serde_json::json!({}))
            }
        }

        #[Scalar(name = $graphql)]
        impl ScalarType for $rust {
            fn parse(value: Value) -> InputValueResult<Self> {
                Ok(Self(value.into_json().map_err(InputValueError::custom)?))
            }

            fn to_value(&self) -> Value {
                json_to_value(&self.0)
            }
        }
    };
}

json_scalar!(Json, "JSON");
json_scalar!(EnvironmentConfig, "EnvironmentConfig");
json_scalar!(DeploymentMeta, "DeploymentMeta");
// R52: scalars of fields the sandbox answers with constants (an empty object or null).
json_scalar!(DeploymentDiagnosis, "DeploymentDiagnosis");
json_scalar!(RailpackInfo, "RailpackInfo");
json_scalar!(SkippedResourceIds, "SkippedResourceIds");
json_scalar!(SpendCommitmentFeatureId, "SpendCommitmentFeatureId");
json_scalar!(SubscriptionPlanLimit, "SubscriptionPlanLimit");
// R45: templates (issue 29).
json_scalar!(SerializedTemplateConfig, "SerializedTemplateConfig");
json_scalar!(TemplateServiceConfig, "TemplateServiceConfig");
json_scalar!(TemplateConfig, "TemplateConfig");
json_scalar!(TemplateMetadata, "TemplateMetadata");
json_scalar!(CanvasConfig, "CanvasConfig");
json_scalar!(SupportHealthMetrics, "SupportHealthMetrics");

/// Upstream `BigInt`: an integer too large for `Int`, served as a JSON number.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct BigInt(pub i64);

#[Scalar(name = "BigInt")]
impl ScalarType for BigInt {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(number) => number
                .as_i64()
                .map(Self)
                .ok_or_else(|| InputValueError::expected_type(value)),
            Value::String(text) => text
                .parse()
                .map(Self)
                .map_err(|_| InputValueError::expected_type(value)),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

/// `{NAME: value}`; numbers and booleans given as values are taken as their text.
#[derive(Clone, Debug, Default)]
pub(crate) struct EnvironmentVariables(pub BTreeMap<String, String>);

#[Scalar(name = "EnvironmentVariables")]
impl ScalarType for EnvironmentVariables {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::Object(entries) = value else {
            return Err(InputValueError::expected_type(value));
        };
        let mut variables = BTreeMap::new();
        for (name, value) in entries {
            let text = match value {
                Value::String(text) => text,
                Value::Number(number) => number.to_string(),
                Value::Boolean(flag) => flag.to_string(),
                other => {
                    return Err(InputValueError::custom(format!(
                        "variable {name} must be a string, not {other}"
                    )));
                }
            };
            variables.insert(name.to_string(), text);
        }
        Ok(Self(variables))
    }

    fn to_value(&self) -> Value {
        let json: serde_json::Map<String, serde_json::Value> = self
            .0
            .iter()
            .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
            .collect();
        json_to_value(&serde_json::Value::Object(json))
    }
}

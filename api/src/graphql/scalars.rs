//! The `DateTime` scalar. async-graphql's own chrono scalar accepts any string at validation and
//! fails only when the resolver parses it, with an error that names no field; this one checks
//! the value during validation, so "tomorrow" in `input.startsAt` is `BAD_USER_INPUT` with
//! `field: "startsAt"`, and writes exactly what the chrono scalar wrote.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::Utc;

/// A point in time, in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<Utc>);

/// A point in time as RFC 3339 text with an offset, such as `2026-12-01T18:00:00+01:00`.
/// Answers are in UTC.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://datatracker.ietf.org/doc/html/rfc3339"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => {
                text.parse::<chrono::DateTime<Utc>>()
                    .map(DateTime)
                    .map_err(|_| {
                        InputValueError::custom("expected an RFC 3339 date-time with an offset")
                    })
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(text) if text.parse::<chrono::DateTime<Utc>>().is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339())
    }
}

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(time: chrono::DateTime<Utc>) -> Self {
        Self(time)
    }
}

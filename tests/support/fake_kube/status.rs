//! Errors as the API server gives them: `Status` objects with the real
//! codes and reasons.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Status, StatusCause, StatusDetails};
use serde::Serialize;

/// An error answer: the HTTP code and the Status body.
#[derive(Debug, Clone)]
pub struct Failure(pub Box<Status>);

pub fn status(code: u16, reason: &str, message: String) -> Status {
    Status {
        code: Some(i32::from(code)),
        reason: Some(reason.to_string()),
        message: Some(message),
        status: Some("Failure".into()),
        metadata: Default::default(),
        details: None,
    }
}

impl Failure {
    pub fn new(code: u16, reason: &str, message: impl Into<String>) -> Failure {
        Failure(Box::new(status(code, reason, message.into())))
    }

    pub fn with_details(mut self, kind: &str, name: &str, causes: Vec<StatusCause>) -> Failure {
        self.0.details = Some(StatusDetails {
            kind: Some(kind.to_string()),
            name: (!name.is_empty()).then(|| name.to_string()),
            causes: (!causes.is_empty()).then_some(causes),
            ..Default::default()
        });
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Failure {
        Failure::new(400, "BadRequest", message)
    }

    pub fn not_found(plural: &str, name: &str) -> Failure {
        Failure::new(404, "NotFound", format!("{plural} \"{name}\" not found")).with_details(
            plural,
            name,
            vec![],
        )
    }

    pub fn already_exists(plural: &str, name: &str) -> Failure {
        Failure::new(
            409,
            "AlreadyExists",
            format!("{plural} \"{name}\" already exists"),
        )
        .with_details(plural, name, vec![])
    }

    /// 422 Invalid with one cause per broken rule, as `field: message`.
    pub fn invalid(kind: &str, name: &str, errors: Vec<(String, String)>) -> Failure {
        let joined: Vec<String> = errors.iter().map(|(f, m)| format!("{f}: {m}")).collect();
        let message = format!("{kind} \"{name}\" is invalid: {}", joined_list(&joined));
        let causes = errors
            .into_iter()
            .map(|(field, message)| StatusCause {
                field: Some(field),
                message: Some(message),
                reason: Some("FieldValueInvalid".into()),
            })
            .collect();
        Failure::new(422, "Invalid", message).with_details(kind, name, causes)
    }

    pub fn expired(rv: u64, floor: u64) -> Failure {
        Failure::new(
            410,
            "Expired",
            format!("too old resource version: {rv} ({floor})"),
        )
    }
}

/// The API server's aggregate: one error alone, several as `[a, b]`.
fn joined_list(errors: &[String]) -> String {
    if errors.len() == 1 {
        errors[0].clone()
    } else {
        format!("[{}]", errors.join(", "))
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let code = self.0.code.unwrap_or(500);
        let mut body = serde_json::to_value(&self.0).unwrap_or_default();
        if let Some(map) = body.as_object_mut() {
            map.insert("kind".into(), "Status".into());
            map.insert("apiVersion".into(), "v1".into());
        }
        let code = u16::try_from(code)
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (code, json_body(&body)).into_response()
    }
}

/// A JSON answer with the content type kubectl expects.
pub fn json_body<T: Serialize>(value: &T) -> Response {
    let text = serde_json::to_string(value).unwrap_or_default();
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A JSON answer with a given HTTP code (201 on create).
pub fn json_with<T: Serialize>(code: StatusCode, value: &T) -> Response {
    let mut response = json_body(value);
    *response.status_mut() = code;
    response
}

pub type Answer = Result<Response, Failure>;

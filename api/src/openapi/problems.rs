//! The standard problem responses every operation may give, added by rule.

use serde_json::json;
use utoipa::Modify;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder};

use crate::error::PROBLEM_JSON;

/// Operations that touch no database.
const NO_DATABASE: &[&str] = &["health_live"];

/// Adds the problem responses every operation of a kind can give, so none is forgotten:
/// 401/403 where a token is needed, 400/413/415/422 where a body is read, 404 where the
/// path names an object, 422 for query parameters and for path or header values with a
/// `maxLength`, 412 where `If-Match` is read (and 428 where it is required), 500 and 503
/// where the database is used.
pub(super) struct StandardProblems;

impl StandardProblems {
    fn responses() -> Vec<(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    )> {
        // (component name, status, code, title, detail)
        vec![
            (
                "BadRequest",
                "400",
                "malformed_json",
                "The request is malformed",
                "the body is not valid JSON: EOF while parsing an object at line 1 column 9",
            ),
            (
                "Unauthorized",
                "401",
                "unauthorized",
                "Authentication is required",
                "the access token is invalid or expired",
            ),
            (
                "Forbidden",
                "403",
                "forbidden",
                "Your role may not do this",
                "this route is for the operator's staff",
            ),
            (
                "NotFound",
                "404",
                "not_found",
                "Not found",
                "the company was not found",
            ),
            (
                "PreconditionFailed",
                "412",
                "precondition_failed",
                "Precondition failed",
                "the object changed since you read it (If-Match does not match its ETag); read it again",
            ),
            (
                "PreconditionRequired",
                "428",
                "precondition_required",
                "Precondition required",
                "send If-Match with the ETag of the version you reviewed",
            ),
            (
                "PayloadTooLarge",
                "413",
                "payload_too_large",
                "The request body is too large",
                "this request's body may be at most 64 KiB",
            ),
            (
                "UnsupportedMediaType",
                "415",
                "unsupported_media_type",
                "Unsupported media type",
                "the body is text/plain; send application/json",
            ),
            (
                "ValidationFailed",
                "422",
                "validation_failed",
                "The request has invalid fields",
                "1 field is invalid",
            ),
            (
                "InternalError",
                "500",
                "internal_error",
                "Internal error",
                "something went wrong on our side; quote the request_id when reporting it",
            ),
            (
                "ServiceUnavailable",
                "503",
                "service_unavailable",
                "The service is unavailable",
                "the service cannot reach its database; try again shortly",
            ),
        ]
    }

    fn component(status: &str, code: &str, title: &str, detail: &str) -> Response {
        let status_number: u16 = status.parse().unwrap_or(500);
        let mut example = json!({
            "type": format!("urn:selvbetjening:problem:{code}"),
            "title": title,
            "status": status_number,
            "detail": detail,
            "code": code,
            "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47",
        });
        if code == "validation_failed" {
            example["errors"] = json!([{"pointer": "/cvr", "code": "cvr_checksum", "message": "the CVR number's check digit is wrong"}]);
        }
        ResponseBuilder::new()
            .description(title)
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .example(Some(example))
                    .build(),
            )
            .build()
    }

    fn add(operation: &mut Operation, status: &str, component: &str) {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(component)));
    }
}

impl Modify for StandardProblems {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, status, code, title, detail) in Self::responses() {
            components.responses.insert(
                name.to_owned(),
                RefOr::T(Self::component(status, code, title, detail)),
            );
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("put", &mut item.put),
                ("patch", &mut item.patch),
                ("delete", &mut item.delete),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else {
                    continue;
                };
                let id = operation.operation_id.clone().unwrap_or_default();
                let secured = !super::roles::is_public(operation);
                let refused = super::roles::refuses_some_role(path, method, operation);
                let params = operation.parameters.clone().unwrap_or_default();
                let in_path = params.iter().any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path)));
                let in_query = params.iter().any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)));
                // A path or header value the server measures (`maxLength`) is 422 when too long.
                let measured = params.iter().any(|p| {
                    matches!(p, RefOr::T(p) if matches!(&p.schema, Some(RefOr::T(utoipa::openapi::Schema::Object(o))) if o.max_length.is_some()))
                });
                if operation.request_body.is_some() {
                    Self::add(operation, "400", "BadRequest");
                    Self::add(operation, "413", "PayloadTooLarge");
                    Self::add(operation, "415", "UnsupportedMediaType");
                    Self::add(operation, "422", "ValidationFailed");
                }
                if secured {
                    Self::add(operation, "401", "Unauthorized");
                    if refused {
                        Self::add(operation, "403", "Forbidden");
                    }
                }
                if in_path {
                    Self::add(operation, "404", "NotFound");
                }
                if in_query || measured {
                    Self::add(operation, "422", "ValidationFailed");
                }
                let if_match = params.iter().find_map(|p| match p {
                    RefOr::T(p)
                        if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Header)
                            && p.name.eq_ignore_ascii_case("If-Match") =>
                    {
                        Some(matches!(p.required, utoipa::openapi::Required::True))
                    }
                    _ => None,
                });
                if let Some(required) = if_match {
                    Self::add(operation, "412", "PreconditionFailed");
                    if required {
                        Self::add(operation, "428", "PreconditionRequired");
                    }
                }
                if !NO_DATABASE.contains(&id.as_str()) {
                    Self::add(operation, "500", "InternalError");
                    Self::add(operation, "503", "ServiceUnavailable");
                }
            }
        }
    }
}

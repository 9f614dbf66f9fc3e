//! The OpenAPI 3.1 document, collected from the handlers' own `#[utoipa::path]`
//! attributes, plus the rules every operation shares (security schemes, the standard
//! problem responses). `selvbetjening openapi` prints it; `openapi/openapi.json` is it.

use std::collections::BTreeMap;

use actix_web::App;
use serde_json::json;
use utoipa::openapi::link::{Link, LinkBuilder};
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{SchemaType, Type};
use utoipa::openapi::security::{
    Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::openapi::{
    Components, ContentBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, Schema,
};
use utoipa::{Modify, OpenApi as _};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, PROBLEM_JSON, Problem};
use crate::wire::text;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Selvbetjening API",
        description = "The business self-service portal of a Danish mobile operator: a company's \
            administrator creates subscriptions for employees (plan, mobile package, a new or ported-in \
            number), reviews a priced draft, and confirms it.\n\n\
            Authenticate with `POST /auth/token` (the **Authorize** button accepts a username and password, \
            or a pasted bearer token). Money is integer øre ex VAT; times are UTC (RFC 3339); ids are UUIDv7. \
            Errors are RFC 9457 problem documents with a stable `code`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "auth", description = "Access tokens"),
        (name = "catalog", description = "Plans and mobile packages"),
        (name = "operator", description = "The operator's back office: companies, users, API clients, number pools"),
        (name = "orders", description = "Create a subscription: a priced draft to review, edit and confirm"),
        (name = "subscriptions", description = "Employees' subscriptions"),
        (name = "numbers", description = "Free numbers for new employees"),
        (name = "audit", description = "Who did what, and when"),
        (name = "help", description = "Help articles and readers' feedback (public)"),
        (name = "health", description = "Liveness and readiness"),
    ),
    // `IdempotencyKey` is only used by header parameters, and utoipa collects the schemas of
    // bodies, not of parameters: without it here its `$ref` would dangle.
    components(schemas(Problem, FieldError, text::IdempotencyKey)),
    modifiers(&SecuritySchemes),
)]
struct ApiDoc;

/// The complete document, as the server serves it.
pub fn document() -> OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    StandardProblems.modify(&mut api);
    PageExamples.modify(&mut api);
    Links.modify(&mut api);
    api
}

/// The document as pretty JSON with a trailing newline (the committed file's form).
pub fn document_json() -> String {
    let mut text = document().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

/// Gives every page of a list (`Page_<Item>`) an example: one item, the item's own
/// example, and no next page. The generic page cannot carry one itself.
struct PageExamples;

impl Modify for PageExamples {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let item_example = |name: &str| match components.schemas.get(name) {
            Some(RefOr::T(Schema::Object(item))) => item
                .example
                .clone()
                .or_else(|| item.examples.first().cloned()),
            _ => None,
        };
        let examples: Vec<(String, serde_json::Value)> = components
            .schemas
            .keys()
            .filter_map(|name| {
                let item = item_example(name.strip_prefix("Page_")?)?;
                Some((name.clone(), json!({"items": [item], "next_cursor": null})))
            })
            .collect();
        for (name, example) in examples {
            if let Some(RefOr::T(Schema::Object(page))) = components.schemas.get_mut(&name)
                && page.example.is_none()
                && page.examples.is_empty()
            {
                page.example = Some(example);
            }
        }
    }
}

/// Gives every response that returns an object the links to the operations on that
/// object, so Schemathesis's stateful phase and generated clients can chain calls (create
/// a draft, then edit and confirm it). Derived from the document by rule, with no list of
/// routes, so routes added later get their links too:
///
/// - An *item family*: a `GET` on a path ending in a parameter (`/orders/{id}`) whose 200
///   JSON body is the component S makes that path and its parameter S's family; its
///   operations are every operation on the path and below it (`/orders/{id}/confirm`).
/// - A 2xx JSON response whose body is a component R with a family, and a property named
///   like the family's parameter, links to each family operation with that property;
///   `If-Match` comes from the response's `ETag` where the target takes one and the
///   response sends one.
/// - Each property of R whose schema is a component T with a family (or T or `null`)
///   links to T's operations as `<property>_<operationId>`, with `<property>/<parameter>`.
///   No `If-Match`: the response's `ETag` is R's version, not T's.
///
/// List pages (`Page_*`) get none: `#/items/0/id` of an empty page cannot be resolved.
/// A target whose path has a parameter the link cannot fill (`/a/{id}/b/{other}`) is left
/// out, and so is a `GET`'s link to itself (it would read the same object again). Links
/// an operation declares itself are kept.
struct Links;

/// An operation a link can name.
struct LinkTarget {
    path: String,
    operation_id: String,
    summary: String,
    is_get: bool,
    path_params: Vec<String>,
    takes_if_match: bool,
}

/// The item path of a component and the name of its parameter.
struct Family {
    path: String,
    param: String,
}

impl Links {
    const SCHEMA_PREFIX: &'static str = "#/components/schemas/";

    fn operations(item: &PathItem) -> [(bool, Option<&Operation>); 8] {
        [
            (true, item.get.as_ref()),
            (false, item.put.as_ref()),
            (false, item.post.as_ref()),
            (false, item.delete.as_ref()),
            (false, item.options.as_ref()),
            (false, item.head.as_ref()),
            (false, item.patch.as_ref()),
            (false, item.trace.as_ref()),
        ]
    }

    fn is_json(media_type: &str) -> bool {
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        essence == "application/json" || essence.ends_with("+json")
    }

    /// The component a `$ref` names, if it names a schema component.
    fn component(schema: &RefOr<Schema>) -> Option<&str> {
        match schema {
            RefOr::Ref(reference) => reference.ref_location.strip_prefix(Self::SCHEMA_PREFIX),
            RefOr::T(_) => None,
        }
    }

    /// The component of a property: a `$ref`, or a `oneOf`/`anyOf` of one `$ref` and
    /// `null` (an `Option<T>`). The flag says whether it may be `null`.
    fn property_component(schema: &RefOr<Schema>) -> Option<(&str, bool)> {
        let items = match schema {
            RefOr::Ref(_) => return Self::component(schema).map(|name| (name, false)),
            RefOr::T(Schema::OneOf(one_of)) => &one_of.items,
            RefOr::T(Schema::AnyOf(any_of)) => &any_of.items,
            RefOr::T(_) => return None,
        };
        let is_null = |item: &RefOr<Schema>| matches!(item, RefOr::T(Schema::Object(object)) if object.schema_type == SchemaType::Type(Type::Null));
        let mut refs = items.iter().filter(|item| !is_null(item));
        match (refs.next(), refs.next()) {
            (Some(only), None) if items.len() > 1 => Self::component(only).map(|name| (name, true)),
            _ => None,
        }
    }

    /// The component of a response's JSON body.
    fn body_component(response: &Response) -> Option<&str> {
        response
            .content
            .iter()
            .find_map(|(media_type, content)| match content {
                RefOr::T(content) if Self::is_json(media_type) => {
                    content.schema.as_ref().and_then(Self::component)
                }
                _ => None,
            })
    }

    fn has_property(components: &Components, schema: &str, property: &str) -> bool {
        match components.schemas.get(schema) {
            Some(RefOr::T(Schema::Object(object))) => object.properties.contains_key(property),
            _ => false,
        }
    }

    fn targets(openapi: &OpenApi) -> Vec<LinkTarget> {
        let mut targets = Vec::new();
        for (path, item) in &openapi.paths.paths {
            for (is_get, operation) in Self::operations(item) {
                let Some(operation) = operation else {
                    continue;
                };
                let Some(operation_id) = operation.operation_id.clone() else {
                    continue;
                };
                let params = item.parameters.iter().flatten();
                let params = params.chain(operation.parameters.iter().flatten());
                let params: Vec<_> = params
                    .filter_map(|param| match param {
                        RefOr::T(param) => Some(param),
                        RefOr::Ref(_) => None,
                    })
                    .collect();
                targets.push(LinkTarget {
                    path: path.clone(),
                    summary: operation
                        .summary
                        .clone()
                        .unwrap_or_else(|| operation_id.clone()),
                    operation_id,
                    is_get,
                    path_params: params
                        .iter()
                        .filter(|param| param.parameter_in == ParameterIn::Path)
                        .map(|param| param.name.clone())
                        .collect(),
                    takes_if_match: params.iter().any(|param| {
                        param.parameter_in == ParameterIn::Header
                            && param.name.eq_ignore_ascii_case("If-Match")
                    }),
                });
            }
        }
        targets
    }

    /// Each component's item families, from the `GET`s on paths ending in a parameter.
    fn families(openapi: &OpenApi) -> BTreeMap<String, Vec<Family>> {
        let mut families: BTreeMap<String, Vec<Family>> = BTreeMap::new();
        for (path, item) in &openapi.paths.paths {
            let Some(param) = path
                .rsplit('/')
                .next()
                .and_then(|segment| segment.strip_prefix('{'))
                .and_then(|segment| segment.strip_suffix('}'))
            else {
                continue;
            };
            let Some(RefOr::T(ok)) = item
                .get
                .as_ref()
                .and_then(|get| get.responses.responses.get("200"))
            else {
                continue;
            };
            if let Some(schema) = Self::body_component(ok) {
                families.entry(schema.to_owned()).or_default().push(Family {
                    path: path.clone(),
                    param: param.to_owned(),
                });
            }
        }
        families
    }

    /// The family's operations that the one parameter is enough to call.
    fn members<'t>(
        targets: &'t [LinkTarget],
        family: &'t Family,
    ) -> impl Iterator<Item = &'t LinkTarget> {
        let below = format!("{}/", family.path);
        targets.iter().filter(move |target| {
            (target.path == family.path || target.path.starts_with(&below))
                && target.path_params.iter().all(|name| *name == family.param)
        })
    }

    /// The links of one response of the operation `source`.
    fn links(
        components: &Components,
        targets: &[LinkTarget],
        families: &BTreeMap<String, Vec<Family>>,
        source: &str,
        response: &Response,
    ) -> Vec<(String, Link)> {
        let mut links = Vec::new();
        let Some(body) = Self::body_component(response) else {
            return links;
        };
        if body.starts_with("Page_") {
            return links;
        }
        let sends_etag = response
            .headers
            .keys()
            .any(|name| name.eq_ignore_ascii_case("ETag"));
        for family in families.get(body).into_iter().flatten() {
            if !Self::has_property(components, body, &family.param) {
                continue;
            }
            for target in Self::members(targets, family) {
                if target.is_get && target.operation_id == source {
                    continue;
                }
                let if_match = sends_etag && target.takes_if_match;
                let mut description = format!(
                    "{}, with this response's `{}`",
                    target.summary, family.param
                );
                let mut link = LinkBuilder::new()
                    .operation_id(&target.operation_id)
                    .parameter(&family.param, format!("$response.body#/{}", family.param));
                if if_match {
                    link = link.parameter("header.If-Match", "$response.header.ETag");
                    description.push_str(" and its `ETag` as `If-Match`");
                }
                description.push('.');
                links.push((
                    target.operation_id.clone(),
                    link.description(description).build(),
                ));
            }
        }
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get(body) else {
            return links;
        };
        for (property, schema) in &object.properties {
            let Some((nested, nullable)) = Self::property_component(schema) else {
                continue;
            };
            for family in families.get(nested).into_iter().flatten() {
                if !Self::has_property(components, nested, &family.param) {
                    continue;
                }
                for target in Self::members(targets, family) {
                    let mut description = format!(
                        "{}, with this response's `{property}.{}`",
                        target.summary, family.param
                    );
                    if nullable {
                        description.push_str(&format!(" (when `{property}` is not null)"));
                    }
                    description.push('.');
                    let link = LinkBuilder::new()
                        .operation_id(&target.operation_id)
                        .parameter(
                            &family.param,
                            format!("$response.body#/{property}/{}", family.param),
                        )
                        .description(description)
                        .build();
                    links.push((format!("{property}_{}", target.operation_id), link));
                }
            }
        }
        links
    }
}

impl Modify for Links {
    fn modify(&self, openapi: &mut OpenApi) {
        let targets = Self::targets(openapi);
        let families = Self::families(openapi);
        let Some(components) = openapi.components.as_ref() else {
            return;
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                let source = operation.operation_id.clone().unwrap_or_default();
                for (status, response) in &mut operation.responses.responses {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    if !status.starts_with('2') {
                        continue;
                    }
                    for (name, link) in
                        Self::links(components, &targets, &families, &source, response)
                    {
                        response.links.entry(name).or_insert(RefOr::T(link));
                    }
                }
            }
        }
    }
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::Password(Password::new("/auth/token", Scopes::new()))],
                "Log in with an email and password; Swagger UI fetches the token.",
            )),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Paste an access token from `POST /auth/token`."))
                    .build(),
            ),
        );
    }
}

/// Operations any authenticated role may call: they never answer 403.
const ANY_ROLE: &[&str] = &["list_plans", "list_mobile_packages", "list_audit_events"];
/// Operations that touch no database.
const NO_DATABASE: &[&str] = &["health_live"];

/// Adds the problem responses every operation of a kind can give, so none is forgotten:
/// 401/403 where a token is needed, 400/413/415/422 where a body is read, 404 where the
/// path names an object, 422 for query parameters, 412 where `If-Match` is read (and 428
/// where it is required), 500 and 503 where the database is used.
struct StandardProblems;

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
                "request bodies may be at most 64 KiB",
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
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let id = operation.operation_id.clone().unwrap_or_default();
                let secured = operation.security.as_ref().is_some_and(|s| {
                    !s.is_empty() && serde_json::to_value(s).is_ok_and(|v| v != json!([{}]))
                });
                let params = operation.parameters.clone().unwrap_or_default();
                let in_path = params.iter().any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path)));
                let in_query = params.iter().any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)));
                if operation.request_body.is_some() {
                    Self::add(operation, "400", "BadRequest");
                    Self::add(operation, "413", "PayloadTooLarge");
                    Self::add(operation, "415", "UnsupportedMediaType");
                    Self::add(operation, "422", "ValidationFailed");
                }
                if secured {
                    Self::add(operation, "401", "Unauthorized");
                    if !ANY_ROLE.contains(&id.as_str()) {
                        Self::add(operation, "403", "Forbidden");
                    }
                }
                if in_path {
                    Self::add(operation, "404", "NotFound");
                }
                if in_query {
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

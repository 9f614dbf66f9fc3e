//! The OpenAPI 3.1 document, collected from the handlers' own `#[utoipa::path]`
//! attributes, plus the rules every operation shares (security schemes, the standard
//! problem responses). `selvbetjening openapi` prints it; `openapi/openapi.json` is it.

use actix_web::App;
use serde_json::json;
use utoipa::openapi::schema::ArrayItems;
use utoipa::openapi::security::{
    Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::openapi::{OpenApi, Ref, RefOr, Schema};
use utoipa::{Modify, OpenApi as _};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, Problem};
use crate::wire::text;

mod links;
mod problems;
mod roles;
mod webhooks;
mod without_nul;

use links::Links;
use problems::StandardProblems;
use roles::Roles;
use webhooks::PartnerWebhooks;
use without_nul::TextWithoutNul;

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
        (name = "bulk-orders", description = "Onboard many employees from a spreadsheet: a dry run, then one job drafted, reviewed and confirmed as a whole"),
        (name = "subscriptions", description = "Employees' subscriptions"),
        (name = "company", description = "Your company and its approval rule: which confirms wait for a second admin (four eyes)"),
        (name = "users", description = "The company's own users, run by its admins: invite colleagues, change their roles, disable and enable them"),
        (name = "porting", description = "Number porting: the owner's power of attorney, the donor's answer, the move"),
        (name = "sandbox", description = "Sandbox companies' test clocks: move business time forward to see a port's whole life in minutes"),
        (name = "numbers", description = "Free numbers for new employees"),
        (name = "audit", description = "Who did what, and when"),
        (name = "events", description = "Events for partner integrations: to poll, or pushed as signed webhooks"),
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
    Roles.modify(&mut api);
    PageExamples.modify(&mut api);
    PageItemsByRef.modify(&mut api);
    ClosedVariants.modify(&mut api);
    Links.modify(&mut api);
    TextWithoutNul.modify(&mut api);
    PartnerWebhooks.modify(&mut api);
    api
}

/// Closes the variants of every tagged enum (`oneOf` objects told apart by a one-value
/// tag, like `NumberChoice` and `DonorResponse`): the server deserializes them with
/// `deny_unknown_fields`, as every request body, but utoipa leaves their variants open.
struct ClosedVariants;

impl Modify for ClosedVariants {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for schema in components.schemas.values_mut() {
            let RefOr::T(Schema::OneOf(one_of)) = schema else {
                continue;
            };
            let tagged = |object: &utoipa::openapi::schema::Object| {
                object.properties.values().any(|p| {
                    matches!(p, RefOr::T(Schema::Object(tag))
                        if tag.enum_values.as_ref().is_some_and(|v| v.len() == 1))
                })
            };
            let variants: Vec<_> = one_of
                .items
                .iter_mut()
                .filter_map(|item| match item {
                    RefOr::T(Schema::Object(object)) => Some(object),
                    _ => None,
                })
                .collect();
            if variants.len() < 2 || !variants.iter().all(|o| tagged(o)) {
                continue;
            }
            for object in variants {
                object.additional_properties = Some(Box::new(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ));
            }
        }
    }
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

/// Makes every page of a list (`Page_<Item>`) refer to its item by `$ref`. utoipa writes a
/// generic argument's schema inline, which would give a generated client a second type for
/// each object it lists.
struct PageItemsByRef;

impl Modify for PageItemsByRef {
    fn modify(&self, openapi: &mut OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let pages: Vec<String> = components
            .schemas
            .keys()
            .filter(|name| name.starts_with("Page_"))
            .cloned()
            .collect();
        for page_name in pages {
            let item_name = page_name["Page_".len()..].to_owned();
            let Some(RefOr::T(Schema::Object(page))) = components.schemas.get_mut(&page_name)
            else {
                continue;
            };
            let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items") else {
                continue;
            };
            let by_ref =
                ArrayItems::RefOrSchema(Box::new(Ref::from_schema_name(&item_name).into()));
            let inline = std::mem::replace(&mut items.items, by_ref);
            // An item no operation names itself becomes a component of its own.
            if let ArrayItems::RefOrSchema(inline) = inline {
                components.schemas.entry(item_name).or_insert(*inline);
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

//! OpenAPI links derived from the document by rule.

use std::collections::BTreeMap;

use utoipa::Modify;
use utoipa::openapi::link::{Link, LinkBuilder};
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{SchemaType, Type};
use utoipa::openapi::{Components, OpenApi, RefOr, Response, Schema};

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
pub(super) struct Links;

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

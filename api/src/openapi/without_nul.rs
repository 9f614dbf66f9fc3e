//! Every string a request carries refuses U+0000 (the server answers 422
//! `invalid_character` at the field's pointer: PostgreSQL text cannot hold it, and no field
//! means it). Where a request string's schema has no pattern, format or enumeration of its
//! own, this states that rule with `pattern`, so the document says what the server does.

use std::collections::BTreeSet;

use utoipa::Modify;
use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr, Schema};

/// Any string without U+0000 (ECMA-262 and Python `re` read `\u0000` alike).
pub const WITHOUT_NUL: &str = "^[^\\u0000]*$";

pub(super) struct TextWithoutNul;

impl Modify for TextWithoutNul {
    fn modify(&self, openapi: &mut OpenApi) {
        let mut reached = BTreeSet::new();
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                for parameter in operation.parameters.iter_mut().flatten() {
                    if let RefOr::T(parameter) = parameter
                        && let Some(schema) = parameter.schema.as_mut()
                    {
                        refuse_nul(schema, &mut reached);
                    }
                }
                if let Some(RefOr::T(body)) = operation.request_body.as_mut() {
                    for media in body.content.values_mut() {
                        if let RefOr::T(media) = media
                            && let Some(schema) = media.schema.as_mut()
                        {
                            refuse_nul(schema, &mut reached);
                        }
                    }
                }
            }
        }
        // The components those reach, and the ones those reach in turn.
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let mut done = BTreeSet::new();
        while let Some(name) = reached.difference(&done).next().cloned() {
            if let Some(schema) = components.schemas.get_mut(&name) {
                refuse_nul(schema, &mut reached);
            }
            done.insert(name);
        }
    }
}

/// Adds [`WITHOUT_NUL`] to every plain string inside `schema`, noting the components it
/// refers to in `reached`.
fn refuse_nul(schema: &mut RefOr<Schema>, reached: &mut BTreeSet<String>) {
    let schema = match schema {
        RefOr::Ref(to) => {
            if let Some(name) = to.ref_location.strip_prefix("#/components/schemas/") {
                reached.insert(name.to_owned());
            }
            return;
        }
        RefOr::T(schema) => schema,
    };
    let items = match schema {
        Schema::Object(object) => {
            let is_string = match &object.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(types) => types.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if is_string
                && object.pattern.is_none()
                && object.format.is_none()
                && object.enum_values.is_none()
            {
                object.pattern = Some(WITHOUT_NUL.to_owned());
            }
            if let Some(AdditionalProperties::RefOr(inner)) =
                object.additional_properties.as_deref_mut()
            {
                refuse_nul(inner, reached);
            }
            object.properties.values_mut().collect::<Vec<_>>()
        }
        Schema::Array(array) => match &mut array.items {
            ArrayItems::RefOrSchema(inner) => vec![inner.as_mut()],
            ArrayItems::False => Vec::new(),
        },
        Schema::OneOf(one_of) => one_of.items.iter_mut().collect(),
        Schema::AllOf(all_of) => all_of.items.iter_mut().collect(),
        Schema::AnyOf(any_of) => any_of.items.iter_mut().collect(),
        _ => Vec::new(),
    };
    for inner in items {
        refuse_nul(inner, reached);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn request_strings_state_it_and_answers_do_not() {
        let doc: Value = serde_json::from_str(&super::super::document_json()).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["TokenRequest"]["properties"]["username"]["pattern"],
            WITHOUT_NUL
        );
        assert_eq!(
            schemas["CreateClient"]["properties"]["name"]["pattern"],
            WITHOUT_NUL
        );
        assert!(schemas["Problem"]["properties"]["detail"]["pattern"].is_null());
        let q = doc["paths"]["/subscriptions"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "q")
            .unwrap();
        assert_eq!(q["schema"]["pattern"], WITHOUT_NUL);
    }
}

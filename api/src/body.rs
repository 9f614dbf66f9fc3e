//! Request bodies: JSON only (415 otherwise), at most 64 KiB (413), unknown fields and
//! wrong types reported with a JSON pointer (422), broken JSON a 400. Every refusal is a
//! problem document; nothing reaches a handler half-parsed.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use crate::error::{ApiError, FieldError};

/// The largest request body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON request body, parsed strictly.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = media_type(req);
        let declared = declared_length(req);
        let payload = payload.take();
        Box::pin(async move {
            if !content_type.as_deref().is_some_and(is_json) {
                return Err(unsupported_media_type(
                    content_type.as_deref(),
                    "application/json",
                ));
            }
            let bytes = read_limited(payload, declared).await?;
            parse_json(&bytes).map(Json)
        })
    }
}

/// A body a JSON client sends as JSON and a hosted page's form posts form-encoded
/// (`application/x-www-form-urlencoded`): either is parsed strictly, into `T` or `F`;
/// anything else is 415.
pub enum JsonOrForm<T, F> {
    Json(T),
    Form(F),
}

pub const FORM: &str = "application/x-www-form-urlencoded";

impl<T: DeserializeOwned + 'static, F: DeserializeOwned + 'static> FromRequest
    for JsonOrForm<T, F>
{
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = media_type(req);
        let declared = declared_length(req);
        let payload = payload.take();
        Box::pin(async move {
            match content_type.as_deref() {
                Some(json) if is_json(json) => {
                    let bytes = read_limited(payload, declared).await?;
                    parse_json(&bytes).map(JsonOrForm::Json)
                }
                Some(FORM) => {
                    let bytes = read_limited(payload, declared).await?;
                    parse_form(&bytes).map(JsonOrForm::Form)
                }
                other => Err(unsupported_media_type(
                    other,
                    "application/json, application/x-www-form-urlencoded",
                )),
            }
        })
    }
}

/// Parses a form-encoded body into `F`, naming the field that is wrong.
pub fn parse_form<F: DeserializeOwned>(bytes: &[u8]) -> Result<F, ApiError> {
    parse_urlencoded(bytes, "", "unknown_field")
}

/// Parses `application/x-www-form-urlencoded` text into `T`; a wrong value is named by its
/// pointer under `prefix`, and a name `T` does not know is `unknown`.
fn parse_urlencoded<T: DeserializeOwned>(
    bytes: &[u8],
    prefix: &str,
    unknown: &'static str,
) -> Result<T, ApiError> {
    without_nul(bytes, prefix)?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let mut pointer = format!("{prefix}{}", pointer_of(err.path()));
        let message = err.inner().to_string();
        let code = if message.starts_with("unknown field `") {
            unknown
        } else if let Some(field) = quoted(&message, "missing field `") {
            pointer = format!("{pointer}/{}", escape(field));
            "required"
        } else {
            "invalid_value"
        };
        ApiError::field(&pointer, code, message)
    })
}

/// The request's media type (`type/subtype`, lower-case, without parameters).
pub fn media_type(req: &HttpRequest) -> Option<String> {
    req.mime_type()
        .ok()
        .flatten()
        .map(|m| m.essence_str().to_ascii_lowercase())
}

pub fn is_json(media_type: &str) -> bool {
    media_type == "application/json"
        || (media_type.starts_with("application/") && media_type.ends_with("+json"))
}

pub fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

pub fn unsupported_media_type(got: Option<&str>, expected: &str) -> ApiError {
    let detail = match got {
        Some(got) => format!("the body is {got}; send {expected}"),
        None => format!("the request has no Content-Type; send {expected}"),
    };
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Unsupported media type",
        detail,
    )
    .with_header(
        actix_web::http::header::HeaderName::from_static("accept-post"),
        expected.to_owned(),
    )
}

pub fn payload_too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "The request body is too large",
        format!("this request's body may be at most {} KiB", limit / 1024),
    )
}

/// Reads the whole body, refusing it as soon as it passes [`BODY_LIMIT`].
pub async fn read_limited(payload: Payload, declared: Option<usize>) -> Result<Bytes, ApiError> {
    read_up_to(payload, declared, BODY_LIMIT).await
}

/// Reads the whole body, refusing it as soon as it passes `limit` bytes.
pub async fn read_up_to(
    mut payload: Payload,
    declared: Option<usize>,
    limit: usize,
) -> Result<Bytes, ApiError> {
    if declared.is_some_and(|n| n > limit) {
        return Err(payload_too_large(limit));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(
                "unreadable_body",
                format!("the body could not be read: {e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Query-string extractor: like `web::Query`, but a wrong or unknown parameter is a 422
/// whose pointer names it (`/query/limit`).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// Parses a query string into `T`, naming the parameter that is wrong.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    parse_urlencoded(query.as_bytes(), "/query", "unknown_parameter")
}

/// Parses JSON into `T`, locating a wrong value with a JSON pointer.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    json_without_nul(bytes)?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let pointer = pointer_of(err.path());
        json_error(pointer, err.inner())
    })?;
    de.end().map_err(|e| json_error(String::new(), &e))?;
    Ok(value)
}

/// No text field of ours means U+0000, and PostgreSQL text cannot hold it: a NUL in any
/// value is refused at the edge, named by its pointer, before it reaches storage.
pub const NUL_CODE: &str = "invalid_character";
pub const NUL_MESSAGE: &str = "text may not contain the NUL character (U+0000)";

/// Refuses a form-encoded body or query string (`raw`) with a NUL in a name or value;
/// `prefix` is where its pointers start (`/query` for a query string).
pub fn without_nul(raw: &[u8], prefix: &str) -> Result<(), ApiError> {
    let errors: Vec<FieldError> = form_urlencoded::parse(raw)
        .filter(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| {
            let pointer = format!("{prefix}/{}", escape(&name.replace('\0', "")));
            FieldError::new(&pointer, NUL_CODE, NUL_MESSAGE)
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Refuses a JSON body with a NUL in any string or key. JSON writes a NUL only as the
/// escape `\u0000`, so bodies without one are not looked at twice.
fn json_without_nul(bytes: &[u8]) -> Result<(), ApiError> {
    if !bytes.windows(6).any(|w| w == b"\\u0000") {
        return Ok(());
    }
    // Broken JSON is reported by the parse that follows.
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    let errors = nul_errors(&value);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// A field error at the pointer of every string or key in `value` that holds a NUL.
pub fn nul_errors(value: &serde_json::Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    nul_at(value, String::new(), &mut errors);
    errors
}

fn nul_at(value: &serde_json::Value, at: String, errors: &mut Vec<FieldError>) {
    use serde_json::Value;
    match value {
        Value::String(text) if text.contains('\0') => {
            errors.push(FieldError::new(&at, NUL_CODE, NUL_MESSAGE));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                nul_at(item, format!("{at}/{i}"), errors);
            }
        }
        Value::Object(fields) => {
            for (name, inner) in fields {
                let at = format!("{at}/{}", escape(&name.replace('\0', "")));
                if name.contains('\0') {
                    errors.push(FieldError::new(&at, NUL_CODE, NUL_MESSAGE));
                } else {
                    nul_at(inner, at, errors);
                }
            }
        }
        _ => {}
    }
}

fn json_error(pointer: String, err: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::bad_request(
            "malformed_json",
            if bytes_were_empty(err) {
                "the request body is empty; send a JSON object".to_owned()
            } else {
                format!("the body is not valid JSON: {err}")
            },
        ),
        Category::Data => ApiError::validation(vec![data_error(pointer, err)]),
    }
}

/// Reads a JSON value (a merged patch, say) into `T`; a value of the wrong shape is a
/// field error at its pointer.
pub fn from_value<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value)
        .map_err(|err| data_error(pointer_of(err.path()), err.inner()))
}

/// Applies a merge patch (RFC 7396) to `current`, the changeable part of an object as
/// its own type, and reads the result back: the one way a `PATCH` body meets what it
/// changes. A value of the wrong shape is a field error at its pointer.
pub fn merge_patch<T: serde::Serialize + DeserializeOwned>(
    current: &T,
    patch: &serde_json::Value,
) -> Result<T, FieldError> {
    // Serialising plain data into a JSON value cannot fail; `Null` would only make the
    // result a field error.
    let mut merged = serde_json::to_value(current).unwrap_or_default();
    json_patch::merge(&mut merged, patch);
    from_value(&merged)
}

/// Marks a pointer carried inside an error message by [`located`].
const NESTED: char = '\u{1f}';

/// Reads `value` into `T` as [`from_value`] does, for use inside a `Deserialize` impl
/// whose own deserializer loses the path (serde buffers an internally tagged enum
/// before it reads the variant): the error carries the pointer below `value`, and the
/// problem names the field itself rather than the enum around it.
pub fn located<T: DeserializeOwned, E: serde::de::Error>(value: serde_json::Value) -> Result<T, E> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let message = err.inner().to_string();
        let (below, message) = nested(&message);
        E::custom(format!(
            "{NESTED}{}{below}{NESTED}{message}",
            pointer_of(err.path())
        ))
    })
}

/// Reads an internally tagged enum from `value` so that every wrong value is named by
/// its own pointer: `read` gets the variant's name and its fields (the tag removed) and
/// reads them with [`located`]; a missing, unknown or wrongly typed tag is named at the
/// tag, a value that is no object at the enum.
pub fn tagged<T, E: serde::de::Error>(
    mut value: serde_json::Value,
    tag: &'static str,
    variants: &'static [&'static str],
    read: impl FnOnce(&str, serde_json::Value) -> Result<T, E>,
) -> Result<T, E> {
    let Some(fields) = value.as_object_mut() else {
        return Err(E::invalid_type(unexpected(&value), &"an object"));
    };
    let Some(name) = fields.remove(tag) else {
        return Err(E::missing_field(tag));
    };
    let at_tag = |err: E| E::custom(format!("{NESTED}/{}{NESTED}{err}", escape(tag)));
    match name.as_str() {
        Some(name) if variants.contains(&name) => read(name, value),
        Some(name) => Err(at_tag(E::unknown_variant(name, variants))),
        None => Err(at_tag(E::invalid_type(unexpected(&name), &"a string"))),
    }
}

/// How serde names a JSON value it did not expect.
fn unexpected(value: &serde_json::Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected;
    use serde_json::Value;
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Unexpected::Signed(i),
            (None, Some(u)) => Unexpected::Unsigned(u),
            (None, None) => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Splits a message made by [`located`] into the pointer it carries and the message.
fn nested(message: &str) -> (&str, &str) {
    message
        .strip_prefix(NESTED)
        .and_then(|rest| rest.split_once(NESTED))
        .unwrap_or(("", message))
}

/// A well-formed document of the wrong shape: which value, and why.
fn data_error(mut pointer: String, err: &serde_json::Error) -> FieldError {
    let message = strip_position(&err.to_string());
    let (below, message) = nested(&message);
    pointer.push_str(below);
    let message = message.to_owned();
    // serde_path_to_error's path already ends at an unknown field, but stops before a
    // missing one.
    let code = if message.starts_with("unknown field `") {
        "unknown_field"
    } else if let Some(field) = quoted(&message, "missing field `") {
        pointer = format!("{pointer}/{}", escape(field));
        "required"
    } else if message.starts_with("invalid type") {
        "invalid_type"
    } else {
        "invalid_value"
    };
    FieldError::new(pointer, code, message)
}

fn bytes_were_empty(err: &serde_json::Error) -> bool {
    err.is_eof() && err.line() == 1 && err.column() == 0
}

/// serde_json appends " at line L column C"; the pointer says where, so drop it.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn quoted<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => pointer.push_str(&format!("/{}", escape(key))),
            Segment::Enum { variant } => pointer.push_str(&format!("/{}", escape(variant))),
            Segment::Unknown => {}
        }
    }
    pointer
}

/// RFC 6901 escaping of one reference token.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u8,
    }

    fn problem(json: &str) -> crate::error::Problem {
        parse_json::<Outer>(json.as_bytes())
            .unwrap_err()
            .problem(None)
    }

    #[test]
    fn an_unknown_nested_field_is_pointed_at() {
        let p = problem(r#"{"name":"a","inner":{"count":1,"colour":"red"}}"#);
        assert_eq!(p.status, 422);
        assert_eq!(p.errors[0].pointer, "/inner/colour");
        assert_eq!(p.errors[0].code, "unknown_field");
    }

    #[test]
    fn a_missing_field_is_pointed_at() {
        let p = problem(r#"{"inner":{"count":1}}"#);
        assert_eq!(p.errors[0].pointer, "/name");
        assert_eq!(p.errors[0].code, "required");
    }

    #[test]
    fn a_wrong_type_is_pointed_at() {
        let p = problem(r#"{"name":"a","inner":{"count":"x"}}"#);
        assert_eq!(p.errors[0].pointer, "/inner/count");
        assert_eq!(p.errors[0].code, "invalid_type");
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        let p = problem(r#"{"name":"#);
        assert_eq!(p.status, 400);
        assert_eq!(p.code, "malformed_json");
    }

    #[test]
    fn trailing_garbage_is_a_bad_request() {
        let p = problem(r#"{"name":"a","inner":{"count":1}} x"#);
        assert_eq!(p.status, 400);
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
    }
}

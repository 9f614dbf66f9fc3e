//! Conditional writes: ETags are versions, `If-Match` says which version a write is
//! meant for (RFC 9110 §13.1.1), and a merge patch is a JSON object (RFC 7396).

use actix_web::HttpRequest;
use actix_web::http::{StatusCode, header};

use crate::app::IfMatch;
use crate::error::{ApiError, ApiResult};

pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The longest `If-Match` read (the document's `maxLength`): room for many ETags of ours,
/// which are a quoted version number.
pub const IF_MATCH_MAX: usize = 256;

/// `If-Match`, or `None` when it is absent: any current version (`*`), or one of the
/// listed ETags. The comparison is strong (RFC 9110 §13.1.1): a weak tag (`W/"1"`) never
/// matches a write, and a tag that is none of ours matches nothing (412). A value longer
/// than [`IF_MATCH_MAX`] is 422 at `/header/If-Match`.
pub fn if_match(req: &HttpRequest) -> ApiResult<Option<IfMatch>> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    if value.len() > IF_MATCH_MAX {
        return Err(ApiError::field(
            "/header/If-Match",
            "too_long",
            format!("If-Match is at most {IF_MATCH_MAX} characters"),
        ));
    }
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(Some(IfMatch::Any));
    }
    let versions = text
        .split(',')
        .map(str::trim)
        .filter(|tag| !tag.starts_with("W/"))
        .filter_map(|tag| {
            tag.strip_prefix('"')?
                .strip_suffix('"')?
                .parse::<i32>()
                .ok()
        })
        .collect();
    Ok(Some(IfMatch::Versions(versions)))
}

pub fn stale() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
        "Precondition failed",
        "the object changed since you read it (If-Match does not match its ETag); read it again",
    )
}

/// A merge patch (RFC 7396) that changes fields is a JSON object.
pub fn merge_patch_object(patch: &serde_json::Value) -> ApiResult<()> {
    if patch.is_object() {
        Ok(())
    } else {
        Err(ApiError::field(
            "",
            "invalid_type",
            "a merge patch is a JSON object",
        ))
    }
}

pub fn precondition_required() -> ApiError {
    ApiError::new(
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
        "Precondition required",
        "send If-Match with the ETag of the version you reviewed",
    )
}

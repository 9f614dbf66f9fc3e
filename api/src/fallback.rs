//! What answers when no handler matched: 405 with `Allow` when the path exists with other
//! methods (read from the OpenAPI document, so it is right for every route), else 404.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, web};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

/// The document's paths as segment patterns with their methods.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<&'static str>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter,
}

impl RouteTable {
    pub fn from_document(doc: &OpenApi) -> RouteTable {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods = Vec::new();
                for (present, name) in [
                    (item.get.is_some(), "GET"),
                    (item.post.is_some(), "POST"),
                    (item.put.is_some(), "PUT"),
                    (item.patch.is_some(), "PATCH"),
                    (item.delete.is_some(), "DELETE"),
                ] {
                    if present {
                        methods.push(name);
                    }
                }
                (parse(path), methods)
            })
            .collect();
        RouteTable { routes }
    }

    /// Adds a path served beside the document, not in it (the document itself).
    pub fn serving(mut self, path: &str, methods: &[&'static str]) -> RouteTable {
        self.routes.push((parse(path), methods.to_vec()));
        self
    }

    /// The methods a path supports, if the path exists.
    pub fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        let wanted: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        let mut found: Option<Vec<&'static str>> = None;
        for (pattern, methods) in &self.routes {
            let matches = pattern.len() == wanted.len()
                && pattern.iter().zip(&wanted).all(|(p, w)| match p {
                    Segment::Literal(l) => l == w,
                    Segment::Parameter => !w.is_empty(),
                });
            if matches {
                found
                    .get_or_insert_with(Vec::new)
                    .extend(methods.iter().copied());
            }
        }
        found
    }
}

fn parse(path: &str) -> Vec<Segment> {
    path.trim_end_matches('/')
        .split('/')
        .skip(1)
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}

pub async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<actix_web::HttpResponse, ApiError> {
    Err(match table.allowed(req.path()) {
        Some(methods) => {
            let allow = methods.join(", ");
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed",
                format!("{} is not supported here; use {allow}", req.method()),
            )
            .with_header(header::ALLOW, allow)
        }
        None => ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Not found",
            format!("there is no resource at {}", req.path()),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_path_lists_its_methods_and_an_unknown_one_is_none() {
        let table = RouteTable::from_document(&crate::openapi::document());
        assert_eq!(
            table.allowed("/operator/companies"),
            Some(vec!["GET", "POST"])
        );
        assert_eq!(
            table.allowed("/operator/clients/0193"),
            Some(vec!["DELETE"])
        );
        assert_eq!(table.allowed("/no/such/thing"), None);
    }
}

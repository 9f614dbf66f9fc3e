//! Who may call each operation, stated in the document as `x-roles` so clients and test
//! suites can read it (DESIGN: "the roles it allows as `x-roles`"). The rule follows the
//! extractors the handlers take: public operations need no token; `/operator/*` is the
//! operator's (`OperatorStaff`); a few reads are any role's (`Authenticated`); the rest
//! belong to a company's users: reads to admins and viewers (`CompanyReader`), writes to
//! admins (`CompanyAdmin`), and everything about webhook endpoints (their URLs and
//! delivery logs are integration settings), the company's users and its approval rule to
//! admins only. The authorization matrix test
//! holds the server to it.

use serde_json::json;
use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::Operation;

/// Operations any authenticated role may call.
const ANY_ROLE: &[&str] = &["list_plans", "list_mobile_packages", "list_audit_events"];

/// Paths only a company's admins may read as well as write.
const ADMIN_ONLY_PATHS: &[&str] = &["/webhook-endpoints", "/users", "/company"];

/// Whether the operation needs no token (`security: [{}]`).
pub(super) fn is_public(operation: &Operation) -> bool {
    !operation
        .security
        .as_ref()
        .is_some_and(|s| !s.is_empty() && serde_json::to_value(s).is_ok_and(|v| v != json!([{}])))
}

/// The roles that may call `operation` on `path` with `method`; `anonymous` marks one
/// that needs no token.
pub(super) fn roles(path: &str, method: &str, operation: &Operation) -> Vec<&'static str> {
    let id = operation.operation_id.as_deref().unwrap_or_default();
    if is_public(operation) {
        vec!["anonymous", "admin", "viewer", "operator"]
    } else if ANY_ROLE.contains(&id) {
        vec!["admin", "viewer", "operator"]
    } else if path == "/operator" || path.starts_with("/operator/") {
        vec!["operator"]
    } else if method == "get"
        && !ADMIN_ONLY_PATHS
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
    {
        vec!["admin", "viewer"]
    } else {
        vec!["admin"]
    }
}

/// Whether some authenticated role is refused (403) by `operation`.
pub(super) fn refuses_some_role(path: &str, method: &str, operation: &Operation) -> bool {
    roles(path, method, operation).len() < 3
}

/// Writes `x-roles` on every operation.
pub(super) struct Roles;

impl Modify for Roles {
    fn modify(&self, openapi: &mut OpenApi) {
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
                let roles = roles(path, method, operation);
                let extensions = ExtensionsBuilder::new()
                    .add("x-roles", json!(roles))
                    .build();
                operation
                    .extensions
                    .get_or_insert_with(Default::default)
                    .merge(extensions);
            }
        }
    }
}

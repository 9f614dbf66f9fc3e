//! The served OpenAPI document as test input: its operations, their example bodies and
//! concrete paths, so tests that walk every operation need no list of their own.

use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, confirmed, form, json_of};

pub fn document() -> Value {
    serde_json::from_str(&selvbetjening::openapi::document_json()).unwrap()
}

/// The documented example of the operation's request body (its own, or its schema's), so
/// a call gets past validation to the object it names; `{}` when there is none.
pub fn example_body(operation: &Value) -> String {
    let Some(content) = operation["requestBody"]["content"].as_object() else {
        return "{}".to_owned();
    };
    let media = content.values().next().unwrap();
    if !media["example"].is_null() {
        return media["example"].to_string();
    }
    let schema = media["schema"]["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(|name| document()["components"]["schemas"][name]["example"].clone())
        .unwrap_or(Value::Null);
    if schema.is_null() {
        "{}".to_owned()
    } else {
        schema.to_string()
    }
}

/// Every (method, path template, operation) of the served document.
pub fn operations() -> Vec<(Method, String, Value)> {
    let doc = document();
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            all.push((method, path.clone(), operation.clone()));
        }
    }
    all
}

/// The path with every parameter filled in by `fill(name)`.
pub fn concrete(template: &str, fill: impl Fn(&str) -> String) -> String {
    let mut path = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').unwrap() + open;
        path.push_str(&rest[..open]);
        path.push_str(&fill(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    path
}

/// The query string (`?name=value&…`, or empty) of the operation's required query
/// parameters, each with its documented example, so a call gets past validation.
pub fn required_query(operation: &Value) -> String {
    let pairs: Vec<String> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query" && p["required"] == true)
        .map(|p| {
            let name = p["name"].as_str().unwrap();
            let example = p["schema"]["examples"][0]
                .as_str()
                .or_else(|| p["example"].as_str())
                .unwrap_or_else(|| panic!("the required query parameter {name} has no example"));
            format!("{name}={}", urlencode(example))
        })
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// `text` percent-encoded for a path segment or a query value.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A request for the operation with the caller's token and, where the operation reads
/// one, `If-Match: *`; the body is the caller's to add.
pub fn request(
    app: &TestApp,
    method: &Method,
    path: &str,
    operation: &Value,
    token: Option<&str>,
) -> RequestBuilder {
    let mut request = app.client.request(method.clone(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let reads_if_match = operation["parameters"]
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["name"] == "If-Match"));
    if reads_if_match {
        request = request.header("if-match", "*");
    }
    request
}

/// The media type of the operation's request body (the first it lists), if it has one.
pub fn media_type(operation: &Value) -> Option<String> {
    operation["requestBody"]["content"]
        .as_object()
        .and_then(|content| content.keys().next().cloned())
}

/// Calls the operation with `body` (sent only if it takes one) and answers the status.
pub async fn call(
    app: &TestApp,
    method: &Method,
    path: &str,
    operation: &Value,
    token: Option<&str>,
    body: &str,
) -> StatusCode {
    let mut request = request(app, method, path, operation, token);
    if let Some(media) = media_type(operation) {
        request = request.header("content-type", media).body(body.to_owned());
    }
    request.send().await.unwrap().status()
}

/// The leaves of a JSON object, as (pointer, value) pairs; an array is one leaf.
pub fn leaves(value: &Value, at: &str, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(fields) => {
            for (name, inner) in fields {
                leaves(inner, &format!("{at}/{name}"), out);
            }
        }
        leaf => out.push((at.to_owned(), leaf.clone())),
    }
}

/// One live object of each kind a path names: a draft, a subscription and a port of the
/// caller's company, and another company (for operator paths).
pub struct Objects {
    pub draft: String,
    pub subscription: String,
    pub port: String,
    pub other_company: String,
    pub endpoint: String,
    pub bulk_order: String,
    pub user: String,
}

/// Creates them; the company needs the numbers 20710001 and 20710002 free.
pub async fn objects(app: &TestApp, admin: &str, operator: &str) -> Objects {
    let draft = json_of(
        app.post_json("/orders", Some(admin), &form("MH", Some("20710001")))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let subscription = confirmed(app, admin, &form("AB", Some("20710002"))).await;
    let mut port_in = form("JB", None);
    port_in["number"] = json!({
        "type": "port_in", "number": "+4521234567", "owner_email": "jens@privat.example",
        "owner_name": "Jens Berg",
    });
    let port = confirmed(app, admin, &port_in).await;
    let other = app.company_with_cvr(operator, "10150817").await;
    let endpoint = json_of(
        app.post_json(
            "/webhook-endpoints",
            Some(admin),
            &json!({"url": "http://127.0.0.1:9/hook", "events": ["order.confirmed"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let mut bulk_row = form("BLK", None);
    bulk_row["number"] = json!({
        "type": "port_in", "number": "+4521234599", "owner_email": "bo@privat.example",
        "owner_name": "Bo Lund",
    });
    let bulk_order = app
        .client
        .post(app.url("/bulk-orders"))
        .bearer_auth(admin)
        .header("idempotency-key", "objects")
        .json(&json!({"rows": [bulk_row]}))
        .send()
        .await
        .unwrap();
    let bulk_order = json_of(bulk_order, StatusCode::ACCEPTED).await;
    let users = json_of(app.get("/users", Some(admin)).await, StatusCode::OK).await;
    let viewer = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["role"] == "viewer")
        .unwrap();
    Objects {
        user: viewer["id"].as_str().unwrap().to_owned(),
        bulk_order: bulk_order["id"].as_str().unwrap().to_owned(),
        draft: draft["id"].as_str().unwrap().to_owned(),
        subscription: subscription["subscription"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        port: port["number_port"]["id"].as_str().unwrap().to_owned(),
        other_company: other.id,
        endpoint: endpoint["endpoint"]["id"].as_str().unwrap().to_owned(),
    }
}

impl Objects {
    /// The template with each parameter naming a live object where one fits.
    pub fn path(&self, template: &str) -> String {
        concrete(template, |name| match name {
            "slug" => "log-ind".to_owned(),
            "token" => "A".repeat(43),
            _ if template.starts_with("/orders/") => self.draft.clone(),
            _ if template.starts_with("/bulk-orders/") => self.bulk_order.clone(),
            _ if template.starts_with("/users/") => self.user.clone(),
            _ if template.starts_with("/subscriptions/") => self.subscription.clone(),
            _ if template.contains("/number-ports/") => self.port.clone(),
            "id" if template.starts_with("/webhook-endpoints/") => self.endpoint.clone(),
            _ if template.starts_with("/operator/companies/") => self.other_company.clone(),
            _ => uuid::Uuid::now_v7().to_string(),
        })
    }
}

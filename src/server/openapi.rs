//! The OpenAPI 3.1 document of everything the server answers, HTML pages included. A test
//! checks that its paths and methods are exactly the router's (see `routes::routes`).

use serde_json::{Map, Value, json};

/// Who may call an operation.
#[derive(Clone, Copy)]
enum Access {
    Public,
    Rm,
    RmOrOwnCustomer,
    Customer,
}

/// What an operation answers with.
#[derive(Clone, Copy)]
enum Body {
    Html,
    Json(&'static str),
    Redirect,
    File,
    Text,
}

struct Operation {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    access: Access,
    body: Body,
}

const fn op(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    access: Access,
    body: Body,
) -> Operation {
    Operation {
        method,
        path,
        summary,
        access,
        body,
    }
}

const OPERATIONS: &[Operation] = &[
    op(
        "get",
        "/",
        "Start page: sends each person to their own view, or to sign in",
        Access::Public,
        Body::Redirect,
    ),
    op(
        "get",
        "/health",
        "Liveness check (plain `ok`)",
        Access::Public,
        Body::Text,
    ),
    op(
        "get",
        "/login",
        "Sign-in form; with `?token=` signs in and redirects",
        Access::Public,
        Body::Html,
    ),
    op(
        "post",
        "/login",
        "Sign in with an access code (form field `token`)",
        Access::Public,
        Body::Redirect,
    ),
    op(
        "post",
        "/logout",
        "Sign out",
        Access::Public,
        Body::Redirect,
    ),
    op(
        "get",
        "/static/{path}",
        "Stylesheet, script and vendored libraries compiled into the binary",
        Access::Public,
        Body::File,
    ),
    op(
        "get",
        "/rm/customers",
        "Customer list with server-side filters, sorting and pages (htmx fragment when `HX-Request` is set)",
        Access::Rm,
        Body::Html,
    ),
    op(
        "get",
        "/rm/customers/{id}",
        "A customer's score gauge, reasons, waterfall, comparisons and data",
        Access::Rm,
        Body::Html,
    ),
    op(
        "get",
        "/rm/customers/{id}/distribution",
        "Distribution of one feature among a population, customer marked (fragment)",
        Access::Rm,
        Body::Html,
    ),
    op(
        "get",
        "/rm/customers/{id}/scatter",
        "Scatter of two features, customer highlighted (fragment)",
        Access::Rm,
        Body::Html,
    ),
    op(
        "get",
        "/rm/customers/{id}/history",
        "Every credit-history figure of the customer, by source (fragment)",
        Access::Rm,
        Body::Html,
    ),
    op(
        "post",
        "/rm/customers/{id}/access-link",
        "Issue a sign-in link for this customer (fragment)",
        Access::Rm,
        Body::Html,
    ),
    op(
        "get",
        "/rm/model",
        "Model: importance, ROC, cost, calibration, confusion, provenance",
        Access::Rm,
        Body::Html,
    ),
    op(
        "get",
        "/me",
        "The signed-in customer's own application, in plain words",
        Access::Customer,
        Body::Html,
    ),
    op(
        "get",
        "/api/v1/openapi.json",
        "This document",
        Access::Public,
        Body::Json("OpenApi"),
    ),
    op(
        "get",
        "/api/v1/customers/{id}/score",
        "A customer's probability, points and decision",
        Access::RmOrOwnCustomer,
        Body::Json("Score"),
    ),
    op(
        "get",
        "/api/v1/customers/{id}/explanation",
        "A customer's score with every feature's contribution",
        Access::RmOrOwnCustomer,
        Body::Json("Explanation"),
    ),
    op(
        "get",
        "/api/v1/customers/{id}/reasons",
        "A customer's score with the main reasons in plain sentences",
        Access::RmOrOwnCustomer,
        Body::Json("Reasons"),
    ),
    op(
        "post",
        "/api/v1/score",
        "Score a new application: probability, points, decision and reasons",
        Access::Rm,
        Body::Json("ScoredApplication"),
    ),
];

/// The (method, path) of every documented operation, methods upper-case.
pub fn operations() -> Vec<(String, String)> {
    OPERATIONS
        .iter()
        .map(|o| (o.method.to_ascii_uppercase(), o.path.to_owned()))
        .collect()
}

/// The OpenAPI document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for o in OPERATIONS {
        let entry = paths.entry(o.path).or_insert_with(|| json!({}));
        entry[o.method] = operation(o);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Prêt-à-Score",
            "version": crate::PROGRAM_VERSION,
            "description": "Transparent credit scoring. Sign in as a relationship manager (RM) \
                or as a customer with a link or token; API calls take `Authorization: Bearer \
                <token>` or the session cookie. Customers reach only their own data."
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": components(),
    })
}

fn operation(o: &Operation) -> Value {
    let mut parameters = Vec::new();
    if o.path.contains("{id}") {
        parameters.push(json!({"name": "id", "in": "path", "required": true,
            "description": "Customer number (SK_ID_CURR)", "schema": {"type": "integer"}}));
    }
    if o.path.contains("{path}") {
        parameters.push(json!({"name": "path", "in": "path", "required": true,
            "schema": {"type": "string"}}));
    }
    let ok = match o.body {
        Body::Html => json!({"description": "HTML page", "content": {"text/html": {}}}),
        Body::Json(schema) => json!({"description": "JSON", "content": {"application/json":
            {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}}),
        Body::Redirect => json!({"description": "Redirect (303)"}),
        Body::File => json!({"description": "The file"}),
        Body::Text => json!({"description": "Plain text", "content": {"text/plain": {}}}),
    };
    let status = if matches!(o.body, Body::Redirect) {
        "303"
    } else {
        "200"
    };
    let mut responses = json!({ status: ok });
    let error = json!({"description": "Error", "content": {"application/json":
        {"schema": {"$ref": "#/components/schemas/Error"}}}});
    if !matches!(o.access, Access::Public) {
        responses["401"] = error.clone();
        responses["403"] = error.clone();
    }
    if o.path.contains("{id}") {
        responses["400"] = error.clone();
        responses["404"] = error.clone();
    }
    let mut out = json!({"summary": o.summary, "parameters": parameters, "responses": responses});
    out["security"] = match o.access {
        Access::Public => json!([]),
        _ => json!([{"bearer": []}, {"session": []}]),
    };
    out["x-access"] = json!(match o.access {
        Access::Public => "public",
        Access::Rm => "rm",
        Access::RmOrOwnCustomer => "rm, or the customer themself",
        Access::Customer => "customer",
    });
    if o.path == "/api/v1/score" {
        out["requestBody"] = json!({"required": true, "content": {"application/json":
            {"schema": {"$ref": "#/components/schemas/Application"}}}});
        responses_bad_request(&mut out);
    }
    out
}

fn responses_bad_request(out: &mut Value) {
    out["responses"]["400"] = json!({"description": "The application is not valid",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
}

fn components() -> Value {
    let score = json!({
        "customer_id": {"type": "integer"},
        "probability": {"type": "number", "description": "Probability of default"},
        "points": {"type": "number", "description": "Scorecard points, higher is safer"},
        "decision": {"type": "string", "enum": ["grant", "refuse"]},
        "threshold": {"type": "number", "description": "Probability above which we refuse"},
        "model_version": {"type": "string"}
    });
    let reason = json!({"type": "object", "properties": {
        "feature": {"type": "string"}, "label": {"type": "string"},
        "sentence": {"type": "string"}, "raises_risk": {"type": "boolean"},
        "contribution": {"type": "number"}, "advice": {"type": ["string", "null"]}}});
    let mut explanation = score.clone();
    explanation["base"] = json!({"type": "number"});
    explanation["raw"] = json!({"type": "number"});
    explanation["contributions"] = json!({"type": "array", "items": {"type": "object",
        "properties": {"feature": {"type": "string"}, "label": {"type": "string"},
        "value": {"type": ["number", "null"]}, "contribution": {"type": "number"}}}});
    let mut reasons = score.clone();
    reasons["reasons"] = json!({"type": "array", "items": reason.clone()});
    json!({
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                "description": "The RM token, or a customer's access token"},
            "session": {"type": "apiKey", "in": "cookie", "name": crate::server::auth::SESSION_COOKIE}
        },
        "schemas": {
            "OpenApi": {"type": "object"},
            "Score": {"type": "object", "properties": score},
            "Explanation": {"type": "object", "properties": explanation},
            "Reasons": {"type": "object", "properties": reasons},
            "Application": posted_application(),
            "ScoredApplication": {"type": "object", "properties": {
                "probability": {"type": "number"}, "points": {"type": "number"},
                "decision": {"type": "string", "enum": ["grant", "refuse"]},
                "threshold": {"type": "number"}, "model_version": {"type": "string"},
                "reasons": {"type": "array", "items": reason}}},
            "Error": {"type": "object", "properties": {"error": {"type": "object",
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}}}
        }
    })
}

/// The body of `POST /api/v1/score`, its columns generated from the ingest schemas so the
/// document cannot drift from what the server accepts: every column of `application_test.csv`
/// must be present (its value may be null), and history rows follow their Kaggle files.
fn posted_application() -> Value {
    use crate::ingest::schema::{ColumnType, TABLES, TableSchema};
    let table = |name: &str| TABLES.iter().find(|t| t.table == name);
    let columns = |schema: &TableSchema, skip: &str| -> (Map<String, Value>, Vec<&str>) {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for column in schema.columns.iter().filter(|c| c.name != skip) {
            let kind = match column.ty {
                ColumnType::Integer => "integer",
                ColumnType::Float => "number",
                ColumnType::Text => "string",
            };
            properties.insert(column.name.to_owned(), json!({"type": [kind, "null"]}));
            required.push(column.name);
        }
        (properties, required)
    };
    let mut body = Map::new();
    if let Some(schema) = table("application_test") {
        let (mut properties, required) = columns(schema, "SK_ID_CURR");
        properties.insert(
            "SK_ID_CURR".into(),
            json!({"type": ["integer", "null"], "description": "Optional"}),
        );
        body.insert(
            "application".into(),
            json!({"type": "object", "description":
                "The application's columns as in application_test.csv: every one must be \
                 present, with null where the value is unknown",
                "properties": properties, "required": required}),
        );
    }
    for (key, _) in super::pipeline::HISTORY_FILES {
        if let Some(schema) = table(key) {
            let (properties, _) = columns(schema, "SK_ID_CURR");
            body.insert(
                key.into(),
                json!({"type": "array", "description": format!(
                    "Optional rows as in {}.csv; SK_ID_CURR, if given, must be the \
                     application's", schema.file_stem),
                    "items": {"type": "object", "properties": properties}}),
            );
        }
    }
    json!({"type": "object", "required": ["application"], "properties": body})
}

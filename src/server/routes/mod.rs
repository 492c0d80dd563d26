//! The router: every route is added through [`RouteBook`], which also records it, so the
//! OpenAPI test can check the document against the routes actually served.

mod api;
mod assets;
mod login;
mod me;
mod rm;

use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::errors::AppError;
use super::state::AppState;

/// Header set on answers of the fallback handler only (no route matched).
pub const FALLBACK_HEADER: &str = "x-no-route";

/// A router that remembers the method and path of every route added to it.
pub struct RouteBook {
    router: Router<AppState>,
    routes: Vec<(Method, &'static str)>,
}

impl RouteBook {
    fn new() -> Self {
        Self {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.routes.push((Method::GET, path));
        self.router = self.router.route(path, get(handler));
        self
    }

    fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.routes.push((Method::POST, path));
        self.router = self.router.route(path, post(handler));
        self
    }
}

fn book() -> RouteBook {
    RouteBook::new()
        .get("/", login::home)
        .get("/health", health)
        .get("/login", login::page)
        .post("/login", login::submit)
        .post("/logout", login::logout)
        .get("/static/{*path}", assets::asset)
        .get("/rm/customers", rm::list)
        .get("/rm/customers/{id}", rm::customer)
        .get("/rm/customers/{id}/distribution", rm::distribution)
        .get("/rm/customers/{id}/scatter", rm::scatter)
        .get("/rm/customers/{id}/history", rm::history)
        .post("/rm/customers/{id}/access-link", rm::access_link)
        .get("/rm/model", rm::model)
        .get("/me", me::page)
        .get("/api/v1/openapi.json", api::openapi)
        .get("/api/v1/customers/{id}/score", api::score)
        .get("/api/v1/customers/{id}/explanation", api::explanation)
        .get("/api/v1/customers/{id}/reasons", api::reasons)
        .post("/api/v1/score", api::score_application)
}

/// Every route served, as (method, path) with axum's `{param}` syntax.
pub fn routes() -> Vec<(Method, &'static str)> {
    book().routes
}

/// The whole server as a router over `state`.
pub fn app(state: AppState) -> Router {
    book()
        .router
        .fallback(fallback)
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(trace_request))
        .with_state(state)
}

/// A trivial route (the benchmark's reference, and a liveness check).
async fn health() -> &'static str {
    "ok"
}

async fn fallback(request: Request) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let error = AppError::NotFound("There is no page at this address.".to_owned());
    let mut response = if api {
        error.into_api_response()
    } else {
        error.into_response()
    };
    response
        .headers_mut()
        .insert(FALLBACK_HEADER, HeaderValue::from_static("1"));
    response
}

/// Content-Security-Policy and friends: scripts, styles and connections only from this server.
async fn security_headers(request: Request, next: Next) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' \
             'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
             form-action 'self'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Logs each request's method, path (never the query string, which may carry a sign-in
/// token), status and time at debug level.
async fn trace_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::debug!(
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_us = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

/// Parses a customer number from the path, with a clear message.
fn customer_id(text: &str) -> Result<i64, AppError> {
    text.trim().parse().map_err(|_| {
        AppError::BadRequest(format!("`{text}` is not a customer number (digits only)."))
    })
}

/// Whether the request came from htmx (then only a fragment is sent back).
fn is_htmx(headers: &axum::http::HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

fn into_html<T: askama::Template>(template: &T) -> Response {
    super::errors::render(template).into_response()
}

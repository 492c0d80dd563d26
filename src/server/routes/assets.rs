//! Static files (stylesheet, our script, vendored libraries) compiled into the binary.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::server::errors::AppError;

#[derive(RustEmbed)]
#[folder = "web/static/"]
struct Static;

/// `GET /static/{*path}`.
pub async fn asset(Path(path): Path<String>) -> Response {
    let Some(file) = Static::get(&path) else {
        return AppError::NotFound("There is no such file.".to_owned()).into_response();
    };
    let mime = file.metadata.mimetype();
    let mut response = file.data.into_owned().into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(mime) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    // Vendored files carry their version in the path; ours change with the binary.
    let cache = if path.starts_with("vendor/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

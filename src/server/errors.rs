//! Errors of request handlers, turned into a safe, helpful page or JSON body. Internal
//! detail is logged once with tracing and never shown to the user.

use askama::Template;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::json;

use super::pages::Layout;

/// What went wrong while answering a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("No customer has the number {0}.")]
    CustomerNotFound(i64),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("Please sign in first.")]
    Unauthenticated,
    #[error("You do not have access to this page.")]
    Forbidden,
    #[error("This page is for customers; relationship managers use the dashboard.")]
    NotACustomer,
    /// Detail for the log only.
    #[error("Something went wrong on our side. Please try again later.")]
    Internal(String),
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::CustomerNotFound(_) | AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::NotACustomer => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn log(&self) {
        if let AppError::Internal(detail) = self {
            tracing::error!(detail = %detail, "internal error while answering a request");
        }
    }

    /// The error as JSON: `{"error": {"status": 404, "message": "..."}}`.
    pub fn into_api_response(self) -> Response {
        self.log();
        let status = self.status();
        let body = json!({ "error": { "status": status.as_u16(), "message": self.to_string() } });
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }

    fn hint(&self) -> &'static str {
        match self {
            AppError::CustomerNotFound(_) => {
                "Check the number, or search for the customer in the list by another field."
            }
            AppError::NotFound(_) => "The address may be mistyped, or the page has moved.",
            AppError::BadRequest(_) => "Correct the value and try again.",
            AppError::Forbidden => {
                "Customers can see only their own application. Relationship managers sign in \
                 with their own link."
            }
            AppError::NotACustomer => "Open the customer list instead.",
            AppError::Unauthenticated | AppError::Internal(_) => "",
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: String,
    hint: &'static str,
    back: &'static str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if matches!(self, AppError::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        self.log();
        let status = self.status();
        let page = ErrorPage {
            layout: Layout::new(status.canonical_reason().unwrap_or("Error"), ""),
            status: status.as_u16(),
            message: self.to_string(),
            hint: self.hint(),
            back: match self {
                AppError::NotACustomer | AppError::CustomerNotFound(_) => "/rm/customers",
                _ => "/",
            },
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(err) => {
                tracing::error!(error = %err, "the error page failed to render");
                (status, "Something went wrong. Please try again later.").into_response()
            }
        }
    }
}

/// An [`AppError`] answered as JSON, for the API's handlers.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.into_api_response()
    }
}

/// Renders a template into an HTML response, or an internal error.
pub fn render(template: &impl Template) -> Result<Html<String>, AppError> {
    template
        .render()
        .map(Html)
        .map_err(|err| AppError::Internal(format!("template failed to render: {err}")))
}

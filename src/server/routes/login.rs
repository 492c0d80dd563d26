//! Signing in and out: a token (one-time RM code, RM token or customer token) becomes a
//! signed session cookie; the token leaves the address bar at once by a redirect.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::into_html;
use crate::server::auth::{self, Principal};
use crate::server::pages::{Layout, LoginPage};
use crate::server::state::AppState;

/// The sign-in token, from the link's query string or the form.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    token: Option<String>,
}

fn landing(principal: Principal) -> &'static str {
    match principal {
        Principal::Rm => "/rm/customers",
        Principal::Customer(_) => "/me",
    }
}

/// `/`: each person to their own start page, or to sign in.
pub async fn home(State(state): State<AppState>, headers: HeaderMap) -> Redirect {
    match auth::principal(state.keys(), &headers) {
        Some(principal) => Redirect::to(landing(principal)),
        None => Redirect::to("/login"),
    }
}

/// `GET /login`: with `?token=`, signs in; without, shows the form.
pub async fn page(State(state): State<AppState>, Query(form): Query<TokenForm>) -> Response {
    match form
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(token) => sign_in(&state, token),
        None => login_page(StatusCode::OK, ""),
    }
}

/// `POST /login`: signs in with the pasted code.
pub async fn submit(State(state): State<AppState>, Form(form): Form<TokenForm>) -> Response {
    match form
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(token) => sign_in(&state, token),
        None => login_page(StatusCode::BAD_REQUEST, "Please paste your access code."),
    }
}

/// `POST /logout`: ends the session.
pub async fn logout() -> Response {
    (
        [(header::SET_COOKIE, auth::session_clear_cookie())],
        Redirect::to("/login"),
    )
        .into_response()
}

fn sign_in(state: &AppState, token: &str) -> Response {
    let Some(principal) = state.keys().redeem(token) else {
        tracing::info!("sign-in refused: unknown, used or expired token");
        return login_page(
            StatusCode::UNAUTHORIZED,
            "This sign-in link or code is not valid: it may have expired or been used \
             already. Ask for a new one.",
        );
    };
    tracing::info!(principal = ?principal, "signed in");
    (
        [(
            header::SET_COOKIE,
            auth::session_set_cookie(state.keys(), principal),
        )],
        Redirect::to(landing(principal)),
    )
        .into_response()
}

fn login_page(status: StatusCode, message: &str) -> Response {
    let page = LoginPage {
        layout: Layout::new("Sign in", ""),
        message: message.to_owned(),
    };
    (status, into_html(&page)).into_response()
}
